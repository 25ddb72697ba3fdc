package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    @Test
    void defaultsBuild() {
        ClusterConfig config = ClusterConfig.builder().build();
        assertThat(config.replicaCount()).isEqualTo(3);
        assertThat(config.stateTransferOpsMax()).isGreaterThanOrEqualTo(config.pipelinePrepareCountMax());
        assertThat(config.normalTimeoutTicks()).isGreaterThan(2 * config.commitIntervalTicks());
        assertThat(config.canaries()).isEmpty();
    }

    @Test
    void quorumIsAMajority() {
        assertThat(withReplicas(1).faultsMax()).isZero();
        assertThat(withReplicas(1).quorum()).isEqualTo(1);
        assertThat(withReplicas(3).faultsMax()).isEqualTo(1);
        assertThat(withReplicas(3).quorum()).isEqualTo(2);
        assertThat(withReplicas(5).faultsMax()).isEqualTo(2);
        assertThat(withReplicas(5).quorum()).isEqualTo(3);
    }

    @Test
    void primaryIsChosenRoundRobin() {
        ClusterConfig config = withReplicas(3);
        assertThat(config.primaryIndex(0)).isZero();
        assertThat(config.primaryIndex(1)).isEqualTo(1);
        assertThat(config.primaryIndex(2)).isEqualTo(2);
        assertThat(config.primaryIndex(3)).isZero();
        assertThat(config.primaryIndex(1_000_000_001L)).isEqualTo((int) (1_000_000_001L % 3));
    }

    @Test
    void buildRejectsNegativeClusterId() {
        assertRejected(b -> b.clusterId(-1), "clusterId must be non-negative");
    }

    @Test
    void buildRejectsEvenOrNonPositiveReplicaCount() {
        String message = "replicaCount must be odd and positive (n = 2f + 1)";
        assertRejected(b -> b.replicaCount(0), message);
        assertRejected(b -> b.replicaCount(2), message);
        assertRejected(b -> b.replicaCount(4), message);
        assertRejected(b -> b.replicaCount(-1), message);
    }

    @Test
    void buildRejectsLimitsBelowOne() {
        assertRejected(b -> b.pipelinePrepareCountMax(0), "pipelinePrepareCountMax must be at least 1");
        assertRejected(b -> b.batchRequestCountMax(0), "batchRequestCountMax must be at least 1");
        assertRejected(b -> b.requestQueueCountMax(0), "requestQueueCountMax must be at least 1");
        assertRejected(b -> b.clientTableSessionsMax(0), "clientTableSessionsMax must be at least 1");
        assertRejected(b -> b.commitIntervalTicks(0), "commitIntervalTicks must be at least 1");
        assertRejected(b -> b.prepareRetransmitTicks(0), "prepareRetransmitTicks must be at least 1");
        assertRejected(b -> b.viewChangeRetransmitTicks(0), "viewChangeRetransmitTicks must be at least 1");
        assertRejected(b -> b.stateTransferRetransmitTicks(0), "stateTransferRetransmitTicks must be at least 1");
    }

    @Test
    void buildRejectsBatchTooSmallForAPrepareHeader() {
        assertRejected(b -> b.batchSizeBytesMax(63), "batchSizeBytesMax must be at least 64");
        assertThat(ClusterConfig.builder().batchSizeBytesMax(64).build().batchSizeBytesMax()).isEqualTo(64);
    }

    @Test
    void buildRejectsStateTransfersLongerThanALogChangeCanName() {
        assertRejected(b -> b.stateTransferOpsMax(127),
                "stateTransferOpsMax must be at most 126 (a log change's entries, by header, fill one superblock copy)");
        assertThat(ClusterConfig.builder().stateTransferOpsMax(126).build().stateTransferOpsMax()).isEqualTo(126);
        assertRejected(b -> b.replicaCount(17), "replicaCount must be at most 16");
    }

    @Test
    void buildRejectsStateTransferLimitBelowPipeline() {
        assertRejected(b -> b.pipelinePrepareCountMax(16).stateTransferOpsMax(15),
                "stateTransferOpsMax must be at least pipelinePrepareCountMax");
        assertThat(ClusterConfig.builder().pipelinePrepareCountMax(16).stateTransferOpsMax(16).build()).isNotNull();
    }

    @Test
    void buildRejectsNormalTimeoutWithinTwoHeartbeats() {
        assertRejected(b -> b.commitIntervalTicks(10).normalTimeoutTicks(20),
                "normalTimeoutTicks must exceed twice commitIntervalTicks");
        assertThat(ClusterConfig.builder().commitIntervalTicks(10).normalTimeoutTicks(21).build()).isNotNull();
    }

    @Test
    void buildRejectsViewChangeTimeoutNotAboveItsRetransmit() {
        assertRejected(b -> b.viewChangeRetransmitTicks(20).viewChangeTimeoutTicks(20),
                "viewChangeTimeoutTicks must exceed viewChangeRetransmitTicks");
    }

    @Test
    void buildRejectsBackoffExponentOutsideItsRange() {
        String message = "viewChangeBackoffExponentMax must be in [0, 16]";
        assertRejected(b -> b.viewChangeBackoffExponentMax(-1), message);
        assertRejected(b -> b.viewChangeBackoffExponentMax(17), message);
        assertThat(ClusterConfig.builder().viewChangeBackoffExponentMax(0).build()).isNotNull();
        assertThat(ClusterConfig.builder().viewChangeBackoffExponentMax(16).build()).isNotNull();
    }

    @Test
    void canariesAreOffUnlessPlanted() {
        ClusterConfig plain = ClusterConfig.builder().build();
        for (Canary canary : Canary.values()) assertThat(plain.canary(canary)).isFalse();

        ClusterConfig planted = ClusterConfig.builder().canariesForTesting(Set.of(Canary.COMMIT_WITH_F_ACKS)).build();
        assertThat(planted.canary(Canary.COMMIT_WITH_F_ACKS)).isTrue();
        assertThat(planted.canary(Canary.SKIP_DUPLICATE_CHECK)).isFalse();
    }

    @Test
    void canariesAreCopied() {
        EnumSet<Canary> canaries = EnumSet.of(Canary.ACK_BEFORE_DURABLE);
        ClusterConfig config = ClusterConfig.builder().canariesForTesting(canaries).build();
        canaries.add(Canary.SKIP_DUPLICATE_CHECK);
        assertThat(config.canaries()).containsExactly(Canary.ACK_BEFORE_DURABLE);
    }

    private static ClusterConfig withReplicas(int replicaCount) {
        return ClusterConfig.builder().replicaCount(replicaCount).build();
    }

    private static void assertRejected(UnaryOperator<ClusterConfig.Builder> setting, String message) {
        assertThatThrownBy(() -> setting.apply(ClusterConfig.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
