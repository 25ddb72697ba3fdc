package dev.viewstamp.sim;

import dev.viewstamp.sim.check.Operation;
import java.util.List;

/**
 * The verdict on one seed, with what it covered.
 *
 * @param history what the clients saw, for a seed that failed (empty for one that passed), so the
 *     failure can be checked again or kept as a test's input
 */
public record SimResult(long seed, FaultMix mix, Outcome outcome, String message, long opsCommitted, long viewChanges,
        long crashes, long ticks, Coverage coverage, List<Operation> history) {

    public enum Outcome {
        PASSED,
        /** A checker found a safety violation: agreement, linearizability, divergence or a core invariant. */
        SAFETY,
        /** The cluster did not converge in time after every fault healed. */
        LIVENESS
    }

    public boolean passed() {
        return outcome == Outcome.PASSED;
    }
}
