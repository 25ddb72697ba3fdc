package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvLimits;
import dev.viewstamp.kv.KvStateMachine;
import java.util.Set;

/**
 * What a seed's cluster is made of: its {@link ClusterConfig}, drawn from the seed's generator
 * after its fault mix (batches, pipeline and state transfers small or large, timeouts short or
 * long, checkpoint interval and journal ring), the service each replica runs, and the fixed limits
 * the {@link Simulator} builds both from.
 */
final class SeedConfig {
    static final int KEY_SIZE_BYTES_MAX = 32;
    static final int VALUE_SIZE_BYTES_MAX = 96;
    /**
     * The roomy journal half the seeds get: a run commits a few hundred ops at most, so its ring
     * never wraps. The other half get a ring barely larger than checkpoints need (docs/CHECKPOINTS.md,
     * section 4), which wraps many times in a run.
     */
    private static final int JOURNAL_SLOT_COUNT_ROOMY = 2048;
    /**
     * Checkpoint intervals a seed draws from: small, since a seed commits from a handful of ops to
     * a few hundred, so that nearly every seed checkpoints and compacts many times, and a lagging
     * replica often finds the ops it needs compacted away (state sync). 1 checkpoints every op.
     */
    private static final int CHECKPOINT_INTERVAL_OPS_MIN = 1;
    private static final int CHECKPOINT_INTERVAL_OPS_MAX = 12;
    /**
     * The state-sync chunk replicas serve: small, so that the key-value store's small checkpoint
     * files (a few hundred bytes to a few KiB) take several chunks, and a fetch that moves to
     * another peer, resumes or starts over does so mid-file.
     */
    static final int SYNC_CHUNK_SIZE_BYTES = 128;
    /** Far more ops than a model-scope run's few requests make: no checkpoint is taken. */
    private static final int MODEL_SCOPE_CHECKPOINT_INTERVAL_OPS = 256;
    /**
     * The journal's body limit and the batch limit. A batch of at most 8 requests of at most a key,
     * a value and their framing each stays far below it, so the count bounds batches.
     */
    private static final int JOURNAL_BODY_SIZE_BYTES_MAX = 4096;

    private SeedConfig() {
    }

    /**
     * The cluster's limits and timeouts, drawn from the seed's generator after its fault mix:
     * batches, pipeline and state transfers small or large, timeouts short or long.
     */
    static ClusterConfig draw(long seed, Prng prng, FaultMix mix, Set<Canary> canaries) {
        return draw(seed, prng, mix, canaries, false);
    }

    /**
     * As {@link #draw(long, Prng, FaultMix, Set)}; within the TLA+ model's scope (every draw made
     * all the same) a pipeline of at most two, every batch sent at once, state transfers that carry
     * every op, sessions for every client and no checkpoint within the run.
     */
    static ClusterConfig draw(long seed, Prng prng, FaultMix mix, Set<Canary> canaries, boolean modelScope) {
        int sessionsMax = prng.chance(0.2) ? Math.max(1, mix.workload().clientCount() - 1) : 64;
        int pipelineMax = (int) prng.between(1, 8);
        // Small state transfers (as small as the pipeline allows) take a lagging replica through
        // many partial NewStates: committed entries of a newer view installed under an old view,
        // the state that a crash or a stale primary must not corrupt.
        int stateTransferOpsMax = prng.chance(0.5) ? (int) prng.between(pipelineMax, pipelineMax + 4)
                : (int) prng.between(Math.max(8, pipelineMax), 32);
        // From a generator of its own, so that the seed's other draws are what they were before
        // checkpoints: the interval changes what a run does, not what it draws.
        Prng checkpointDraws = new Prng(seed ^ 0x4348_4B50_545F_494EL);
        int checkpointIntervalOps = (int) checkpointDraws.between(CHECKPOINT_INTERVAL_OPS_MIN,
                CHECKPOINT_INTERVAL_OPS_MAX);
        // A tight ring: the fewest slots the configuration allows (two intervals and a pipeline)
        // and a little more, so slots are reused while the ops they held are still needed by a
        // lagging replica, and a primary waits for a durable checkpoint to free the next slot.
        int slotCountMin = 2 * checkpointIntervalOps + pipelineMax;
        int journalSlotCount = checkpointDraws.chance(0.5) ? JOURNAL_SLOT_COUNT_ROOMY
                : (int) checkpointDraws.between(slotCountMin, slotCountMin + 2 * checkpointIntervalOps + 8);
        // Adaptive batching (ClusterConfig.eagerPrepareCountMax), from a generator of its own like
        // the interval: three in four seeds send every batch at once, as before it existed; the others
        // hold partial batches back from some depth on, as the runtime does from depth 1. (Not half:
        // batching takes fewer ops for the same requests, and a population with half its seeds
        // batched needed 729 seeds to catch canary READ_HEADER_RING_WHOLE.)
        Prng batchingDraws = new Prng(seed ^ 0x4541_4745_525F_5052L);
        int eagerPrepareCountMax = batchingDraws.chance(0.75) ? pipelineMax : (int) batchingDraws.between(1, pipelineMax);
        if (modelScope) {
            pipelineMax = Math.min(pipelineMax, 2);
            eagerPrepareCountMax = pipelineMax;
            stateTransferOpsMax = 64;
            sessionsMax = 64;
            checkpointIntervalOps = MODEL_SCOPE_CHECKPOINT_INTERVAL_OPS;
            journalSlotCount = JOURNAL_SLOT_COUNT_ROOMY;
        }
        ClusterConfig config = ClusterConfig.builder()
                .clusterId(seed & 0xFFFF)
                .replicaCount(mix.replicaCount())
                .pipelinePrepareCountMax(pipelineMax)
                .eagerPrepareCountMax(eagerPrepareCountMax)
                .batchRequestCountMax((int) prng.between(1, 8))
                .journalBodySizeBytesMax(JOURNAL_BODY_SIZE_BYTES_MAX)
                .batchSizeBytesMax(JOURNAL_BODY_SIZE_BYTES_MAX)
                .stateTransferOpsMax(stateTransferOpsMax)
                .clientTableSessionsMax(sessionsMax)
                // Timeouts drawn per seed: short ones make view changes (and races among them)
                // common, long ones exercise retransmission within a view.
                .commitIntervalTicks(10)
                .normalTimeoutTicks((int) prng.between(30, 200))
                .viewChangeTimeoutTicks((int) prng.between(40, 200))
                .viewChangeRetransmitTicks((int) prng.between(5, 30))
                .prepareRetransmitTicks((int) prng.between(5, 40))
                .stateTransferRetransmitTicks((int) prng.between(5, 60))
                .checkpointIntervalOps(checkpointIntervalOps)
                .journalSlotCount(journalSlotCount)
                .canariesForTesting(canaries)
                .build();
        // Every command the workload sends fits a batch: SimClient takes a TOO_LARGE reply for a bug.
        long commandSizeBytesMax = new KvLimits(KEY_SIZE_BYTES_MAX, VALUE_SIZE_BYTES_MAX).commandSizeBytesMax();
        Check.that(Request.OVERHEAD_SIZE_BYTES + commandSizeBytesMax <= config.batchSizeBytesMax(),
                "the workload's commands fit a batch");
        return config;
    }

    /** The service every replica runs, a new one at each start and restart: the key-value store. */
    static KvStateMachine stateMachine() {
        return new KvStateMachine(new KvLimits(KEY_SIZE_BYTES_MAX, VALUE_SIZE_BYTES_MAX));
    }
}
