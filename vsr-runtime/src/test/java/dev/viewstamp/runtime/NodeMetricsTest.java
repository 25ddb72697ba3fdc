package dev.viewstamp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.viewstamp.kv.KvCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running {@link ReplicaNode} reports to its {@link NodeMetrics}: each replica's committed ops
 * add up to its commit number, the primary times every request to its reply, the journal thread
 * times its syncs, and checkpoints are timed. Bounded in time, as ReplicaNodeTest.
 */
class NodeMetricsTest {

    @TempDir
    Path root;

    /** Counts what a node reports. */
    private static final class Counting implements NodeMetrics {
        final AtomicLong committed = new AtomicLong();
        final AtomicLong viewChanges = new AtomicLong();
        final AtomicLong replies = new AtomicLong();
        final AtomicLong replyNanos = new AtomicLong();
        final AtomicLong syncs = new AtomicLong();
        final AtomicLong checkpoints = new AtomicLong();

        @Override
        public void onCommitted(long opCount) {
            committed.addAndGet(opCount);
        }

        @Override
        public void onViewChange() {
            viewChanges.incrementAndGet();
        }

        @Override
        public void onRequestReplied(long nanos) {
            replies.incrementAndGet();
            replyNanos.addAndGet(nanos);
        }

        @Override
        public void onJournalSync(long nanos) {
            syncs.incrementAndGet();
        }

        @Override
        public void onCheckpointDurable(long nanos) {
            checkpoints.incrementAndGet();
        }
    }

    @Test
    void aRunningClusterReportsCommitsRepliesSyncsAndCheckpoints() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            Counting[] counts = {new Counting(), new Counting(), new Counting()};
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 16, 64);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 1001, LoopbackCluster.TICK_MILLIS)) {
                for (int i = 0; i < 3; i++) cluster.metrics(i, counts[i]);
                cluster.startAll();
                client.register(Duration.ofSeconds(30));
                for (int i = 0; i < 100; i++) {
                    client.call(KvCommand.put("key-" + i, "value-" + i).encode(), Duration.ofSeconds(30));
                }
                List<NodeStatus> statuses = cluster.awaitConvergence(101, Duration.ofSeconds(30));
                long primaryReplies = 0;
                for (int i = 0; i < 3; i++) {
                    NodeStatus s = statuses.get(i);
                    assertThat(counts[i].committed.get()).as("replica %d's commits", i).isEqualTo(s.commit());
                    assertThat(counts[i].syncs.get()).as("replica %d's journal syncs", i).isPositive();
                    assertThat(counts[i].checkpoints.get()).as("replica %d's checkpoints, one every 16 ops", i)
                            .isGreaterThanOrEqualTo(5);
                    if (s.primary()) primaryReplies = counts[i].replies.get();
                    else assertThat(counts[i].replies.get()).as("a backup replies to nothing").isZero();
                }
                // The replica that was primary of view 0 restarts into view 1's view change (Replica.restart),
                // before the node reports anything; the others enter view 1 from view 0, running.
                assertThat(counts[0].viewChanges.get() + counts[1].viewChanges.get() + counts[2].viewChanges.get())
                        .isGreaterThanOrEqualTo(2);
                // The registration and the 100 puts (a retry answered from the client table is timed again).
                assertThat(primaryReplies).isGreaterThanOrEqualTo(101);
            }
        });
    }
}
