package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.Set;

/** VRR 4.2, view change, with the decisions of DESIGN.md section 2. */
class ViewChangePaperTest {

    private static ScenarioCluster.Client registeredClient(ScenarioCluster cluster) {
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).isTrue();
        return client;
    }

    @OnEachStorage
    void backupsStartTheNextViewWhenThePrimaryFallsSilent(Storage storage) {
        // VRR 4.2 steps 1-5: backups time out, exchange StartViewChange and DoViewChange, and the
        // primary of view 1 (replica 1) starts it with the committed ops.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = registeredClient(cluster);
        client.submit(KvCommand.put("a", "1"));
        cluster.run(20);
        cluster.isolate(0);

        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 1_000)).isTrue();
        assertThat(cluster.replica(1).view()).isEqualTo(1);
        cluster.run(20);
        assertThat(cluster.replica(2).status()).isEqualTo(Status.NORMAL);
        assertThat(cluster.replica(2).view()).isEqualTo(1);

        // The client learns nothing of the change, retries to every replica and reaches replica 1.
        client.submit(KvCommand.get("a"));
        assertThat(cluster.runUntil(() -> client.results().size() == 2, 1_000)).isTrue();
        assertThat(client.results().get(1)).isEqualTo(KvResult.value("1"));
        assertThat(client.session().view()).isEqualTo(1);
    }

    @OnEachStorage
    void oldPrimaryAdoptsTheNewViewWhenItHearsOfIt(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        registeredClient(cluster);
        cluster.isolate(0);
        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 1_000)).isTrue();

        cluster.heal();
        assertThat(cluster.runUntil(() -> cluster.replica(0).view() == 1 && cluster.replica(0).status() == Status.NORMAL,
                1_000)).isTrue();
        assertThat(cluster.replica(0).isPrimaryNormal()).isFalse();
    }

    @OnEachStorage
    void replicaThatMissedStartViewCatchesUpFromTheNewPrimary(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = registeredClient(cluster);
        cluster.isolate(0);
        cluster.dropTo(2, StartView.class);
        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 1_000)).isTrue();
        assertThat(cluster.replica(2).status()).isEqualTo(Status.VIEW_CHANGE);

        // Replica 2 hears a Prepare of view 1 and fetches the view's log by state transfer.
        client.submit(KvCommand.put("a", "1"));
        assertThat(cluster.runUntil(() -> cluster.replica(2).status() == Status.NORMAL, 2_000)).isTrue();
        assertThat(cluster.replica(2).view()).isEqualTo(1);
        cluster.run(50);
        assertThat(cluster.replica(2).commit()).isEqualTo(cluster.replica(1).commit());
    }

    @OnEachStorage
    void newPrimaryChoosesTheLogWithTheHighestLogViewNotTheLongestLog(Storage storage) {
        ScenarioCluster cluster = staleLongLogScenario(storage, false);
        long committedOp = cluster.replica(1).commit();
        assertThat(cluster.runUntil(() -> cluster.replica(2).isPrimaryNormal(), 3_000)).isTrue();
        assertThat(cluster.replica(2).checksumAt(committedOp)).isEqualTo(cluster.replica(1).checksumAt(committedOp));
    }

    @OnEachStorage
    void choosingTheLongestLogLosesACommittedOp(Storage storage) {
        // The canary picks replica 0's longer view-0 log; the agreement check sees the fork.
        ScenarioCluster cluster = staleLongLogScenario(storage, true);
        assertThatThrownBy(() -> cluster.run(3_000)).isInstanceOf(AssertionError.class).hasMessageContaining("agreement");
    }

    /**
     * DESIGN 2: the new primary takes the log with the greatest (logView, op). Set-up: the old
     * primary 0 prepares three ops that only it holds; view 1 (replicas 1, 2) commits one new op
     * at the first of those numbers; then replicas 0 and 2 form view 2 while replica 1 is cut
     * off. Replica 0's log is longer but from view 0; replica 2's is from view 1 and holds the
     * committed op.
     */
    private static ScenarioCluster staleLongLogScenario(Storage storage, boolean canary) {
        ClusterConfig.Builder config = ClusterConfig.builder().replicaCount(3).pipelinePrepareCountMax(4)
                .batchRequestCountMax(1);
        if (canary) config.canariesForTesting(Set.of(Canary.PICK_LOG_BY_OP_ONLY));
        ScenarioCluster cluster = new ScenarioCluster(config.build(), storage);
        ScenarioCluster.Client[] clients = {cluster.client(), cluster.client(), cluster.client()};
        assertThat(cluster.runUntil(() -> clients[0].idle() && clients[1].idle() && clients[2].idle(), 50)).isTrue();
        long base = cluster.replica(0).op();

        cluster.isolate(0);
        for (int node = 3; node < 6; node++) {
            cluster.block(node, 1);
            cluster.block(node, 2);
        }
        for (int i = 0; i < 3; i++) clients[i].submit(KvCommand.put("stale" + i, "x"));
        cluster.settle();
        assertThat(cluster.replica(0).op()).isEqualTo(base + 3);

        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 2_000)).isTrue();
        ScenarioCluster.Client fresh = cluster.client();
        assertThat(cluster.runUntil(fresh::idle, 2_000)).isTrue();
        assertThat(cluster.replica(1).commit()).isEqualTo(base + 1);

        cluster.heal();
        cluster.isolate(1);
        return cluster;
    }
}
