package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three `vsr server` processes and the one-shot `vsr kv` client, as an operator uses them. */
class KvCommandIT {

    @TempDir
    Path dir;
    private final List<VsrProcess> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws Exception {
        for (VsrProcess server : servers) server.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void setGetDelAndCasThroughAnyReplicaAndAClearErrorWhenNoneAnswers() throws Exception {
        String cluster = "127.0.0.1:" + freePort() + ",127.0.0.1:" + freePort() + ",127.0.0.1:" + freePort();
        for (int i = 0; i < 3; i++) {
            VsrProcess.Result format = VsrProcess.run(dir, 60, "format", "--cluster-id", "3", "--cluster", cluster,
                    "--replica", "" + i, "--data", dir.resolve("r" + i).toString(), "--journal-slots", "128");
            assertThat(format.exit()).as(format.output()).isZero();
        }
        for (int i = 0; i < 3; i++) {
            servers.add(VsrProcess.start(dir.resolve("server-" + i + ".log"), "server", "--data",
                    dir.resolve("r" + i).toString()));
        }
        assertThat(kv(cluster, "set", "greeting", "hello world")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
        assertThat(kv(cluster, "get", "greeting")).isEqualTo(new VsrProcess.Result(0, "hello world\n"));
        assertThat(kv(cluster, "get", "missing")).isEqualTo(new VsrProcess.Result(1, ""));
        assertThat(kv(cluster, "cas", "greeting", "nope", "x")).isEqualTo(new VsrProcess.Result(1, "NOT SET\n"));
        assertThat(kv(cluster, "cas", "greeting", "hello world", "bye")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
        assertThat(kv(cluster, "cas", "--absent", "fresh", "1")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
        assertThat(kv(cluster, "del", "greeting")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
        assertThat(kv(cluster, "get", "greeting").exit()).isEqualTo(1);

        assertThat(kv(cluster, "get", "fresh").output()).isEqualTo("1\n");

        for (VsrProcess server : servers) server.close();
        VsrProcess.Result unreachable = VsrProcess.run(dir, 60, "kv", "--cluster", cluster, "--timeout", "2", "get", "x");
        assertThat(unreachable.exit()).isEqualTo(3);
        assertThat(unreachable.output()).startsWith("vsr kv: no replica of the cluster could be reached")
                .contains(cluster);
    }

    private VsrProcess.Result kv(String cluster, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("kv", "--cluster", cluster));
        all.addAll(List.of(args));
        return VsrProcess.run(dir, 60, all.toArray(String[]::new));
    }
}
