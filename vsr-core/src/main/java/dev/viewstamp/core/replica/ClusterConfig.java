package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import java.util.EnumSet;
import java.util.Set;

/**
 * The cluster's size and every limit and timeout of the protocol. Times are in ticks; sizes in
 * bytes or counts, with the unit last in the name. {@link Builder#build} checks how the limits
 * relate, so a replica never starts with settings that cannot work.
 *
 * <p>Sizes of entries are counted as the codec writes them ({@link Entry#bodySizeBytes}):
 * {@code batchSizeBytesMax} bounds the body of every entry this replica prepares as primary, and
 * {@code journalBodySizeBytesMax} is the body limit every replica's journal was formatted with
 * (checked against the data file at start). A batch must fit every journal, so the batch limit is
 * at most the journal's. Like {@code pipelinePrepareCountMax}, both must be the same on every
 * replica: a backup journals what another primary batched.
 */
public record ClusterConfig(
        long clusterId,
        int replicaCount,
        int pipelinePrepareCountMax,
        int eagerPrepareCountMax,
        int batchRequestCountMax,
        int batchSizeBytesMax,
        int journalBodySizeBytesMax,
        int requestQueueCountMax,
        int clientTableSessionsMax,
        int stateTransferOpsMax,
        int checkpointIntervalOps,
        int journalSlotCount,
        int commitIntervalTicks,
        int prepareRetransmitTicks,
        int normalTimeoutTicks,
        int viewChangeTimeoutTicks,
        int viewChangeRetransmitTicks,
        int viewChangeBackoffExponentMax,
        int stateTransferRetransmitTicks,
        Set<Canary> canaries) {

    public ClusterConfig {
        canaries = canaries.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(canaries));
    }

    /**
     * The most entries one log change (Output.persistState) carries: what a superblock copy holds
     * by header. Every log change's suffix is at most a NewState or a DoViewChange/StartView long,
     * so {@code stateTransferOpsMax} and {@code pipelinePrepareCountMax} stay within it. (125 since
     * superblock format version 3, whose checkpoint fields took one header's room.)
     */
    public static final int LOG_CHANGE_ENTRIES_MAX = 125;

    /** The most replicas a cluster has: the superblock keeps a crash vector entry for each. */
    public static final int REPLICAS_MAX = 16;

    /**
     * The default batch and journal body limit: the smallest power of two that holds the largest
     * command of the key-value service's default limits (a compare-and-set with a 256-byte key and
     * two 64 KiB values, 131,361 bytes with its request overhead). {@code vsr format} uses it too.
     */
    public static final int JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT = 256 * 1024;

    /**
     * The largest body limit a configuration may name. Sizes are ints: below this, a batch's running
     * size plus one more request, and a journal slot (header and body, rounded up to a sector),
     * never overflow.
     */
    public static final int ENTRY_BODY_SIZE_BYTES_MAX = 1 << 30;

    public static Builder builder() {
        return new Builder();
    }

    /** The largest number of replicas that may fail: n = 2f + 1. */
    public int faultsMax() {
        return (replicaCount - 1) / 2;
    }

    /** f + 1: a majority, the size of every replication and view-change quorum. */
    public int quorum() {
        return faultsMax() + 1;
    }

    /** VRR 4: the primary of a view is chosen round-robin. */
    public int primaryIndex(long view) {
        return (int) Long.remainderUnsigned(view, replicaCount);
    }

    boolean canary(Canary canary) {
        return !canaries.isEmpty() && canaries.contains(canary);
    }

    public static final class Builder {
        private long clusterId = 0;
        private int replicaCount = 3;
        private int pipelinePrepareCountMax = 8;
        private int eagerPrepareCountMax = 0;
        private int batchRequestCountMax = 64;
        private int batchSizeBytesMax = JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT;
        private int journalBodySizeBytesMax = JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT;
        private int requestQueueCountMax = 1024;
        private int clientTableSessionsMax = 1024;
        private int stateTransferOpsMax = 64;
        private int checkpointIntervalOps = 0;
        private int journalSlotCount = 0;
        private int commitIntervalTicks = 10;
        private int prepareRetransmitTicks = 20;
        private int normalTimeoutTicks = 100;
        private int viewChangeTimeoutTicks = 100;
        private int viewChangeRetransmitTicks = 20;
        private int viewChangeBackoffExponentMax = 4;
        private int stateTransferRetransmitTicks = 30;
        private Set<Canary> canaries = Set.of();

        public Builder clusterId(long v) { clusterId = v; return this; }
        public Builder replicaCount(int v) { replicaCount = v; return this; }
        public Builder pipelinePrepareCountMax(int v) { pipelinePrepareCountMax = v; return this; }
        /**
         * Adaptive batching: while fewer than this many prepares are in flight, the primary
         * prepares whatever requests are queued at once; from this many on, it prepares only a
         * full batch ({@code batchRequestCountMax} requests or {@code batchSizeBytesMax} bytes) and
         * lets the rest wait for a commit to bring the count down. An idle cluster so prepares each
         * request at once, and a busy one packs many into each prepare instead of sending a full
         * pipeline of small ones. Only the primary's choice of batches depends on it, not safety,
         * so replicas need not agree on it. 0 (the default): the pipeline's depth, so every batch
         * goes at once while the pipeline has room.
         */
        public Builder eagerPrepareCountMax(int v) { eagerPrepareCountMax = v; return this; }
        public Builder batchRequestCountMax(int v) { batchRequestCountMax = v; return this; }
        public Builder batchSizeBytesMax(int v) { batchSizeBytesMax = v; return this; }
        public Builder journalBodySizeBytesMax(int v) { journalBodySizeBytesMax = v; return this; }
        public Builder requestQueueCountMax(int v) { requestQueueCountMax = v; return this; }
        public Builder clientTableSessionsMax(int v) { clientTableSessionsMax = v; return this; }
        public Builder stateTransferOpsMax(int v) { stateTransferOpsMax = v; return this; }
        /** Take a checkpoint at every multiple of this op (docs/CHECKPOINTS.md); 0: never. */
        public Builder checkpointIntervalOps(int v) { checkpointIntervalOps = v; return this; }
        /**
         * The journal's slots, as formatted: a replica never writes an op into the slot of one its
         * durable checkpoint does not cover (docs/CHECKPOINTS.md, the ring rule); 0: a log in
         * memory only, without that bound.
         */
        public Builder journalSlotCount(int v) { journalSlotCount = v; return this; }
        public Builder commitIntervalTicks(int v) { commitIntervalTicks = v; return this; }
        public Builder prepareRetransmitTicks(int v) { prepareRetransmitTicks = v; return this; }
        public Builder normalTimeoutTicks(int v) { normalTimeoutTicks = v; return this; }
        public Builder viewChangeTimeoutTicks(int v) { viewChangeTimeoutTicks = v; return this; }
        public Builder viewChangeRetransmitTicks(int v) { viewChangeRetransmitTicks = v; return this; }
        public Builder viewChangeBackoffExponentMax(int v) { viewChangeBackoffExponentMax = v; return this; }
        public Builder stateTransferRetransmitTicks(int v) { stateTransferRetransmitTicks = v; return this; }

        /** Plants protocol bugs; for tests that prove the checkers can fail. */
        public Builder canariesForTesting(Set<Canary> v) { canaries = v; return this; }

        public ClusterConfig build() {
            require(clusterId >= 0, "clusterId must be non-negative");
            require(replicaCount >= 1 && replicaCount % 2 == 1, "replicaCount must be odd and positive (n = 2f + 1)");
            // The superblock keeps an incarnation per replica (the crash vector).
            require(replicaCount <= REPLICAS_MAX, "replicaCount must be at most " + REPLICAS_MAX);
            require(pipelinePrepareCountMax >= 1, "pipelinePrepareCountMax must be at least 1");
            int eager = eagerPrepareCountMax == 0 ? pipelinePrepareCountMax : eagerPrepareCountMax;
            require(eager >= 1 && eager <= pipelinePrepareCountMax,
                    "eagerPrepareCountMax must be 0 (the pipeline's depth) or in [1, pipelinePrepareCountMax]");
            require(batchRequestCountMax >= 1, "batchRequestCountMax must be at least 1");
            // The smallest request is a registration, with an empty operation.
            require(batchSizeBytesMax >= Request.OVERHEAD_SIZE_BYTES, "batchSizeBytesMax must be at least "
                    + Request.OVERHEAD_SIZE_BYTES + " (one empty request)");
            require(journalBodySizeBytesMax <= ENTRY_BODY_SIZE_BYTES_MAX,
                    "journalBodySizeBytesMax must be at most " + ENTRY_BODY_SIZE_BYTES_MAX);
            // A primary that batched more than a journal holds would stop every replica's storage
            // at the first such prepare (a write error), the primary's own included.
            require(batchSizeBytesMax <= journalBodySizeBytesMax, "batchSizeBytesMax (" + batchSizeBytesMax
                    + ") must be at most journalBodySizeBytesMax (" + journalBodySizeBytesMax
                    + "): every batch must fit the journals it is written to");
            require(requestQueueCountMax >= 1, "requestQueueCountMax must be at least 1");
            require(clientTableSessionsMax >= 1, "clientTableSessionsMax must be at least 1");
            // A catching-up replica must be able to receive the whole uncommitted suffix of a
            // peer in one NewState, and that suffix can be a full pipeline long.
            require(stateTransferOpsMax >= pipelinePrepareCountMax,
                    "stateTransferOpsMax must be at least pipelinePrepareCountMax");
            // A log change names its new entries by header in the superblock, which holds this many.
            require(stateTransferOpsMax <= LOG_CHANGE_ENTRIES_MAX,
                    "stateTransferOpsMax must be at most " + LOG_CHANGE_ENTRIES_MAX + " (a log change's entries, by header, fill one superblock copy)");
            require(checkpointIntervalOps >= 0, "checkpointIntervalOps must be 0 (no checkpoints) or positive");
            require(journalSlotCount >= 0, "journalSlotCount must be 0 (no journal) or positive");
            // The checkpoint after the durable one must be taken and made durable before the ring
            // needs the slots of the ops the durable one covers again: two intervals and a pipeline.
            require(journalSlotCount == 0 || checkpointIntervalOps == 0
                    || journalSlotCount >= 2L * checkpointIntervalOps + pipelinePrepareCountMax,
                    "journalSlotCount (" + journalSlotCount + ") must be at least 2 * checkpointIntervalOps ("
                    + checkpointIntervalOps + ") + pipelinePrepareCountMax (" + pipelinePrepareCountMax + ")");
            require(commitIntervalTicks >= 1, "commitIntervalTicks must be at least 1");
            require(prepareRetransmitTicks >= 1, "prepareRetransmitTicks must be at least 1");
            // A backup must hear several heartbeats before it suspects the primary.
            require(normalTimeoutTicks > 2 * commitIntervalTicks,
                    "normalTimeoutTicks must exceed twice commitIntervalTicks");
            require(viewChangeTimeoutTicks > viewChangeRetransmitTicks,
                    "viewChangeTimeoutTicks must exceed viewChangeRetransmitTicks");
            require(viewChangeRetransmitTicks >= 1, "viewChangeRetransmitTicks must be at least 1");
            require(viewChangeBackoffExponentMax >= 0 && viewChangeBackoffExponentMax <= 16,
                    "viewChangeBackoffExponentMax must be in [0, 16]");
            require(stateTransferRetransmitTicks >= 1, "stateTransferRetransmitTicks must be at least 1");
            return new ClusterConfig(clusterId, replicaCount, pipelinePrepareCountMax, eager, batchRequestCountMax,
                    batchSizeBytesMax, journalBodySizeBytesMax, requestQueueCountMax, clientTableSessionsMax, stateTransferOpsMax,
                    checkpointIntervalOps, journalSlotCount, commitIntervalTicks, prepareRetransmitTicks, normalTimeoutTicks, viewChangeTimeoutTicks,
                    viewChangeRetransmitTicks, viewChangeBackoffExponentMax, stateTransferRetransmitTicks, canaries);
        }

        private static void require(boolean condition, String message) {
            if (!condition) throw new IllegalArgumentException(message);
        }
    }
}
