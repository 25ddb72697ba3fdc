package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.replica.ClusterConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, acceptance 4: random and damaged frames sent to a replica's port, as a peer and as a
 * client, neither stop the process nor change its state, and other clients are served meanwhile.
 *
 * <p>Three {@code vsr server} processes; a known set of keys written through a {@link KvClient};
 * then, for at most 30 s, {@link FrameFuzzer} threads send at least 10,000 frames to the primary
 * and to a backup (both roles reach the same port, told apart by the Hello), while the KvClient
 * keeps writing and reading, and every one of its operations must succeed. Afterwards every
 * process is alive, every key reads back as written, the replicas agree on commit and state
 * checksum, and the fuzzed replicas' logs show refusals but no unexpected exception.
 */
class FrameFuzzIT {
    private static final long CLUSTER_ID = 3;
    private static final long FRAMES_MIN = 10_000;
    private static final long FUZZ_SECONDS_MAX = 30;
    private static final int FUZZ_THREADS = 8;
    private static final Pattern STATUS = Pattern.compile(
            "status replica=(\\d+) status=(\\S+) view=(\\d+) primary=(\\S+) op=(\\d+) commit=(\\d+) checkpoint=(\\d+) "
                    + "checksum=(\\S+)");
    /** What no refusal should ever look like in a replica's log. */
    private static final List<String> UNEXPECTED = List.of("Exception in thread", "NullPointerException",
            "OutOfMemoryError", "AssertionError", "IndexOutOfBoundsException", "IllegalArgumentException",
            "IllegalStateException", "ClassCastException", "NegativeArraySizeException", "stopped:", "LEAK:");

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
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void randomAndDamagedFramesAreRefusedWhileClientsAreServedAndStateIsUnchanged() throws Exception {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < 3; i++) addresses.add(new InetSocketAddress("127.0.0.1", freePort()));
        String cluster = String.join(",", addresses.stream().map(a -> "127.0.0.1:" + a.getPort()).toList());
        for (int i = 0; i < 3; i++) {
            VsrProcess.Result format = VsrProcess.run(dir, 60, "format", "--cluster-id", "" + CLUSTER_ID, "--cluster",
                    cluster, "--replica", "" + i, "--data", dir.resolve("r" + i).toString(), "--journal-slots", "1024");
            assertThat(format.exit()).as(format.output()).isZero();
        }
        for (int i = 0; i < 3; i++) {
            servers.add(VsrProcess.start(dir.resolve("server-" + i + ".log"), "server", "--data",
                    dir.resolve("r" + i).toString(), "--status-interval", "100"));
        }
        try {
            fuzzWhileServing(addresses);
        } catch (Throwable t) {
            for (VsrProcess server : servers) {
                System.err.println("---- " + server.output + " (tail)");
                String log = server.output();
                System.err.println(log.substring(Math.max(0, log.length() - 20_000)));
            }
            throw t;
        }
    }

    private void fuzzWhileServing(List<InetSocketAddress> addresses) throws Exception {
        Map<String, String> written = new LinkedHashMap<>();
        try (KvClient kv = new KvClient(VsrClient.builder(
                new NettyClientTransport(NettyClientTransport.LEARN_CLUSTER, addresses, 64 << 20)).build())) {
            for (int i = 0; i < 50; i++) {
                kv.put("before-" + i, "value-" + i).get(30, TimeUnit.SECONDS);
                written.put("before-" + i, "value-" + i);
            }
            Map<Integer, Status> before = converged(Map.of());
            int primary = before.values().stream().filter(s -> s.primary).findFirst().orElseThrow().replica;
            int backup = (primary + 1) % 3;

            // The fuzzers, half on the primary and half on a backup.
            int bodySizeBytesMax = (int) Math.min(Integer.MAX_VALUE - 64, (ClusterConfig.LOG_CHANGE_ENTRIES_MAX + 1L)
                    * (EntryCodec.HEADER_SIZE_BYTES + ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT) + (1 << 20));
            FrameFuzzer fuzzer = new FrameFuzzer(CLUSTER_ID, 3, bodySizeBytesMax);
            long startNanos = System.nanoTime();
            long deadlineNanos = startNanos + TimeUnit.SECONDS.toNanos(FUZZ_SECONDS_MAX);
            ExecutorService pool = Executors.newFixedThreadPool(FUZZ_THREADS);
            List<Future<?>> fuzzing = new ArrayList<>();
            for (int t = 0; t < FUZZ_THREADS; t++) {
                int target = t % 2 == 0 ? primary : backup;
                long seed = 0xF022L * 31 + t;
                fuzzing.add(pool.submit(() -> fuzzer.run(addresses.get(target), target, FRAMES_MIN + 500, deadlineNanos,
                        seed)));
            }

            // Meanwhile, the client: every write and read must succeed, each within the client's timeout.
            AtomicBoolean done = new AtomicBoolean();
            pool.submit(() -> {
                for (Future<?> f : fuzzing) f.get();
                done.set(true);
                return null;
            });
            int during = 0;
            while (!done.get() || during < 20) {
                String key = "during-" + during;
                String value = "value-" + during + "-" + Long.toHexString(System.nanoTime());
                kv.put(key, value).get(15, TimeUnit.SECONDS);
                written.put(key, value);
                assertThat(kv.get(key).get(15, TimeUnit.SECONDS)).isEqualTo(value);
                during++;
            }
            for (Future<?> f : fuzzing) f.get(); // rethrows a fuzzer's failure
            pool.shutdown();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            System.out.printf("FrameFuzzIT: %d frames (%d fuzz, %d opening Hellos) on %d connections in %.1f s "
                    + "(primary %d, backup %d); %d client writes and reads meanwhile; frames by shape: %s%n",
                    fuzzer.framesSent.sum(), fuzzer.fuzzFramesSent(), fuzzer.openingHellosSent.sum(),
                    fuzzer.connections.sum(), seconds, primary, backup, during, fuzzer.framesByShape);

            assertThat(fuzzer.fuzzFramesSent()).as("fuzz frames sent").isGreaterThanOrEqualTo(FRAMES_MIN);
            assertThat(fuzzer.stuckConnections.sum()).as("connections the replica never ended").isZero();
            for (VsrProcess server : servers) assertThat(server.process.isAlive()).as(server.output + " alive").isTrue();
            assertThat(fuzzer.closesOnLargeHelloHeader(addresses.get(backup)))
                    .as("a Hello header declaring 8 MiB is refused before its body").isTrue();

            for (Map.Entry<String, String> e : written.entrySet()) {
                assertThat(kv.get(e.getKey()).get(15, TimeUnit.SECONDS)).as(e.getKey()).isEqualTo(e.getValue());
            }
            Map<Integer, Status> after = converged(before);
            assertThat(after.get(primary).view).as("no view change").isEqualTo(before.get(primary).view);
            assertThat(after.get(primary).primary).as("the primary stays primary").isTrue();

            for (int fuzzed : List.of(primary, backup)) {
                String log = servers.get(fuzzed).output();
                assertThat(log).as("replica %d refused connections", fuzzed).contains("closing the connection");
                assertThat(UNEXPECTED).as("replica %d's log", fuzzed).noneMatch(log::contains);
            }
        }
    }

    /** One replica's last status line. */
    private record Status(int replica, String status, long view, boolean primary, long op, long commit, String checksum) {}

    /**
     * Waits (at most 30 s) until the three replicas print the same view, commit and checksum, all
     * normal, with commit past every replica's commit in {@code since}; returns their statuses.
     */
    private Map<Integer, Status> converged(Map<Integer, Status> since) throws Exception {
        long sinceCommit = since.values().stream().mapToLong(s -> s.commit).max().orElse(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<Integer, Status> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = statuses();
            if (last.size() == 3 && last.values().stream().allMatch(s -> s.status.equals("NORMAL"))
                    && last.values().stream().map(s -> s.commit + "/" + s.checksum + "/" + s.view).distinct().count() == 1
                    && last.get(0).commit >= sinceCommit
                    && last.values().stream().filter(s -> s.primary).count() == 1) {
                return last;
            }
            Thread.sleep(100); // the replicas print status every 100 ms; an e2e test has no simulated time
        }
        throw new AssertionError("the replicas did not converge: " + last);
    }

    private Map<Integer, Status> statuses() throws IOException {
        Map<Integer, Status> result = new LinkedHashMap<>();
        for (VsrProcess server : servers) {
            Matcher m = STATUS.matcher(server.output());
            Status status = null;
            while (m.find()) {
                status = new Status(Integer.parseInt(m.group(1)), m.group(2), Long.parseLong(m.group(3)),
                        Boolean.parseBoolean(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)),
                        m.group(8));
            }
            if (status != null) result.put(status.replica, status);
        }
        return result;
    }
}
