package dev.viewstamp.sim;

/** The verdict on one seed, with what it covered. */
public record SimResult(long seed, FaultMix mix, String faults, Outcome outcome, String message, long opsCommitted,
        long viewChanges, long crashes, long ticks, Coverage coverage) {

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
