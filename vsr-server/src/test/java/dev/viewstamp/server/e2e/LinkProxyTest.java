package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The link proxy end-to-end tests fault links with: it passes, drops and cuts as told. */
class LinkProxyTest {

    private ServerSocket echo;
    private Thread echoThread;
    private LinkProxy proxy;

    @BeforeEach
    void startEchoServerBehindAProxy() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = Thread.ofVirtual().start(() -> {
            while (true) {
                Socket s;
                try {
                    s = echo.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException e) {
                        // The test closed it.
                    }
                });
            }
        });
        proxy = LinkProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        echo.close();
        echoThread.join(5_000);
    }

    private Socket dial() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(500);
        return s;
    }

    private static byte[] roundTrip(Socket s, byte[] bytes) throws IOException {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(bytes.length);
    }

    @Test
    void aPassingLinkCarriesBytesBothWays() throws IOException {
        try (Socket s = dial()) {
            assertThat(roundTrip(s, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aDroppingLinkKeepsTheConnectionButSwallowsEveryByteUntilItPassesAgain() throws IOException {
        try (Socket s = dial()) {
            assertThat(roundTrip(s, new byte[] {1})).containsExactly(1);
            proxy.mode(LinkProxy.Mode.DROP);
            s.getOutputStream().write(new byte[] {2});
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            proxy.mode(LinkProxy.Mode.PASS);
            assertThat(roundTrip(s, new byte[] {3})).containsExactly(3);
        }
    }

    @Test
    void aCutLinkClosesItsConnectionsAndRefusesNewOnesUntilItPassesAgain() throws IOException {
        try (Socket s = dial()) {
            assertThat(roundTrip(s, new byte[] {1})).containsExactly(1);
            proxy.mode(LinkProxy.Mode.CUT);
            assertThat(readAfterCut(s)).isEqualTo(-1);
        }
        try (Socket s = dial()) {
            assertThat(readAfterCut(s)).as("a new connection is closed at once").isEqualTo(-1);
        }
        proxy.mode(LinkProxy.Mode.PASS);
        try (Socket s = dial()) {
            assertThat(roundTrip(s, new byte[] {4})).containsExactly(4);
        }
    }

    /** -1 when the proxy closed the connection (end of stream, or a reset). */
    private static int readAfterCut(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (SocketTimeoutException e) {
            return -2;
        } catch (IOException e) {
            return -1;
        }
    }
}
