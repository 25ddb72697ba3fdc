package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.nio.charset.StandardCharsets;

/**
 * A restart from a checkpoint (docs/CHECKPOINTS.md, section 5), on the model and on the real
 * storage (checkpoint files, the superblock that names them, journal recovery down to the
 * checkpoint): the service comes back from the snapshot, the client table and the log's anchor
 * from the checkpoint, and only the ops after it are executed again.
 */
class CheckpointRestartTest {
    private static final int INTERVAL = 4;

    /** Three replicas taking a checkpoint every four ops, with a key-value service that snapshots. */
    private static ScenarioCluster cluster(Storage storage) {
        return new ScenarioCluster(ClusterConfig.builder().replicaCount(3).checkpointIntervalOps(INTERVAL).build(),
                storage, ReplayingKvStateMachine::new);
    }

    /** Registers a client and puts {@code k0..k(count-1)}: ops 1 (the registration) to {@code count + 1}. */
    private static ScenarioCluster.Client putKeys(ScenarioCluster c, int count) {
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        for (int i = 0; i < count; i++) {
            client.submit(KvCommand.put("k" + i, "v" + i));
            assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        }
        return client;
    }

    private static boolean converged(ScenarioCluster c, long op) {
        if (!c.allCommitted(op)) return false;
        for (int r = 1; r < 3; r++) {
            if (c.replica(r).stateChecksum() != c.replica(0).stateChecksum()) return false;
        }
        return true;
    }

    private static boolean durableCheckpointsAt(ScenarioCluster c, long op) {
        for (int r = 0; r < 3; r++) {
            Replica replica = c.replica(r);
            if (replica == null || replica.checkpointDurable() == null || replica.checkpointDurable().op() != op) {
                return false;
            }
        }
        return true;
    }

    private static void assertReads(ScenarioCluster c, ScenarioCluster.Client client, String key, String value) {
        int before = client.results().size();
        client.submit(KvCommand.get(key));
        assertThat(c.runUntil(client::idle, 2_000)).isTrue();
        assertThat(client.results()).hasSize(before + 1);
        assertThat(client.results().get(before)).isInstanceOfSatisfying(KvResult.Value.class,
                v -> assertThat(new String(v.value(), StandardCharsets.UTF_8)).isEqualTo(value));
    }

    @OnEachStorage
    void aBackupRestartsFromItsCheckpointAndExecutesOnlyTheOpsAfterIt(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = putKeys(c, 10); // ops 1..11: checkpoints at 4 and 8
        assertThat(c.runUntil(() -> converged(c, 11) && durableCheckpointsAt(c, 8), 1_000)).isTrue();
        assertThat(c.replica(1).logAnchorOp()).as("compacted to the durable checkpoint").isEqualTo(8);

        c.crash(1);
        Replica.Durable durable = c.durable(1);
        assertThat(durable.checkpoint()).isEqualTo(c.replica(0).checkpointDurable());
        assertThat(durable.log()).extracting(Entry::op).containsExactly(9L, 10L, 11L);
        c.restart(1);
        assertThat(c.replica(1).commit()).as("the checkpoint's ops are not executed again").isEqualTo(8);
        assertThat(c.replica(1).logAnchorOp()).isEqualTo(8);

        client.submit(KvCommand.put("k10", "v10"));
        assertThat(c.runUntil(() -> client.idle() && converged(c, 12), 2_000)).isTrue();
        assertThat(c.runUntil(() -> durableCheckpointsAt(c, 12), 1_000)).isTrue();
        assertReads(c, client, "k3", "v3");
        c.checkAgreement();
    }

    @OnEachStorage
    void theWholeClusterRestartsFromItsCheckpointsAndKeepsEveryWrite(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = putKeys(c, 10);
        assertThat(c.runUntil(() -> converged(c, 11) && durableCheckpointsAt(c, 8), 1_000)).isTrue();
        long stateChecksum = c.replica(0).stateChecksum();

        for (int r = 0; r < 3; r++) c.crash(r);
        for (int r = 0; r < 3; r++) {
            assertThat(c.durable(r).checkpoint().op()).isEqualTo(8);
            c.restart(r);
        }
        assertThat(c.runUntil(() -> converged(c, 11), 5_000)).isTrue();
        assertThat(c.replica(0).stateChecksum()).isEqualTo(stateChecksum);
        for (int i = 0; i < 10; i += 3) assertReads(c, client, "k" + i, "v" + i);
        c.checkAgreement();
    }

    @OnEachStorage
    void aCrashBeforeACheckpointIsDurableRestartsFromThePreviousOne(Storage storage) {
        ScenarioCluster c = cluster(storage);
        ScenarioCluster.Client client = putKeys(c, 10);
        assertThat(c.runUntil(() -> converged(c, 11) && durableCheckpointsAt(c, 8), 1_000)).isTrue();

        // Replica 1 makes op 12 durable but hears of its commit only once its writes are held:
        // it executes op 12 and takes the checkpoint there, whose writes never complete.
        c.dropTo(1, Commit.class);
        client.submit(KvCommand.put("k10", "v10"));
        assertThat(c.runUntil(() -> client.idle() && c.replica(1).opDurable() >= 12, 50)).isTrue();
        assertThat(c.replica(1).commit()).isEqualTo(11);
        c.holdWrites(1, true);
        c.clearDropRules();
        assertThat(c.runUntil(() -> c.replica(1).commit() == 12, 50)).isTrue();
        assertThat(c.replica(1).checkpoint().op()).isEqualTo(12);
        assertThat(c.replica(1).checkpointDurable().op()).isEqualTo(8);

        c.crash(1);
        Replica.Durable durable = c.durable(1);
        assertThat(durable.checkpoint().op()).isEqualTo(8);
        assertThat(durable.log()).extracting(Entry::op).containsExactly(9L, 10L, 11L, 12L);
        c.restart(1);
        assertThat(c.runUntil(() -> converged(c, 12) && durableCheckpointsAt(c, 12), 2_000)).isTrue();
        c.checkAgreement();
    }
}
