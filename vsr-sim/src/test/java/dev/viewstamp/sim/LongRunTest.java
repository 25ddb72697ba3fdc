package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import dev.viewstamp.storage.Journal;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One seed run for 1,000,000 committed ops (docs/CHECKPOINTS.md, step 6): three replicas on the
 * real storage code ({@code ReplicaStorage} on a simulated disk, through {@link ScenarioCluster}),
 * a checkpoint every {@value #INTERVAL} ops and a journal of {@value #SLOTS} slots, so each
 * replica's ring wraps about 4,000 times and its log is compacted 30,000 times. No faults: this
 * measures that what a replica holds does not grow with the ops it has committed. At 100,000 and
 * at 1,000,000 ops it records the journal's size, the replicas' logs in memory and the heap after
 * a collection, and the heap at 1,000,000 must be within {@value #HEAP_MARGIN_BYTES} bytes of the
 * heap at 100,000.
 *
 * <p>Tagged {@code long}, which the build excludes; run it with
 * {@code ./mvnw -o -q verify -pl vsr-sim -am -Dvsr.excludedGroups= -Dgroups=long} (README.md).
 */
@Tag("long")
class LongRunTest {
    private static final int INTERVAL = 32;
    private static final int SLOTS = 256;
    private static final int CLIENTS = 8;
    private static final int KEYS = 1_000;
    private static final long OPS = 1_000_000;
    private static final long OPS_FIRST_MEASURE = 100_000;
    /** Garbage a collection leaves, and buffers that grow once to a high-water mark: no growth per op. */
    private static final long HEAP_MARGIN_BYTES = 4L * 1024 * 1024;

    /** What the cluster holds at one point of the run. */
    private record Measure(long op, long ticks, long millis, long journalBytes, long logEntriesMax, long heapBytes) {
        String line() {
            return String.format("long run: op=%d ticks=%d time=%.1fs journal=%d bytes (%d slots) log-in-memory-max=%d "
                    + "entries heap-after-gc=%.1f MiB", op, ticks, millis / 1000.0, journalBytes, SLOTS, logEntriesMax,
                    heapBytes / (1024.0 * 1024.0));
        }
    }

    @Test
    void oneSeedCommitsAMillionOpsWithABoundedJournalAndHeap() {
        ClusterConfig config = ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL)
                .journalSlotCount(SLOTS).journalBodySizeBytesMax(4096).batchSizeBytesMax(4096).batchRequestCountMax(1)
                .build();
        ScenarioCluster cluster = new ScenarioCluster(config, Storage.REAL, KvStateMachine::new);
        // The data file a replica's journal lives in (ScenarioDisk lays it out from the same limits).
        long journalBytes = new Journal.Layout(config.clusterId(), SLOTS, config.journalBodySizeBytesMax(),
                SimDisk.SECTOR_SIZE_BYTES).sizeBytes();
        List<ScenarioCluster.Client> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) clients.add(cluster.client());

        long started = System.nanoTime();
        long ticks = 0;
        long submitted = 0;
        List<Measure> measures = new ArrayList<>();
        long nextMeasure = OPS_FIRST_MEASURE;
        long logEntriesMax = 0;
        while (measures.size() < 2) {
            for (ScenarioCluster.Client client : clients) {
                if (!client.idle()) continue;
                client.submit(KvCommand.put("k" + submitted % KEYS, "v" + submitted));
                submitted++;
            }
            cluster.run(1);
            ticks++;
            logEntriesMax = Math.max(logEntriesMax, logEntries(cluster));
            if (ticks % 1_000 == 0) {
                // The scenario cluster keeps every delivered message and every result for its
                // assertions; a long run forgets them, so that only the replicas' memory is measured.
                cluster.delivered().clear();
                for (ScenarioCluster.Client client : clients) client.results().clear();
                assertThat(ticks).as("the cluster commits").isLessThan(OPS * 10);
            }
            long committed = committedByAll(cluster);
            if (committed >= nextMeasure) {
                cluster.delivered().clear();
                for (ScenarioCluster.Client client : clients) client.results().clear();
                Measure measure = new Measure(committed, ticks, (System.nanoTime() - started) / 1_000_000,
                        journalBytes, logEntriesMax, heapAfterCollection());
                System.out.println(measure.line());
                measures.add(measure);
                nextMeasure = OPS;
            }
        }
        cluster.checkAgreement();
        for (int r = 0; r < 3; r++) {
            Replica replica = cluster.replica(r);
            assertThat(replica.checkpointDurable().op()).as("replica %d compacted its log", r)
                    .isGreaterThan(OPS - SLOTS);
        }
        Measure first = measures.get(0);
        Measure last = measures.get(1);
        assertThat(last.logEntriesMax()).as("the log in memory").isLessThanOrEqualTo(SLOTS);
        assertThat(last.heapBytes()).as("the heap after %d ops against %d after %d", last.op(), first.heapBytes(),
                first.op()).isLessThanOrEqualTo(first.heapBytes() + HEAP_MARGIN_BYTES);
    }

    private static long committedByAll(ScenarioCluster cluster) {
        long committed = Long.MAX_VALUE;
        for (int r = 0; r < 3; r++) committed = Math.min(committed, cluster.replica(r).commit());
        return committed;
    }

    /** The most entries any replica holds in memory now: those after its log's anchor, the checkpoint it compacted to. */
    private static long logEntries(ScenarioCluster cluster) {
        long max = 0;
        for (int r = 0; r < 3; r++) {
            Replica replica = cluster.replica(r);
            max = Math.max(max, replica.op() - replica.logAnchorOp());
        }
        return max;
    }

    /** The heap in use after collections have run until it stops shrinking. */
    private static long heapAfterCollection() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (now >= used) break;
            used = now;
        }
        return used;
    }
}
