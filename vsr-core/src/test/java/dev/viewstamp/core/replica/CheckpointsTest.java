package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.service.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checkpoints and log compaction in the core (VRR 5.1; docs/CHECKPOINTS.md). */
class CheckpointsTest {

    private static final long CLIENT = 7;
    private static final int INTERVAL = 4;
    private final ClusterConfig config = ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL).build();

    /** Sums what it executes; its snapshot is the count and the sum, taken in O(1). */
    static final class SummingStateMachine implements StateMachine {
        long executed;
        long sum;

        @Override
        public byte[] execute(long op, long timestamp, byte[] operation) {
            executed++;
            for (byte b : operation) sum = sum * 31 + b;
            return operation.clone();
        }

        @Override
        public long stateChecksum() {
            return executed * 1_000_003 + sum;
        }

        @Override
        public Snapshot snapshot() {
            long executedThen = executed;
            long sumThen = sum;
            long checksum = stateChecksum();
            return new Snapshot() {
                @Override
                public long stateChecksum() {
                    return checksum;
                }

                @Override
                public void writeTo(OutputStream out) throws IOException {
                    DataOutputStream data = new DataOutputStream(out);
                    data.writeLong(executedThen);
                    data.writeLong(sumThen);
                    data.flush();
                }
            };
        }

        @Override
        public void restore(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            executed = data.readLong();
            sum = data.readLong();
        }
    }

    private Replica replica(int index) {
        return Replica.create(config, index, new SummingStateMachine(), new Prng(index + 1));
    }

    private TestCluster clusterWithOps(int requests) {
        TestCluster cluster = new TestCluster(config, replica(0), replica(1), replica(2));
        cluster.request(Request.register(CLIENT));
        for (int n = 1; n <= requests; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n)));
        cluster.tickUntil(() -> {
            for (Replica r : cluster.replicas) if (r.commit() != requests + 1) return false;
            return true;
        }, 10 * config.commitIntervalTicks());
        return cluster;
    }

    @Test
    void everyReplicaTakesTheSameCheckpointsAtTheSameOpsAndCompactsItsLogToTheNewest() {
        TestCluster cluster = clusterWithOps(10); // ops 1..11

        for (Replica r : cluster.replicas) {
            assertThat(r.checkpointDurable().op()).isEqualTo(8);
            assertThat(r.logAnchorOp()).isEqualTo(8);
            assertThat(r.compactionCount()).isEqualTo(2); // ops 4 and 8
            assertThat(r.op()).isEqualTo(11);
            assertThat(r.checkpointDurable().identity()).isEqualTo(cluster.replicas[0].checkpointDurable().identity());
        }
        assertThat(cluster.replicas[0].checksumAt(8)).isEqualTo(cluster.replicas[0].checkpointDurable().entryChecksum());
    }

    @Test
    void aReplicaRestartedFromItsCheckpointReExecutesOnlyTheOpsAfterItAndConverges() {
        TestCluster cluster = clusterWithOps(10);
        Replica backup = cluster.replicas[2];
        Checkpoint checkpoint = backup.checkpointDurable();
        List<Entry> after = new ArrayList<>();
        for (long op = checkpoint.op() + 1; op <= backup.op(); op++) after.add(backup.entry(op));
        SummingStateMachine service = restoredService(cluster, 2);

        Replica restarted = Replica.restart(config, 2, service, new Prng(9), Replica.Durable.builder()
                .views(backup.view(), backup.logView()).log(after).checkpoint(checkpoint).build());
        assertThat(restarted.commit()).isEqualTo(8);
        assertThat(restarted.logAnchorOp()).isEqualTo(8);
        // Op 1 registered the client; the service executed ops 2..8.
        assertThat(service.executed).as("only the ops up to the checkpoint, restored").isEqualTo(7);

        cluster.replicas[2] = restarted;
        cluster.request(new Request(CLIENT, 11, bytes("op11")));
        cluster.tickUntil(() -> restarted.commit() == 12, 10 * config.commitIntervalTicks());
        assertThat(restarted.stateChecksum()).isEqualTo(cluster.replicas[0].stateChecksum());
        assertThat(service.executed).isEqualTo(11);
    }

    @Test
    void aRestartWhoseServiceStateIsNotTheCheckpointsIsRefused() {
        TestCluster cluster = clusterWithOps(10);
        Checkpoint checkpoint = cluster.replicas[1].checkpointDurable();
        SummingStateMachine wrong = new SummingStateMachine(); // never restored: the state of op 0

        assertThatThrownBy(() -> Replica.restart(config, 1, wrong, new Prng(3), Replica.Durable.builder()
                .checkpoint(checkpoint).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not that checkpoint's");
    }

    @Test
    void theClientTableComesBackWithTheCheckpointSoARetriedRequestGetsItsCachedReply() {
        ClusterConfig one = ClusterConfig.builder().replicaCount(1).checkpointIntervalOps(INTERVAL).build();
        TestCluster cluster = new TestCluster(one, Replica.create(one, 0, new SummingStateMachine(), new Prng(1)));
        cluster.request(Request.register(CLIENT));
        for (int n = 1; n <= 7; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n))); // ops 1..8
        Replica only = cluster.replicas[0];
        Checkpoint checkpoint = only.checkpointDurable();
        assertThat(checkpoint.op()).isEqualTo(8);
        SummingStateMachine service = restoredService(cluster, 0);

        TestCluster restarted = new TestCluster(one, Replica.restart(one, 0, service, new Prng(2),
                Replica.Durable.builder().views(only.view(), only.logView()).checkpoint(checkpoint).build()));
        Replica again = restarted.replicas[0];
        restarted.tickUntil(again::isPrimaryNormal, 10 * one.viewChangeTimeoutTicks());

        RecordingOutput out = new RecordingOutput();
        again.step(new Request(CLIENT, 7, bytes("op7")), out);
        assertThat(out.replies()).containsExactly(new Reply(again.view(), CLIENT, 7, Reply.Status.OK, bytes("op7"), 0));
        assertThat(again.duplicateRequestCount()).isEqualTo(1);
        assertThat(service.executed).as("request 7 is not executed again").isEqualTo(7);
    }

    @Test
    void aBackupThatMissedCompactedOpsFetchesAPeersCheckpointAndCatchesUpFromIt() {
        SummingStateMachine[] services = {new SummingStateMachine(), new SummingStateMachine(),
            new SummingStateMachine()};
        TestCluster cluster = new TestCluster(config, Replica.create(config, 0, services[0], new Prng(1)),
                Replica.create(config, 1, services[1], new Prng(2)), Replica.create(config, 2, services[2], new Prng(3)))
                .withServices(services);
        cluster.down[2] = true;
        cluster.request(Request.register(CLIENT));
        for (int n = 1; n <= 10; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n))); // ops 1..11
        assertThat(cluster.replicas[0].logAnchorOp()).as("the others compacted to op 8").isEqualTo(8);

        cluster.down[2] = false;
        Replica lagging = cluster.replicas[2];
        cluster.tickUntil(() -> lagging.commit() == 11, 20 * config.stateTransferRetransmitTicks());

        assertThat(lagging.syncCount()).isEqualTo(1);
        assertThat(lagging.checkpointDurable().identity()).isEqualTo(cluster.replicas[0].checkpointDurable().identity());
        assertThat(lagging.logAnchorOp()).isEqualTo(8);
        assertThat(lagging.stateChecksum()).isEqualTo(cluster.replicas[0].stateChecksum());
        assertThat(services[2].executed).as("7 restored, then ops 9..11").isEqualTo(10);
    }

    /**
     * A write asked for before an install can complete while the install runs (simulator seed
     * 100132, diskless, 5 replicas: a primary-to-be started its view from such a completion and
     * executed past the checkpoint it was installing). Durability is recorded; nothing is acted on.
     */
    @Test
    void aWriteThatCompletesWhileAnInstallRunsIsRecordedButActsOnNothing() {
        SummingStateMachine[] services = {new SummingStateMachine(), new SummingStateMachine(),
            new SummingStateMachine()};
        TestCluster cluster = new TestCluster(config, Replica.create(config, 0, services[0], new Prng(1)),
                Replica.create(config, 1, services[1], new Prng(2)), Replica.create(config, 2, services[2], new Prng(3)))
                .withServices(services);
        cluster.request(Request.register(CLIENT));
        cluster.request(new Request(CLIENT, 1, bytes("op1"))); // ops 1..2 on every replica
        cluster.down[2] = true;
        for (int n = 2; n <= 10; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n))); // ops 3..11
        Replica lagging = cluster.replicas[2];
        cluster.holdInstalls = true;
        cluster.down[2] = false;
        cluster.tickUntil(() -> !cluster.heldInstalls.isEmpty(), 20 * config.stateTransferRetransmitTicks());
        long commit = lagging.commit();

        RecordingOutput out = new RecordingOutput();
        lagging.onPrepareDurable(2, lagging.checksumAt(2), out);
        lagging.onStateDurable(lagging.view(), lagging.logView(), 2, lagging.checksumAt(2), out);
        lagging.tick(out);

        assertThat(out.events).as("what a replica does while it installs").isEmpty();
        assertThat(lagging.commit()).isEqualTo(commit);
        cluster.releaseInstalls();
        cluster.tickUntil(() -> lagging.commit() == 11, 20 * config.stateTransferRetransmitTicks());
        assertThat(lagging.stateChecksum()).isEqualTo(cluster.replicas[0].stateChecksum());
    }

    @Test
    void aStagedFileThatFailsItsCheckAtInstallIsFetchedAgain() {
        SummingStateMachine[] services = {new SummingStateMachine(), new SummingStateMachine(),
            new SummingStateMachine()};
        TestCluster cluster = new TestCluster(config, Replica.create(config, 0, services[0], new Prng(1)),
                Replica.create(config, 1, services[1], new Prng(2)), Replica.create(config, 2, services[2], new Prng(3)))
                .withServices(services);
        cluster.down[2] = true;
        cluster.request(Request.register(CLIENT));
        for (int n = 1; n <= 10; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n)));
        cluster.corruptStagedChunks = 1; // the first chunk staged lands damaged on the lagging replica's disk

        cluster.down[2] = false;
        Replica lagging = cluster.replicas[2];
        cluster.tickUntil(() -> lagging.commit() == 11, 40 * config.stateTransferRetransmitTicks());

        assertThat(cluster.installFailures).isEqualTo(1);
        assertThat(lagging.syncCount()).isEqualTo(1);
        assertThat(lagging.stateChecksum()).isEqualTo(cluster.replicas[0].stateChecksum());
    }

    @Test
    void aBackupWhoseCheckpointDiffersFromTheOneItsPrimaryAnnouncesStops() {
        TestCluster cluster = clusterWithOps(10);
        Replica live = cluster.replicas[1];
        Checkpoint ours = live.checkpointDurable();
        // Restarted from its checkpoint, the backup has heard no announcement yet.
        Replica backup = Replica.restart(config, 1, restoredService(cluster, 1), new Prng(7), Replica.Durable.builder()
                .views(live.view(), live.logView()).checkpoint(ours).build());
        RecordingOutput out = new RecordingOutput();
        Commit commit = new Commit(backup.view(), ours.op(), ours.entryChecksum(), 0, null, ours.op(),
                ours.identity() ^ 1);

        assertThatThrownBy(() -> backup.step(commit, out))
                .isInstanceOf(StateDivergedException.class)
                .hasMessageContaining("state diverged at op " + ours.op());
    }

    @Test
    void twoPrimariesAnnouncingDifferentIdentitiesAtOneOpStopTheBackupThatHearsBoth() {
        TestCluster cluster = clusterWithOps(10); // replica 1 heard primary 0 announce op 8
        Replica backup = cluster.replicas[1];
        Checkpoint announced = cluster.replicas[0].checkpoint();
        Commit other = new Commit(backup.view(), backup.commit(), backup.checksumAt(backup.commit()), 0, null,
                announced.op(), announced.identity() ^ 1);

        assertThatThrownBy(() -> backup.step(other, new RecordingOutput()))
                .isInstanceOf(StateDivergedException.class)
                .hasMessageContaining("two primaries announced checkpoints at op 8");
    }

    @Test
    void primariesAnnounceTheirNewestCheckpointAndBackupsWithTheSameOneGoOn() {
        TestCluster cluster = clusterWithOps(10);
        List<dev.viewstamp.core.message.Prepare> prepares = new ArrayList<>();
        cluster.outputs[0].events.clear();
        cluster.replicas[0].step(new Request(CLIENT, 11, bytes("op11")), cluster.outputs[0]);
        for (RecordingOutput.Event e : cluster.outputs[0].events) {
            if (e instanceof RecordingOutput.Sent sent && sent.message() instanceof dev.viewstamp.core.message.Prepare p) {
                prepares.add(p);
            }
        }
        assertThat(prepares).isNotEmpty().allSatisfy(p -> {
            assertThat(p.checkpointOp()).isEqualTo(8);
            assertThat(p.checkpointIdentity()).isEqualTo(cluster.replicas[0].checkpoint().identity());
        });
        cluster.deliverAll();
        assertThat(cluster.replicas[1].commit()).isGreaterThanOrEqualTo(11);
    }

    @Test
    void aPrimaryPreparesNoOpWhoseJournalSlotADurableCheckpointDoesNotFreeYet() {
        // 16 slots: two intervals of 4 and a pipeline of 8, the least the ring rule allows.
        ClusterConfig one = ClusterConfig.builder().replicaCount(1).checkpointIntervalOps(INTERVAL)
                .journalSlotCount(2 * INTERVAL + 8).build();
        TestCluster cluster = new TestCluster(one, Replica.create(one, 0, new SummingStateMachine(), new Prng(1)));
        cluster.holdCheckpoints = true;
        cluster.request(Request.register(CLIENT));
        for (int n = 1; n <= 24; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n)));
        Replica primary = cluster.replicas[0];
        assertThat(primary.op()).as("the ring holds ops 1..16 until a checkpoint is durable").isEqualTo(16);
        assertThat(primary.logAnchorOp()).isZero();

        cluster.releaseCheckpoints();
        assertThat(primary.logAnchorOp()).isEqualTo(16);
        assertThat(primary.op()).as("the request that waited in the queue is prepared").isEqualTo(17);
        for (int n = 25; n <= 40; n++) cluster.request(new Request(CLIENT, n, bytes("op" + n)));
        assertThat(primary.op()).isEqualTo(33);
        assertThat(primary.commit()).isEqualTo(33);
    }

    @Test
    void aJournalTooSmallForTwoIntervalsAndAPipelineIsRefused() {
        assertThatThrownBy(() -> ClusterConfig.builder().checkpointIntervalOps(8).journalSlotCount(23).build())
                .hasMessageContaining("journalSlotCount (23) must be at least 2 * checkpointIntervalOps (8)");
    }

    @Test
    void aCheckpointIntervalIsNotNegative() {
        assertThatThrownBy(() -> ClusterConfig.builder().checkpointIntervalOps(-1).build())
                .hasMessageContaining("checkpointIntervalOps");
    }

    /** The service restored from the snapshot replica {@code index} made durable last. */
    private static SummingStateMachine restoredService(TestCluster cluster, int index) {
        SummingStateMachine restored = new SummingStateMachine();
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            cluster.lastSnapshot(index).writeTo(bytes);
            restored.restore(new java.io.ByteArrayInputStream(bytes.toByteArray()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return restored;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
