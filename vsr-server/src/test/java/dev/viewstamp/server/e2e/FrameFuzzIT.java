package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.runtime.net.NettyTransport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    private static final long FRAMES_MIN = 10_000;
    private static final long FUZZ_SECONDS_MAX = 30;
    private static final int FUZZ_THREADS = 8;
    /** What no refusal should ever look like in a replica's log. */
    private static final List<String> UNEXPECTED = List.of("Exception in thread", "NullPointerException",
            "OutOfMemoryError", "AssertionError", "IndexOutOfBoundsException", "IllegalArgumentException",
            "IllegalStateException", "ClassCastException", "NegativeArraySizeException", "stopped:", "LEAK:");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void randomAndDamagedFramesAreRefusedWhileClientsAreServedAndStateIsUnchanged() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 1024)) {
            cluster.startAll();
            // A primary first, as the other tests wait for one: on a loaded machine the processes
            // took 2.5 s to come up, and the first put's 5-second timeout ran out before its session
            // was registered.
            cluster.primary(Duration.ofSeconds(30));
            try {
                fuzzWhileServing(cluster);
            } catch (Throwable t) {
                System.err.println(cluster.logs());
                throw t;
            }
        }
    }

    private void fuzzWhileServing(ProcessCluster cluster) throws Exception {
        List<InetSocketAddress> addresses = cluster.addresses();
        Map<String, String> written = new LinkedHashMap<>();
        try (KvClient kv = cluster.client(1)) {
            for (int i = 0; i < 50; i++) {
                kv.put("before-" + i, "value-" + i).get(30, TimeUnit.SECONDS);
                written.put("before-" + i, "value-" + i);
            }
            List<ProcessCluster.Status> before = cluster.awaitConvergence(1, Duration.ofSeconds(30));
            int primary = before.stream().filter(ProcessCluster.Status::primary).findFirst().orElseThrow().replica();
            int backup = (primary + 1) % 3;

            // The fuzzers, half on the primary and half on a backup.
            int bodySizeBytesMax = NettyTransport.messageSizeBytesMax(ClusterConfig.builder().build());
            FrameFuzzer fuzzer = new FrameFuzzer(ProcessCluster.CLUSTER_ID, 3, bodySizeBytesMax);
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
            for (int i = 0; i < 3; i++) assertThat(cluster.running(i)).as("replica %d alive", i).isTrue();
            assertThat(fuzzer.closesOnLargeHelloHeader(addresses.get(backup)))
                    .as("a Hello header declaring 8 MiB is refused before its body").isTrue();

            for (Map.Entry<String, String> e : written.entrySet()) {
                assertThat(kv.get(e.getKey()).get(15, TimeUnit.SECONDS)).as(e.getKey()).isEqualTo(e.getValue());
            }
            long commitBefore = before.get(0).commit();
            List<ProcessCluster.Status> after = cluster.awaitConvergence(commitBefore, Duration.ofSeconds(30));
            assertThat(after.get(primary).view()).as("no view change").isEqualTo(before.get(primary).view());
            assertThat(after.get(primary).primary()).as("the primary stays primary").isTrue();

            for (int fuzzed : List.of(primary, backup)) {
                String log = cluster.output(fuzzed);
                assertThat(log).as("replica %d refused connections", fuzzed).contains("closing the connection");
                assertThat(UNEXPECTED).as("replica %d's log", fuzzed).noneMatch(log::contains);
            }
        }
    }
}
