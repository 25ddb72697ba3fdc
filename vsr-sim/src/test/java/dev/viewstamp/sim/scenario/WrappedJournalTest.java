package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;

/**
 * A cluster whose journals wrap (docs/CHECKPOINTS.md, section 4): 32 slots and a checkpoint every
 * 8 ops, run for 200 ops, so each replica's ring has been overwritten six times. On the real
 * storage the journal accepts each op once the checkpoint of the op a lap before is durable, and
 * restarts (one replica, a damaged one, or all) recover the log after the checkpoint from a ring
 * whose other slots hold earlier laps.
 */
class WrappedJournalTest {
    private static final int INTERVAL = 8;
    private static final int SLOTS = 32;
    private static final long OPS = 203;

    private static ScenarioCluster cluster(Storage storage) {
        return new ScenarioCluster(ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL)
                .journalSlotCount(SLOTS).build(), storage, KvStateMachine::new);
    }

    /** Submits puts over a few keys until every running replica has committed {@code op}. */
    private static void commitThrough(ScenarioCluster c, ScenarioCluster.Client client, long op, int[] next) {
        while (!runningCommitted(c, op)) {
            assertThat(c.runUntil(client::idle, 2_000)).as("the client is idle").isTrue();
            client.submit(KvCommand.put("k" + (next[0] % 7), "v" + next[0]));
            next[0]++;
            assertThat(c.runUntil(client::idle, 2_000)).as("put %d done", next[0]).isTrue();
        }
    }

    private static boolean runningCommitted(ScenarioCluster c, long op) {
        for (int r = 0; r < 3; r++) if (c.replica(r) != null && c.replica(r).commit() < op) return false;
        return true;
    }

    /** Once every replica has executed the same ops (the client is idle), their states are equal. */
    private static void assertConverged(ScenarioCluster c) {
        assertThat(c.runUntil(() -> c.replica(1).commit() == c.replica(0).commit()
                && c.replica(2).commit() == c.replica(0).commit(), 3_000)).isTrue();
        for (int r = 1; r < 3; r++) assertThat(c.replica(r).stateChecksum()).isEqualTo(c.replica(0).stateChecksum());
        c.checkAgreement();
    }

    @OnEachStorage
    void aBackupRestartsFromItsCheckpointAfterTheRingWrappedSixTimes(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = c.client();
        int[] next = {0};
        commitThrough(c, client, OPS, next);
        long anchor = c.replica(1).logAnchorOp();
        assertThat(anchor).as("compacted far past the ring's first lap").isGreaterThan(OPS - SLOTS);

        c.crash(1);
        Replica.Durable durable = c.durable(1);
        assertThat(durable.damage()).isNull();
        assertThat(durable.checkpoint().op()).isEqualTo(anchor);
        assertThat(durable.log()).extracting(Entry::op).first().isEqualTo(anchor + 1);
        assertThat(durable.log().get(durable.log().size() - 1).op()).isGreaterThanOrEqualTo(OPS);
        c.restart(1);

        commitThrough(c, client, OPS + 2 * SLOTS, next);
        assertConverged(c);
    }

    @OnEachStorage
    void aPrepareDecayedAfterTheWrapIsRepairedFromPeersAboveTheCheckpoint(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = c.client();
        int[] next = {0};
        commitThrough(c, client, OPS, next);
        long anchor = c.replica(1).checkpointDurable().op();
        c.crash(1);
        c.decayPrepare(1, anchor + 2); // in a slot written six times over: the window's op there

        Replica.Durable durable = c.durable(1);
        assertThat(durable.damage()).isNotNull();
        assertThat(durable.damage().anchorOp()).isEqualTo(anchor);
        c.restart(1);
        assertThat(c.replica(1).logDamaged()).isTrue();

        assertThat(c.runUntil(() -> !c.replica(1).logDamaged(), 3_000)).isTrue();
        assertThat(c.replica(1).repairedEntryCount()).isEqualTo(1);
        commitThrough(c, client, OPS + 2 * SLOTS, next);
        assertConverged(c);
    }

    @OnEachStorage
    void theWholeClusterRestartsAfterTheWrapAndKeepsEveryWrite(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = c.client();
        int[] next = {0};
        commitThrough(c, client, OPS, next);
        assertThat(c.runUntil(() -> c.allCommitted(c.replica(0).commit()), 1_000)).isTrue();
        long stateChecksum = c.replica(0).stateChecksum();
        long committed = c.replica(0).commit();

        for (int r = 0; r < 3; r++) c.crash(r);
        for (int r = 0; r < 3; r++) c.restart(r);
        assertThat(c.runUntil(() -> c.allCommitted(committed), 5_000)).isTrue();
        assertThat(c.replica(0).stateChecksum()).isEqualTo(stateChecksum);

        commitThrough(c, client, committed + 2 * SLOTS, next);
        assertConverged(c);
    }
}
