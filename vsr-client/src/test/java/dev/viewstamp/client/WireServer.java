package dev.viewstamp.client;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.Hello;
import dev.viewstamp.codec.WireFormat;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.kv.KvStateMachine;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in replica on a real socket, speaking the wire format with plain blocking I/O, for the
 * network transport's tests: it says Hello as replica {@code helloAs}; when {@code primary}, it
 * executes requests on a key-value store at most once per session and request number.
 */
final class WireServer implements AutoCloseable {

    static final long CLUSTER = 77;

    private final ServerSocket server;
    private final int helloAs;
    private final boolean primary;
    private final KvStateMachine store = new KvStateMachine();
    private final Map<Long, Reply> last = new HashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private long op;

    WireServer(int helloAs, boolean primary) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.helloAs = helloAs;
        this.primary = primary;
        Thread.ofVirtual().start(this::accept);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Drops every open connection, as a replica restart would. */
    void dropConnections() throws IOException {
        for (Socket s : open) s.close();
    }

    private void accept() {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(s);
            Thread.ofVirtual().start(() -> serve(s));
        }
    }

    private void serve(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            out.write(WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.REPLICA, helloAs)));
            byte[] hello = readFrame(in);
            WireFormat.decodeHello(hello, 0, hello.length, CLUSTER);
            while (true) {
                byte[] frame = readFrame(in);
                Message message = WireFormat.decode(frame, 0, frame.length, CLUSTER, 1 << 20);
                if (primary && message instanceof Request request) {
                    Reply reply = execute(request);
                    synchronized (out) {
                        out.write(WireFormat.encode(CLUSTER, reply));
                        out.flush();
                    }
                }
            }
        } catch (IOException | CodecException e) {
            // The connection ends.
        } finally {
            open.remove(s);
        }
    }

    private static byte[] readFrame(DataInputStream in) throws IOException, CodecException {
        byte[] header = in.readNBytes(WireFormat.HEADER_SIZE_BYTES);
        if (header.length < WireFormat.HEADER_SIZE_BYTES) throw new IOException("closed");
        int body = WireFormat.bodySize(header, 0, CLUSTER, 1 << 20);
        byte[] frame = new byte[WireFormat.HEADER_SIZE_BYTES + body];
        System.arraycopy(header, 0, frame, 0, header.length);
        in.readFully(frame, header.length, body);
        return frame;
    }

    private synchronized Reply execute(Request request) {
        Reply cached = last.get(request.clientId());
        if (cached != null && cached.requestNumber() == request.requestNumber()) return cached;
        op++;
        byte[] result = request.isRegister() ? Request.encodeBase(0) : store.execute(op, op, request.operation());
        Reply reply = new Reply(0, request.clientId(), request.requestNumber(), Reply.Status.OK, result, helloAs);
        last.put(request.clientId(), reply);
        return reply;
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
