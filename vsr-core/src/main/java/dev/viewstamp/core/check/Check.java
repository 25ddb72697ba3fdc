package dev.viewstamp.core.check;

/**
 * Cheap invariant checks that are always on. A failed check throws {@link AssertionError}, which
 * no {@code catch (Exception)} hides: a replica that breaks an invariant must stop, not continue
 * with corrupt state.
 */
public final class Check {
    private Check() {}

    /** Throws {@link AssertionError} with {@code what} when {@code condition} is false. */
    public static void that(boolean condition, String what) {
        if (!condition) throw new AssertionError("invariant violated: " + what);
    }

    /** Like {@link #that(boolean, String)}, with two numbers in the message, built only on failure. */
    public static void that(boolean condition, String what, long a, long b) {
        if (!condition) throw new AssertionError("invariant violated: " + what + " (" + a + ", " + b + ")");
    }
}
