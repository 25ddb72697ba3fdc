package dev.viewstamp.core;

/**
 * The only source of randomness the core may use: a seeded, allocation-free generator
 * (SplitMix64). The driver injects it, so one seed reproduces one run exactly. It is not a
 * cryptographic generator and must never be used for anything secret.
 */
public final class Prng {
    private long state;

    public Prng(long seed) {
        this.state = seed;
    }

    /** Returns the next 64 pseudo-random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Returns a value in {@code [0, bound)}; {@code bound} must be positive. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        return (int) Long.remainderUnsigned(nextLong(), bound);
    }

    /** Returns a value in {@code [min, max]} (both inclusive). */
    public long between(long min, long max) {
        if (max < min) throw new IllegalArgumentException("max < min: " + max + " < " + min);
        long span = max - min + 1; // 0 when the range is all 2^64 longs
        return span == 0 ? nextLong() : min + Long.remainderUnsigned(nextLong(), span);
    }

    /** Returns a double in {@code [0, 1)}. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Returns true with probability {@code p}. */
    public boolean chance(double p) {
        return p > 0 && nextDouble() < p;
    }

    /** A new generator whose stream is independent of this one's from here on. */
    public Prng fork() {
        return new Prng(nextLong());
    }
}
