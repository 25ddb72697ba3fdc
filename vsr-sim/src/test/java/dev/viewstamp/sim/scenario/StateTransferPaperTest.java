package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;

/** VRR 5.2 state transfer, and restarts from durable state (DESIGN 2). */
class StateTransferPaperTest {

    @OnEachStorage
    void backupThatMissedPreparesFetchesThemWithinItsView(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(3).stateTransferOpsMax(8)
                .pipelinePrepareCountMax(2).build(), storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        cluster.dropTo(2, Prepare.class);
        cluster.dropTo(2, NewState.class);
        for (int i = 0; i < 20; i++) {
            client.submit(KvCommand.append("a", "x"));
            assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        }
        assertThat(cluster.replica(2).op()).isEqualTo(1);

        // Commit heartbeats tell replica 2 it is behind; it fetches the ops in bounded chunks.
        cluster.clearDropRules();
        assertThat(cluster.runUntil(() -> cluster.replica(2).commit() == 21, 500)).isTrue();
        assertThat(cluster.replica(2).view()).isZero();
        assertThat(cluster.replica(2).stateChecksum()).isEqualTo(cluster.replica(0).stateChecksum());
    }

    @OnEachStorage
    void restartedBackupRebuildsItsStateFromItsDurableLog(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        cluster.run(30);

        cluster.crash(2);
        cluster.restart(2);
        assertThat(cluster.replica(2).op()).isEqualTo(2);
        assertThat(cluster.replica(2).commit()).isZero(); // the state machine starts empty
        cluster.run(30);
        assertThat(cluster.replica(2).commit()).isEqualTo(2);
        assertThat(cluster.replica(2).stateChecksum()).isEqualTo(cluster.replica(0).stateChecksum());
    }

    @OnEachStorage
    void writesLostInACrashWereNeverAcknowledged(Storage storage) {
        // DESIGN 2: PrepareOk only after the prepare is durable. Replica 1's write is held, so it
        // must not acknowledge; the primary commits with replica 2 alone.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        cluster.block(0, 2);
        cluster.holdWrites(1, true);
        client.submit(KvCommand.put("a", "1"));
        cluster.run(20);
        assertThat(client.results()).isEmpty();

        cluster.crash(1); // loses the held write
        cluster.restart(1);
        assertThat(cluster.replica(1).op()).isEqualTo(1);
        cluster.heal();
        assertThat(cluster.runUntil(() -> !client.results().isEmpty(), 500)).isTrue();
        assertThat(client.results()).containsExactly(new KvResult.Ok());
    }

    @OnEachStorage
    void restartedPrimaryDoesNotResumeButStartsAViewChange(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        cluster.crash(0);
        cluster.restart(0);
        assertThat(cluster.replica(0).status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(cluster.replica(0).view()).isEqualTo(1);
        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 1_000)).isTrue();

        client.submit(KvCommand.put("a", "1"));
        assertThat(cluster.runUntil(() -> !client.results().isEmpty(), 1_000)).isTrue();
    }

    @OnEachStorage
    void wholeClusterRestartLosesNoAcknowledgedOp(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();

        for (int r = 0; r < 3; r++) cluster.crash(r);
        for (int r = 0; r < 3; r++) cluster.restart(r);
        client.submit(KvCommand.get("a"));
        assertThat(cluster.runUntil(() -> client.results().size() == 2, 2_000)).isTrue();
        assertThat(client.results().get(1)).isEqualTo(KvResult.value("1"));
    }
}
