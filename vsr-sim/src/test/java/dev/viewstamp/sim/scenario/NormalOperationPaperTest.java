package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.ArrayList;
import java.util.List;

/** VRR 4.1, normal operation: one test per step of the paper, on a scripted 3-replica cluster. */
class NormalOperationPaperTest {

    private static ScenarioCluster registered(ScenarioCluster cluster, ScenarioCluster.Client... clients) {
        assertThat(cluster.runUntil(() -> java.util.Arrays.stream(clients).allMatch(ScenarioCluster.Client::idle), 50))
                .as("clients registered").isTrue();
        return cluster;
    }

    @OnEachStorage
    void primaryRepliesOnceFPlusOneReplicasHoldThePrepare(Storage storage) {
        // VRR 4.1 steps 3-5: with one backup cut off, the primary and the other backup are f + 1.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        registered(cluster, client);
        cluster.isolate(2);

        client.submit(KvCommand.put("a", "1"));
        cluster.run(5);

        assertThat(client.results()).containsExactly(new KvResult.Ok());
        assertThat(cluster.replica(0).commit()).isEqualTo(2); // the registration, then the put
    }

    @OnEachStorage
    void primaryDoesNotReplyWithoutAQuorum(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        registered(cluster, client);
        cluster.block(0, 1);
        cluster.block(0, 2);

        client.submit(KvCommand.put("a", "1"));
        cluster.run(20);

        assertThat(client.results()).isEmpty();
        assertThat(cluster.replica(0).op()).isEqualTo(2);
        assertThat(cluster.replica(0).commit()).isEqualTo(1);
    }

    @OnEachStorage
    void backupsExecuteWhatTheCommitHeartbeatSaysIsCommitted(Storage storage) {
        // VRR 4.1 steps 6-7: an idle primary's Commit tells backups to execute.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        registered(cluster, client);
        client.submit(KvCommand.put("a", "1"));
        cluster.run(30);

        for (int r = 0; r < 3; r++) {
            assertThat(cluster.replica(r).commit()).as("replica %d commit", r).isEqualTo(2);
            assertThat(cluster.replica(r).stateChecksum()).isEqualTo(cluster.replica(0).stateChecksum());
        }
    }

    @OnEachStorage
    void lostReplyIsResentFromTheClientTableAndTheRequestExecutesOnce(Storage storage) {
        // VRR 4.1 step 2: a duplicate of the latest request gets the cached reply; at-most-once.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        registered(cluster, client);
        cluster.block(0, 3); // replies from the primary to the client are lost

        client.submit(KvCommand.append("a", "x"));
        cluster.run(30);
        assertThat(client.results()).isEmpty();
        cluster.heal();
        assertThat(cluster.runUntil(() -> !client.results().isEmpty(), 2_000)).isTrue();
        client.submit(KvCommand.get("a"));
        cluster.run(10);

        assertThat(client.results()).containsExactly(new KvResult.Ok(), KvResult.value("x"));
        assertThat(cluster.replica(0).duplicateRequestCount()).isPositive();
    }

    @OnEachStorage
    void concurrentRequestsAreBatchedIntoFewerPrepares(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(3)
                .pipelinePrepareCountMax(1).batchRequestCountMax(8).stateTransferOpsMax(8).build(), storage);
        List<ScenarioCluster.Client> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) clients.add(cluster.client());
        registered(cluster, clients.toArray(ScenarioCluster.Client[]::new));
        long opBefore = cluster.replica(0).op();

        for (int i = 0; i < clients.size(); i++) clients.get(i).submit(KvCommand.put("k" + i, "v"));
        cluster.run(10);

        for (ScenarioCluster.Client client : clients) assertThat(client.results()).containsExactly(new KvResult.Ok());
        // With one prepare in flight at a time, the five requests queued behind the first share one.
        assertThat(cluster.replica(0).op() - opBefore).isEqualTo(2);
    }

    @OnEachStorage
    void primaryKeepsSeveralPreparesInFlightUpToThePipelineMaximum(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(3)
                .pipelinePrepareCountMax(3).batchRequestCountMax(1).build(), storage);
        List<ScenarioCluster.Client> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) clients.add(cluster.client());
        registered(cluster, clients.toArray(ScenarioCluster.Client[]::new));
        long commitBefore = cluster.replica(0).commit();
        cluster.holdWrites(1, true);
        cluster.holdWrites(2, true);

        for (int i = 0; i < clients.size(); i++) clients.get(i).submit(KvCommand.put("k" + i, "v"));
        cluster.settle();

        // Three prepares are out and none committed; the other two requests wait in the queue.
        assertThat(cluster.replica(0).op() - commitBefore).isEqualTo(3);
        assertThat(cluster.replica(0).commit()).isEqualTo(commitBefore);
        cluster.holdWrites(1, false);
        cluster.holdWrites(2, false);
        cluster.run(10);
        for (ScenarioCluster.Client client : clients) assertThat(client.results()).containsExactly(new KvResult.Ok());
    }
}
