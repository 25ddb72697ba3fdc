package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;

/** A request that fits no batch is answered with an error once, not dropped and retried for ever. */
class RequestTooLargeTest {

    @OnEachStorage
    void aCommandLargerThanABatchFailsOnceAndTheSessionGoesOn(Storage storage) {
        // Batches of 200 bytes: a put of a 500-byte value cannot fit any of them, however long the
        // client retries. It has to hear so, once, and then be able to carry on.
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(3)
                .batchSizeBytesMax(200).build(), storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 50)).as("registered").isTrue();
        long opBefore = cluster.replica(0).op();

        client.submit(KvCommand.put("a", "x".repeat(500)));
        assertThat(cluster.runUntil(client::idle, 50)).as("answered").isTrue();

        assertThat(client.results()).containsExactly(new KvResult.Failure("too large"));
        assertThat(cluster.replica(0).op()).isEqualTo(opBefore);

        // Nothing is left to retry, and the next command of the same session works.
        cluster.run(2_000);
        assertThat(client.results()).hasSize(1);
        client.submit(KvCommand.put("a", "small"));
        assertThat(cluster.runUntil(() -> client.results().size() == 2, 50)).isTrue();
        client.submit(KvCommand.get("a"));
        assertThat(cluster.runUntil(() -> client.results().size() == 3, 50)).isTrue();
        assertThat(client.results()).containsExactly(new KvResult.Failure("too large"), new KvResult.Ok(),
                KvResult.value("small"));
        cluster.checkAgreement();
    }
}
