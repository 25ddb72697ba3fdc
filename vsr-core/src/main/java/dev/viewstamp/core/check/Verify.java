package dev.viewstamp.core.check;

/**
 * Gate for expensive invariant checks (log scans, checksum recomputation). Set by the system
 * property {@code vsr.verify=true}; the tests and the simulator turn it on, production leaves it
 * off and the JIT removes the dead branches.
 */
public final class Verify {
    private Verify() {}

    public static final boolean ENABLED = Boolean.getBoolean("vsr.verify");
}
