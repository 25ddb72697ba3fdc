package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.runtime.EmbeddedReplica;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example of docs/EMBEDDING.md, so that the guide's code keeps compiling and working: the
 * same {@link Counter}, and the same cluster on free loopback ports in a temporary directory, with
 * a 16 KiB body limit instead of the default so that the three data files are small.
 */
class EmbeddingGuideTest {

    /** Adds the 8-byte number it is given to a counter and replies with the new value. */
    static final class Counter implements StateMachine {
        private long value;

        @Override
        public byte[] execute(long op, long timestamp, byte[] operation) {
            if (operation.length != 8) return new byte[0]; // bad bytes get a reply, never an exception
            value += ByteBuffer.wrap(operation).getLong();
            return ByteBuffer.allocate(8).putLong(value).array();
        }

        @Override
        public long stateChecksum() {
            return value;
        }

        @Override
        public Snapshot snapshot() {
            long taken = value; // what the snapshot describes, however the counter changes afterwards
            return new Snapshot() {
                @Override
                public long stateChecksum() {
                    return taken;
                }

                @Override
                public void writeTo(OutputStream out) throws IOException {
                    DataOutputStream data = new DataOutputStream(out);
                    data.writeLong(taken);
                    data.flush();
                }
            };
        }

        @Override
        public void restore(InputStream in) throws IOException {
            byte[] bytes = in.readAllBytes();
            if (bytes.length != 8) throw new IOException("not a counter snapshot"); // and nothing changed
            value = ByteBuffer.wrap(bytes).getLong();
        }
    }

    @TempDir
    Path root;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theGuidesClusterOfThreeCountsToFive() throws Exception {
        List<InetSocketAddress> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                members.add(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            }
        }
        long clusterId = 42;

        EmbeddedReplica.Format format = EmbeddedReplica.format(clusterId, members).journalBodySizeBytesMax(16 * 1024);
        for (int i = 0; i < 3; i++) format.write(root.resolve("data/r" + i), i);

        List<EmbeddedReplica> replicas = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                EmbeddedReplica replica = EmbeddedReplica.builder()
                        .dataDirectory(root.resolve("data/r" + i))
                        .service(Counter::new)
                        .build();
                replica.start();
                replicas.add(replica);
            }

            try (VsrClient client = VsrClient.builder(new NettyClientTransport(clusterId, members, 16 << 20))
                    .sessions(4).build()) {
                byte[] reply = client.submit(ByteBuffer.allocate(8).putLong(5).array()).get(10, TimeUnit.SECONDS);
                assertThat(ByteBuffer.wrap(reply).getLong()).isEqualTo(5);
            }
        } finally {
            replicas.forEach(EmbeddedReplica::close);
        }
    }
}
