package dev.viewstamp.sim;

import dev.viewstamp.check.Operation;
import java.util.List;

/**
 * The verdict on one seed, with what it covered.
 *
 * @param faults the seed's fault mix and directed faults, as one line
 * @param checkpointIntervalOps the interval the seed drew (0 when it failed before drawing one)
 * @param history what the clients saw, for a seed that failed (empty for one that passed), so the
 *     failure can be checked again or kept as a test's input
 */
public record SimResult(long seed, FaultMix mix, String faults, Outcome outcome, String message, long opsCommitted,
        long viewChanges, long crashes, long ticks, Coverage coverage, int checkpointIntervalOps, List<Operation> history) {

    public enum Outcome {
        PASSED,
        /** A checker found a safety violation: agreement, linearizability, divergence or a core invariant. */
        SAFETY,
        /** The cluster did not converge in time after every fault healed. */
        LIVENESS,
        /** The implementation (or the simulator) threw an exception that is not an assertion. */
        EXCEPTION,
        /**
         * The linearizability checker ran out of budget on the history: nothing failed that is
         * known, but safety is not shown either.
         */
        UNDECIDED
    }

    public boolean passed() {
        return outcome == Outcome.PASSED;
    }
}
