package dev.viewstamp.kv;

/**
 * Size limits of the store. A command whose key or value is over a limit, or whose append would
 * make a value grow over it, gets an {@link KvResult.Failure} and changes nothing. The limits are
 * part of the replicated configuration: replicas with different limits would diverge.
 *
 * @param keySizeBytesMax the largest key, in bytes; positive
 * @param valueSizeBytesMax the largest value, in bytes, including after an append; positive
 */
public record KvLimits(int keySizeBytesMax, int valueSizeBytesMax) {

    /** 256 bytes per key and 64 KiB per value. */
    public static KvLimits defaults() {
        return new KvLimits(256, 64 * 1024);
    }

    /**
     * Bytes of the longest command these limits accept, encoded as clients send it: a
     * compare-and-set with the largest key, expected value and value. The replicated log carries
     * commands in batches, so with its request overhead ({@code Request.OVERHEAD_SIZE_BYTES}) this
     * must be at most the cluster's {@code batchSizeBytesMax}; otherwise the largest valid commands
     * get a {@code TOO_LARGE} reply instead of running. The defaults fit the core's default batch.
     */
    public long commandSizeBytesMax() {
        return CommandCodec.sizeBytesMax(this);
    }

    public KvLimits {
        if (keySizeBytesMax <= 0) {
            throw new IllegalArgumentException("keySizeBytesMax must be positive: " + keySizeBytesMax);
        }
        if (valueSizeBytesMax <= 0) {
            throw new IllegalArgumentException("valueSizeBytesMax must be positive: " + valueSizeBytesMax);
        }
    }
}
