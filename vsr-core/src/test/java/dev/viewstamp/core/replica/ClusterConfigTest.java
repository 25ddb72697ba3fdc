package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.Request;
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
    void buildRejectsBatchTooSmallForAnEmptyRequest() {
        assertRejected(b -> b.batchSizeBytesMax(Request.OVERHEAD_SIZE_BYTES - 1),
                "batchSizeBytesMax must be at least 20 (one empty request)");
        assertThat(ClusterConfig.builder().batchSizeBytesMax(Request.OVERHEAD_SIZE_BYTES).build().batchSizeBytesMax())
                .isEqualTo(Request.OVERHEAD_SIZE_BYTES);
    }

    @Test
    void defaultBatchLimitIsTheDefaultJournalBodyLimit() {
        ClusterConfig config = ClusterConfig.builder().build();
        assertThat(config.batchSizeBytesMax()).isEqualTo(ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT);
        assertThat(config.journalBodySizeBytesMax()).isEqualTo(ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT);
    }

    @Test
    void buildRejectsABatchLimitAboveTheJournalBodyLimit() {
        assertRejected(b -> b.journalBodySizeBytesMax(4096).batchSizeBytesMax(4097),
                "batchSizeBytesMax (4097) must be at most journalBodySizeBytesMax (4096): every batch must fit the "
                        + "journals it is written to");
        // The old defaults disagreed like this: 1 MiB batches, 64 KiB journal bodies.
        assertRejected(b -> b.journalBodySizeBytesMax(64 * 1024).batchSizeBytesMax(1 << 20),
                "batchSizeBytesMax (1048576) must be at most journalBodySizeBytesMax (65536): every batch must fit the "
                        + "journals it is written to");
        ClusterConfig equal = ClusterConfig.builder().journalBodySizeBytesMax(4096).batchSizeBytesMax(4096).build();
        assertThat(equal.batchSizeBytesMax()).isEqualTo(equal.journalBodySizeBytesMax());
        assertThat(ClusterConfig.builder().journalBodySizeBytesMax(4096).batchSizeBytesMax(1000).build()).isNotNull();
    }

    @Test
    void buildRejectsAJournalBodyLimitWhoseSizesWouldOverflow() {
        assertRejected(b -> b.journalBodySizeBytesMax(ClusterConfig.ENTRY_BODY_SIZE_BYTES_MAX + 1),
                "journalBodySizeBytesMax must be at most 1073741824");
        assertThat(ClusterConfig.builder().journalBodySizeBytesMax(ClusterConfig.ENTRY_BODY_SIZE_BYTES_MAX).build())
                .isNotNull();
    }

    @Test
    void buildRejectsStateTransfersLongerThanALogChangeCanName() {
        assertRejected(b -> b.stateTransferOpsMax(126),
                "stateTransferOpsMax must be at most 125 (a log change's entries, by header, fill one superblock copy)");
        assertThat(ClusterConfig.builder().stateTransferOpsMax(125).build().stateTransferOpsMax()).isEqualTo(125);
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
