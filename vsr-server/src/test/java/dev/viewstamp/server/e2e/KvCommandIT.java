package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three `vsr server` processes and the one-shot `vsr kv` client, as an operator uses them. */
class KvCommandIT {

    @TempDir
    Path dir;

    @Test
    void setGetDelAndCasThroughAnyReplicaACleanShutdownOnSigtermAndAClearErrorWhenNoneAnswers() throws Exception {
        try (ProcessCluster servers = new ProcessCluster(dir, 3, 128)) {
            servers.startAll();
            String cluster = servers.cluster();
            assertThat(kv(cluster, "set", "greeting", "hello world")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
            assertThat(kv(cluster, "get", "greeting")).isEqualTo(new VsrProcess.Result(0, "hello world\n"));
            assertThat(kv(cluster, "get", "missing")).isEqualTo(new VsrProcess.Result(1, ""));
            assertThat(kv(cluster, "cas", "greeting", "nope", "x")).isEqualTo(new VsrProcess.Result(1, "NOT SET\n"));
            assertThat(kv(cluster, "cas", "greeting", "hello world", "bye")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
            assertThat(kv(cluster, "cas", "--absent", "fresh", "1")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
            assertThat(kv(cluster, "del", "greeting")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
            assertThat(kv(cluster, "get", "greeting").exit()).isEqualTo(1);
            assertThat(kv(cluster, "get", "fresh").output()).isEqualTo("1\n");

            // SIGTERM: a clean shutdown, exit 0, and a restart from the same directory rejoins.
            int primary = servers.primary(Duration.ofSeconds(10));
            assertThat(servers.terminate(primary)).as("exit code after SIGTERM").isZero();
            assertThat(servers.output(primary)).contains("closed");
            assertThat(kv(cluster, "set", "after", "term")).isEqualTo(new VsrProcess.Result(0, "OK\n"));
            servers.start(primary);
            assertThat(servers.awaitConvergence(1, Duration.ofSeconds(30))).hasSize(3);
            assertThat(kv(cluster, "get", "after").output()).isEqualTo("term\n");

            servers.close();
            VsrProcess.Result unreachable = VsrProcess.run(dir, 60, "kv", "--cluster", cluster, "--timeout", "2", "get",
                    "x");
            assertThat(unreachable.exit()).isEqualTo(3);
            assertThat(unreachable.output()).startsWith("vsr kv: no replica of the cluster could be reached")
                    .contains(cluster);
        }
    }

    private VsrProcess.Result kv(String cluster, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("kv", "--cluster", cluster));
        all.addAll(List.of(args));
        return VsrProcess.run(dir, 60, all.toArray(String[]::new));
    }
}
