package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import org.junit.jupiter.api.Test;
import java.util.List;

/**
 * Checkpoints, compaction and state sync with the key-value service (docs/CHECKPOINTS.md), on the
 * storage model and on the real storage (checkpoint files, staged files, the superblock that
 * installs a fetched checkpoint). Chunks are {@code ScenarioCluster.SYNC_CHUNK_SIZE_BYTES} on both.
 */
class CheckpointAndSyncTest {

    private static final int INTERVAL = 8;

    private static ScenarioCluster cluster(Storage storage) {
        return new ScenarioCluster(ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL).build(),
                storage);
    }

    /** Submits puts until every running replica has committed {@code op}. */
    private static void commitThrough(ScenarioCluster c, ScenarioCluster.Client client, long op, int[] next) {
        while (!runningCommitted(c, op)) {
            assertThat(c.runUntil(client::idle, 2_000)).as("the client is idle").isTrue();
            client.submit(KvCommand.put("k" + (next[0] % 5), "v" + next[0]));
            next[0]++;
            assertThat(c.runUntil(client::idle, 2_000)).as("put %d done", next[0]).isTrue();
        }
    }

    private static boolean runningCommitted(ScenarioCluster c, long op) {
        for (int r = 0; r < 3; r++) if (c.replica(r) != null && c.replica(r).commit() < op) return false;
        return true;
    }

    /** Waits until replica {@code r} has executed what replica 0 has, then compares their states. */
    private static void assertSameStateAs0(ScenarioCluster c, int r) {
        assertThat(c.runUntil(() -> c.replica(r).commit() == c.replica(0).commit(), 2_000)).isTrue();
        assertThat(c.replica(r).stateChecksum()).isEqualTo(c.replica(0).stateChecksum());
    }

    /** A three-replica cluster and one client that puts keys {@code k0..k4} in turn. */
    private static final class Run {
        final ScenarioCluster c;
        final ScenarioCluster.Client client;
        private final int[] next = {0};

        Run(Storage storage) {
            c = cluster(storage);
            client = c.client();
        }

        /** Submits puts until every running replica has committed {@code op}. */
        void commitThrough(long op) {
            CheckpointAndSyncTest.commitThrough(c, client, op, next);
        }

        /** Replica {@code r} crashes once {@code op} is committed, and the others go on through {@code through}. */
        void lagBehind(int r, long op, long through) {
            commitThrough(op);
            c.crash(r);
            commitThrough(through);
        }

        /** Replica {@code r} reaches replica 0's commit with the same state, and the committed logs agree. */
        void convergeWith0(int r) {
            assertSameStateAs0(c, r);
            c.checkAgreement();
        }
    }

    @OnEachStorage
    void everyReplicaCompactsToTheSameCheckpointsAndARestartStartsFromItsOwn(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.commitThrough(2 * INTERVAL + 3);
        for (int r = 0; r < 3; r++) {
            assertThat(c.replica(r).logAnchorOp()).isEqualTo(2 * INTERVAL);
            assertThat(c.replica(r).checkpointDurable().identity())
                    .isEqualTo(c.replica(0).checkpointDurable().identity());
        }

        c.crash(1);
        Replica.Durable durable = c.durable(1);
        assertThat(durable.checkpoint().op()).isEqualTo(2 * INTERVAL);
        assertThat(durable.log()).as("only the entries after the checkpoint").allMatch(e -> e.op() > 2 * INTERVAL);
        c.restart(1);
        assertThat(c.replica(1).commit()).isEqualTo(2 * INTERVAL);

        run.commitThrough(3 * INTERVAL + 1);
        run.convergeWith0(1);
    }

    @OnEachStorage
    void aJournalThatComesBackDamagedAfterTheCheckpointIsRepairedFromPeersAboveIt(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.commitThrough(2 * INTERVAL + 3);
        c.crash(1);
        c.decayPrepare(1, 2 * INTERVAL + 2); // a latent sector error above the checkpoint
        Replica.Durable durable = c.durable(1);
        assertThat(durable.checkpoint().op()).isEqualTo(2 * INTERVAL);
        assertThat(durable.damage().anchorOp()).isEqualTo(2 * INTERVAL);
        c.restart(1);
        assertThat(c.replica(1).logDamaged()).isTrue();

        assertThat(c.runUntil(() -> !c.replica(1).logDamaged(), 3_000)).isTrue();
        assertThat(c.replica(1).repairedEntryCount()).isEqualTo(1);
        run.commitThrough(3 * INTERVAL + 1);
        run.convergeWith0(1);
    }

    @OnEachStorage
    void aRestartWhoseCheckpointFileIsLostFetchesTheCheckpointFromAPeerAndNeverSkipsIt(Storage storage) {
        restartWithABadCheckpointFile(storage, false);
    }

    @OnEachStorage
    void aRestartWhoseCheckpointFileIsDamagedFetchesTheCheckpointFromAPeerAndNeverSkipsIt(Storage storage) {
        restartWithABadCheckpointFile(storage, true);
    }

    private static void restartWithABadCheckpointFile(Storage storage, boolean damaged) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.commitThrough(2 * INTERVAL + 3);
        c.crash(1);
        c.loseCheckpointFile(1, damaged);
        Replica.Durable durable = c.durable(1);
        assertThat(durable.checkpointLost()).isTrue();
        assertThat(durable.checkpoint().op()).isEqualTo(2 * INTERVAL);
        assertThat(durable.log()).as("the log after the checkpoint is kept").isNotEmpty();
        c.restart(1);
        Replica restarted = c.replica(1);
        assertThat(restarted.commit()).as("its log starts at the checkpoint").isEqualTo(2 * INTERVAL);

        assertThat(c.runUntil(() -> restarted.syncCount() == 1, 3_000)).isTrue();
        run.commitThrough(3 * INTERVAL + 1);
        run.convergeWith0(1);

        // The installed file is whole: the next restart starts from its own checkpoint again.
        c.crash(1);
        assertThat(c.durable(1).checkpointLost()).isFalse();
        c.restart(1);
        run.commitThrough(3 * INTERVAL + 3);
        run.convergeWith0(1);
    }

    @OnEachStorage
    void aRestartWithALostCheckpointFileAndADamagedJournalFetchesTheStateAndRepairsTheLog(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.commitThrough(2 * INTERVAL + 3);
        c.crash(1);
        c.decayPrepare(1, 2 * INTERVAL + 2);
        c.loseCheckpointFile(1, false);
        c.restart(1);

        assertThat(c.runUntil(() -> c.replica(1).syncCount() == 1 && !c.replica(1).logDamaged(), 5_000)).isTrue();
        run.commitThrough(3 * INTERVAL + 1);
        run.convergeWith0(1);
    }

    @OnEachStorage
    void aRestartWhoseCheckpointFileIsLostTakesANewerCheckpointWhenThePeersMovedOn(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.lagBehind(1, INTERVAL + 1, 3 * INTERVAL + 2); // the peers compact to op 24: nobody has op 8's checkpoint
        c.loseCheckpointFile(1, false);
        c.restart(1);

        assertThat(c.runUntil(() -> c.replica(1).commit() >= 3 * INTERVAL + 2, 5_000)).isTrue();
        assertThat(c.replica(1).logAnchorOp()).isGreaterThanOrEqualTo(3 * INTERVAL);
        run.convergeWith0(1);
    }

    @OnEachStorage
    void aBackupThatWasDownWhileThePeersCompactedSyncsTheirCheckpointAndCatchesUp(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.lagBehind(2, 2, 3 * INTERVAL + 2); // replicas 0 and 1 compact to op 24

        int[] chunks = {0};
        c.drop((to, m) -> {
            if (to == 2 && m instanceof SyncChunk) chunks[0]++;
            return false;
        });
        c.restart(2);
        assertThat(c.runUntil(() -> c.replica(2).commit() >= 3 * INTERVAL + 2, 5_000)).isTrue();

        Replica synced = c.replica(2);
        assertThat(synced.syncCount()).isEqualTo(1);
        assertThat(chunks[0]).as("the checkpoint came in several chunks").isGreaterThan(1);
        assertThat(synced.logAnchorOp()).isEqualTo(3 * INTERVAL);
        run.commitThrough(3 * INTERVAL + 4);
        run.convergeWith0(2);
    }

    @OnEachStorage
    void aSyncWhosePeerGoesSilentMovesToTheOtherPeerAndFinishes(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.lagBehind(2, 2, 2 * INTERVAL + 2);

        // The first peer that sends a chunk stops answering after it.
        int[] silent = {-1};
        c.drop((to, m) -> {
            if (to != 2 || !(m instanceof SyncChunk chunk)) return false;
            if (silent[0] < 0) {
                silent[0] = chunk.replica();
                return false;
            }
            return chunk.replica() == silent[0];
        });
        c.restart(2);
        assertThat(c.runUntil(() -> c.replica(2).syncCount() == 1, 5_000)).isTrue();
        assertThat(c.runUntil(() -> c.replica(2).commit() >= 2 * INTERVAL + 2, 5_000)).isTrue();
        c.clearDropRules();
        run.commitThrough(2 * INTERVAL + 4);
        run.convergeWith0(2);
    }

    @OnEachStorage
    void aCorruptServedFileFailsTheInstallAndTheFetchGoesOnFromAnotherPeer(Storage storage) {
        // Replica 0's checkpoint file reads back damaged, and replica 1 serves nothing until an
        // install has failed: whichever peer the fetch starts at, it stages replica 0's damaged
        // bytes (each chunk intact on the wire), the install's check refuses them and changes
        // nothing, and the fetch starts over at replica 1, whose file installs.
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.lagBehind(2, 2, 2 * INTERVAL + 2);

        c.damageServedChunks(0, true);
        c.drop((to, m) -> to == 2 && m instanceof SyncChunk chunk && chunk.replica() == 1 && c.syncFailureCount(2) == 0);
        c.restart(2);
        assertThat(c.runUntil(() -> c.replica(2).commit() >= 2 * INTERVAL + 2, 5_000)).isTrue();
        assertThat(c.syncFailureCount(2)).as("installs refused").isPositive();
        assertThat(c.replica(2).syncCount()).isEqualTo(1);

        c.damageServedChunks(0, false);
        c.clearDropRules();
        run.commitThrough(2 * INTERVAL + 4);
        run.convergeWith0(2);
    }

    @OnEachStorage
    void aCrashBeforeTheInstallIsDurableLeavesTheOldStateAndTheSyncStartsAgain(Storage storage) {
        Run run = new Run(storage);
        ScenarioCluster c = run.c;
        run.lagBehind(2, 2, 2 * INTERVAL + 2);

        c.restart(2);
        long opBefore = c.replica(2).op();
        // Every write of replica 2 is held: the staged chunks and the install never become durable.
        c.holdWrites(2, true);
        c.run(300);
        assertThat(c.replica(2).syncCount()).isZero();
        c.crash(2);
        c.holdWrites(2, false);
        assertThat(c.durable(2).checkpoint()).as("nothing of the sync was durable").isNull();
        assertThat(c.durable(2).log()).hasSize((int) opBefore);

        c.restart(2);
        assertThat(c.runUntil(() -> c.replica(2).commit() >= 2 * INTERVAL + 2, 5_000)).isTrue();
        assertThat(c.replica(2).syncCount()).isEqualTo(1);
        c.checkAgreement();
    }

    @OnEachStorage
    void aStalePrimaryThatInstallsOverOpsItPreparedLeavesItsViewInsteadOfLeadingItDamaged(Storage storage) {
        // The primary of view 0 prepares ops 7..9 that no backup receives, then is cut off; the
        // backups move to view 1 and commit past the checkpoint at op 8. Back in touch, the old
        // primary learns of view 1 from a normal-case message and catches up: the peers compacted
        // below op 8, so it installs their checkpoint, which cuts its durable op 9 (it may have been
        // acknowledged: damage). A damaged log never leads a view (docs/STORAGE.md, rule 6), and
        // the replica is still the primary of view 0: it must leave that view, as a primary that
        // restarts does (found by the simulator, seed 745338178782064951, at op 57 of view 2).
        ScenarioCluster c = new ScenarioCluster(ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL)
                .batchRequestCountMax(1).build(), storage);
        List<ScenarioCluster.Client> clients = List.of(c.client(), c.client(), c.client());
        int[] next = {0};
        commitThrough(c, clients.get(0), 6, next);
        for (ScenarioCluster.Client client : clients) assertThat(c.runUntil(client::idle, 2_000)).isTrue();

        long committed = c.replica(0).op();
        assertThat(committed).as("the checkpoint falls among the ops only the primary prepares").isIn(6L, 7L);
        assertThat(c.replica(0).commit()).isEqualTo(committed);
        c.drop((to, m) -> m instanceof Prepare && to != 0);
        for (ScenarioCluster.Client client : clients) client.submit(KvCommand.put("stale" + next[0]++, "x"));
        assertThat(c.runUntil(() -> c.replica(0).op() == committed + 3, 200)).as("op %d", c.replica(0).op()).isTrue();
        c.isolate(0);
        c.clearDropRules();
        assertThat(c.runUntil(() -> c.replica(1).commit() >= INTERVAL + 2 && c.replica(2).commit() >= INTERVAL + 2
                && c.replica(1).logAnchorOp() == INTERVAL && c.replica(2).logAnchorOp() == INTERVAL, 5_000)).isTrue();
        assertThat(c.replica(1).view()).isPositive();
        assertThat(c.replica(0).commit()).isEqualTo(committed);

        c.heal();
        assertThat(c.runUntil(() -> c.replica(0).syncCount() == 1, 5_000)).isTrue();
        assertThat(c.replica(0).isPrimaryNormal()).isFalse();
        assertThat(c.runUntil(() -> c.replica(0).commit() >= INTERVAL + 2 && !c.replica(0).logDamaged(), 5_000)).isTrue();
        ScenarioCluster.Client client = clients.get(0);
        assertThat(c.runUntil(() -> clients.stream().allMatch(ScenarioCluster.Client::idle), 5_000)).isTrue();
        long op = c.replica(1).commit() + 1;
        commitThrough(c, client, op, next);
        assertSameStateAs0(c, 1);
        c.checkAgreement();
    }
}
