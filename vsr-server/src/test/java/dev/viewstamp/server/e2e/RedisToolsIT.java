package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Redis tools against three `vsr server --resp` processes: `redis-cli` writes through a
 * backup and reads through another replica, a key set with {@code EX 1} is gone on every replica
 * once it expired, and `redis-benchmark` runs SET, GET, INCR and MSET without an error, with and
 * without pipelining. The tools come from Debian's redis-tools, which `.ci/run` installs.
 */
class RedisToolsIT {

    @TempDir
    Path dir;

    @BeforeAll
    static void toolsPresent() {
        boolean present = onPath("redis-cli") && onPath("redis-benchmark");
        if (System.getenv("CI") != null) {
            assertThat(present).as("redis-cli and redis-benchmark on the PATH (.ci/run installs redis-tools)").isTrue();
        }
        assumeTrue(present, "redis-cli and redis-benchmark are not installed (apt-get install redis-tools)");
    }

    @Test
    void redisCliWritesThroughABackupReadsThroughAnotherAndExpiredKeysAreGoneEverywhere() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 1024).withResp()) {
            cluster.startAllServing();
            int primary = cluster.primary(Duration.ofSeconds(30));
            int backup = (primary + 1) % 3;
            int other = (primary + 2) % 3;

            assertThat(cli(cluster, backup, "SET", "greeting", "hello world")).isEqualTo("OK");
            assertThat(cli(cluster, other, "GET", "greeting")).isEqualTo("hello world");
            assertThat(cli(cluster, primary, "GET", "greeting")).isEqualTo("hello world");
            assertThat(cli(cluster, other, "INCR", "counter")).isEqualTo("1");
            assertThat(cli(cluster, backup, "INCRBY", "counter", "41")).isEqualTo("42");
            assertThat(cli(cluster, other, "GET", "missing")).isEmpty();
            assertThat(cli(cluster, backup, "NOSUCHCOMMAND", "x")).startsWith("ERR unknown command 'nosuchcommand'");
            assertThat(cli(cluster, backup, "GET")).isEqualTo("ERR wrong number of arguments for 'get' command");
            assertThat(cli(cluster, backup, "INCR", "greeting")).isEqualTo("ERR value is not an integer or out of range");
            assertThat(cli(cluster, backup, "SET", "k", "v", "BOGUS")).isEqualTo("ERR syntax error");
            assertThat(cli(cluster, primary, "INFO", "replication")).contains("role:master");
            assertThat(cli(cluster, backup, "INFO", "replication")).contains("role:slave", "vsr_view:", "vsr_commit:");

            assertThat(cli(cluster, backup, "SET", "fleeting", "1", "EX", "1")).isEqualTo("OK");
            assertThat(cli(cluster, other, "GET", "fleeting")).isEqualTo("1");
            TimeUnit.MILLISECONDS.sleep(1_500);
            for (int i = 0; i < 3; i++) {
                assertThat(cli(cluster, i, "GET", "fleeting")).as("replica %d after the expiry", i).isEmpty();
                assertThat(cli(cluster, i, "TTL", "fleeting")).as("replica %d", i).isEqualTo("-2");
            }

            // Malformed RESP and a command over the size limit close their own connection only.
            for (String bad : List.of("*x\r\n", "*2\r\n$3\r\nGET\r\n$100000000\r\n")) {
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", cluster.respPort(backup))) {
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(bad.getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    assertThat(socket.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
                }
                assertThat(cli(cluster, backup, "GET", "greeting")).as("served meanwhile").isEqualTo("hello world");
            }
            assertThat(cluster.output(backup)).contains("resp: closing the connection from");

            // A transaction, piped: its commands are queued, and EXEC runs them as one op.
            String piped = pipe(cluster, other, "MULTI\nSET t 1\nINCR t\nGET t\nEXEC\n");
            assertThat(piped.lines().toList()).containsExactly("OK", "QUEUED", "QUEUED", "QUEUED", "OK", "2", "2");
        }
    }

    @Test
    void redisBenchmarkRunsSetGetIncrAndMsetWithoutErrorsPipelinedOrNotAndFromAThousandConnections() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 1024).withResp()) {
            cluster.startAllServing();
            int primary = cluster.primary(Duration.ofSeconds(30));
            int backup = (primary + 1) % 3;
            for (String pipeline : List.of("1", "16")) {
                Result run = run(List.of("redis-benchmark", "-p", "" + cluster.respPort(backup), "-t", "set,get,incr,mset",
                        "-n", "50000", "-c", "50", "-P", pipeline, "-q"), 180);
                System.out.printf("redis-benchmark -P %s against replica %d (a backup):%n%s%n", pipeline, backup,
                        run.output());
                // redis-benchmark stops at the first error reply, says so and exits non-zero.
                assertThat(run.exit()).as(run.output()).isZero();
                assertThat(run.output()).as("errors redis-benchmark saw").doesNotContain("ERR", "Error from server");
                for (String test : List.of("SET", "GET", "INCR", "MSET")) {
                    assertThat(run.output()).as(test).containsPattern(test + "[^:]*: [0-9.]+ requests per second");
                }
            }
            // A thousand connections share the front end's 128 sessions (the client table holds 1,024).
            Result many = run(List.of("redis-benchmark", "-p", "" + cluster.respPort(primary), "-t", "set,get", "-n",
                    "20000", "-c", "1000", "-q"), 300);
            System.out.printf("redis-benchmark -c 1000:%n%s%n", many.output());
            assertThat(many.exit()).as(many.output()).isZero();
            assertThat(many.output()).containsPattern("SET: [0-9.]+ requests per second")
                    .containsPattern("GET: [0-9.]+ requests per second").doesNotContain("ERR", "Error from server");
        }
    }

    private static String cli(ProcessCluster cluster, int replica, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", "" + cluster.respPort(replica)));
        command.addAll(List.of(args));
        Result result = run(command, 30);
        assertThat(result.exit()).as(result.output()).isZero();
        return result.output().strip();
    }

    /** redis-cli reading commands from its standard input, one per line. */
    private static String pipe(ProcessCluster cluster, int replica, String input) throws Exception {
        Path in = java.nio.file.Files.createTempFile("redis-cli-", ".in");
        try {
            java.nio.file.Files.writeString(in, input);
            Result result = run(List.of("sh", "-c", "redis-cli -p " + cluster.respPort(replica) + " < " + in), 30);
            assertThat(result.exit()).as(result.output()).isZero();
            return result.output();
        } finally {
            java.nio.file.Files.deleteIfExists(in);
        }
    }

    record Result(int exit, String output) {}

    /** Runs {@code command} to its end, bounded by {@code seconds}, its output in a file (no pipe to block on). */
    private static Result run(List<String> command, int seconds) throws IOException, InterruptedException {
        Path output = java.nio.file.Files.createTempFile("redis-tool-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " still running after " + seconds + " s:\n"
                        + java.nio.file.Files.readString(output));
            }
            return new Result(p.exitValue(), java.nio.file.Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            java.nio.file.Files.deleteIfExists(output);
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }
}
