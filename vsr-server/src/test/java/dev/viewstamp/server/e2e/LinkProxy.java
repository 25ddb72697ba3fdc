package dev.viewstamp.server.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that an end-to-end test puts on one link between two processes (a
 * replica dials the proxy's port through {@code --cluster}; the proxy dials the real peer), so that
 * the test can fault the link without iptables or netem, which this machine does not have:
 *
 * <ul>
 *   <li>{@link Mode#PASS}: bytes flow both ways;
 *   <li>{@link Mode#DROP}: connections stay open and every byte is swallowed, as on a link that
 *       silently loses everything (the peers find out only by their timeouts);
 *   <li>{@link Mode#CUT}: every connection is closed and new ones are closed as soon as they are
 *       accepted, as on a partition the peers see as refused or reset connections.
 * </ul>
 *
 * Each connection runs on two virtual threads, one per direction; {@link #close} stops them all.
 */
final class LinkProxy implements AutoCloseable {

    enum Mode { PASS, DROP, CUT }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    private LinkProxy(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        this.acceptor = Thread.ofVirtual().name("link-proxy-" + server.getLocalPort()).start(this::acceptLoop);
    }

    /** A proxy on a free loopback port that forwards to {@code target}. */
    static LinkProxy start(InetSocketAddress target) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new LinkProxy(server, target);
    }

    /** The port to dial instead of the target's. */
    int port() {
        return server.getLocalPort();
    }

    /** Switches the link; {@link Mode#CUT} closes every connection open now. */
    void mode(Mode value) {
        mode = value;
        if (value == Mode.CUT) closeAll();
    }

    Mode mode() {
        return mode;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (mode == Mode.CUT) {
                closeQuietly(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 1_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            Thread.ofVirtual().start(() -> pump(client, upstream));
            Thread.ofVirtual().start(() -> pump(upstream, client));
        }
    }

    /** Copies {@code from} to {@code to} until either closes; swallows the bytes while the link drops. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (mode == Mode.PASS) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // One side went: the other goes with it.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeAll() {
        for (Socket socket : sockets) closeQuietly(socket);
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // Closing: nothing to do.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        closeAll();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
