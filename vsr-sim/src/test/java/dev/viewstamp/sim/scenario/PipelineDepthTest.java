package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline depth is part of the safety argument: a log holding op n proves committed every
 * entry at or below n - pipelinePrepareCountMax (Replica, fact 2). A replica restarted with a
 * smaller depth than its log was prepared under would take uncommitted entries for committed, so
 * the depth is recorded when the disk is formatted and a replica refuses to start with another.
 */
class PipelineDepthTest {
    private static final int PIPELINE = 8;

    /**
     * Replicas 0 and 1 hold eight ops that only they prepared (view 0, uncommitted: two of five),
     * while 2, 3 and 4 start view 2 and commit other ops at those numbers. Returns the cluster with
     * replica 1 crashed, and its log's last op.
     */
    private static ScenarioCluster uncommittedSuffixOnReplica1(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(5)
                .pipelinePrepareCountMax(PIPELINE).batchRequestCountMax(1).build(), storage);
        List<ScenarioCluster.Client> clients = new ArrayList<>();
        for (int i = 0; i < PIPELINE; i++) clients.add(cluster.client());
        assertThat(cluster.runUntil(() -> clients.stream().allMatch(ScenarioCluster.Client::idle), 2_000)).isTrue();
        long shared = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(shared), 1_000)).isTrue();

        for (int a : new int[] {0, 1}) {
            for (int b : new int[] {2, 3, 4}) {
                cluster.block(a, b);
                cluster.block(b, a);
            }
        }
        for (int i = 0; i < PIPELINE; i++) clients.get(i).submit(KvCommand.put("k" + i, "v" + i));
        assertThat(cluster.runUntil(() -> cluster.replica(1).op() == shared + PIPELINE, 500)).isTrue();
        assertThat(cluster.replica(0).commit()).isEqualTo(shared);
        // The clients retry everywhere; view 2 executes their requests at the same op numbers.
        assertThat(cluster.runUntil(() -> cluster.replica(2).isPrimaryNormal()
                && cluster.replica(2).commit() >= shared + PIPELINE, 5_000)).isTrue();
        cluster.crash(1);
        return cluster;
    }

    @OnEachStorage
    void aReplicaRefusesToStartWithAnotherPipelineDepthThanItsDiskRecords(Storage storage) {
        ScenarioCluster cluster = uncommittedSuffixOnReplica1(storage);
        Replica.Durable durable = cluster.durable(1);
        assertThat(durable.pipelinePrepareCountMax()).isEqualTo(PIPELINE);
        ClusterConfig narrower = ClusterConfig.builder().replicaCount(5).pipelinePrepareCountMax(2).batchRequestCountMax(1)
                .build();

        assertThatThrownBy(() -> cluster.restartWith(1, durable, narrower))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("formatted with pipelinePrepareCountMax 8 and cannot start with 2");

        cluster.restart(1);
        cluster.run(2_000);
        cluster.checkAgreement();
    }

    /** Why the check exists: without the recorded depth, the narrower replica executes view 0's uncommitted ops. */
    @OnEachStorage
    void withoutTheRecordedDepthANarrowerPipelineExecutesUncommittedOps(Storage storage) {
        ScenarioCluster cluster = uncommittedSuffixOnReplica1(storage);
        Replica.Durable recorded = cluster.durable(1);
        Replica.Durable unrecorded = recorded.toBuilder()
                .pipelinePrepareCountMax(Replica.Durable.PIPELINE_UNRECORDED).build();
        ClusterConfig narrower = ClusterConfig.builder().replicaCount(5).pipelinePrepareCountMax(2).batchRequestCountMax(1)
                .build();

        cluster.restartWith(1, unrecorded, narrower);
        assertThatThrownBy(() -> cluster.run(500)).hasMessageContaining("agreement");
    }
}
