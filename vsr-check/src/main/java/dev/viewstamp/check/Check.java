package dev.viewstamp.check;

/**
 * Cheap invariant checks that are always on, as {@code dev.viewstamp.core.check.Check} does for the
 * protocol. The checker keeps its own copy so that this module depends on the JDK only: the
 * end-to-end tests and outside users take the checker without the protocol core. A failed check
 * throws {@link AssertionError}, with the same message as vsr-core's.
 */
final class Check {
    private Check() {}

    /** Throws {@link AssertionError} with {@code what} when {@code condition} is false. */
    static void that(boolean condition, String what) {
        if (!condition) throw new AssertionError("invariant violated: " + what);
    }
}
