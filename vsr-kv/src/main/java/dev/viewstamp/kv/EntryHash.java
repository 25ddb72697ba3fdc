package dev.viewstamp.kv;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A well-mixed 64-bit hash of one (key, value) entry. {@link KvStateMachine} sums these over all
 * entries to get its state checksum.
 *
 * <p>Why a sum of strong per-entry hashes: a sum does not depend on the order of the entries, so
 * the checksum ignores the HashMap's iteration order and the order in which keys were written;
 * and it can be kept up to date in O(1) per write by subtracting the old entry's hash and adding
 * the new one. Because each entry hash is well mixed, two different states give equal sums only
 * by a 64-bit accident.
 *
 * <p>The rounds follow xxHash64's and the final mix is MurmurHash3's {@code fmix64}. Words are read
 * little-endian explicitly, so every platform computes the same value.
 */
final class EntryHash {
    private EntryHash() {}

    private static final long PRIME_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME_4 = 0x85EBCA77C2B2AE63L;
    private static final long SEED = 0x5653522D4B560001L; // "VSR-KV", version 1.
    /** Another seed for expiries, so that no expiry hash is an entry hash by construction. */
    private static final long EXPIRY_SEED = 0x5653522D4B565454L; // "VSR-KVTT".

    private static final VarHandle LONG_LITTLE_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static long of(byte[] key, byte[] value) {
        // Each part starts with its length, so ("ab", "c") and ("a", "bc") hash apart.
        long hash = absorb(SEED, key);
        hash = absorb(hash, value);
        return finish(hash);
    }

    /**
     * A well-mixed 64-bit hash of one key's expiry time. The state checksum adds one per key that
     * has an expiry, so two stores with the same entries but different expiries differ.
     */
    static long ofExpiry(byte[] key, long expireAtMs) {
        return finish(round(absorb(EXPIRY_SEED, key), expireAtMs));
    }

    private static long absorb(long hash, byte[] bytes) {
        hash = round(hash, bytes.length);
        int index = 0;
        for (; index + Long.BYTES <= bytes.length; index += Long.BYTES) {
            hash = round(hash, (long) LONG_LITTLE_ENDIAN.get(bytes, index));
        }
        long tail = 0;
        for (int shift = 0; index < bytes.length; index++, shift += Byte.SIZE) {
            tail |= (bytes[index] & 0xFFL) << shift;
        }
        // The length was absorbed first, so a zero-padded tail cannot collide with real zeros.
        return round(hash, tail);
    }

    private static long round(long hash, long word) {
        hash ^= Long.rotateLeft(word * PRIME_2, 31) * PRIME_1;
        return Long.rotateLeft(hash, 27) * PRIME_1 + PRIME_4;
    }

    private static long finish(long hash) {
        hash ^= hash >>> 33;
        hash *= 0xFF51AFD7ED558CCDL;
        hash ^= hash >>> 33;
        hash *= 0xC4CEB9FE1A85EC53L;
        hash ^= hash >>> 33;
        return hash;
    }
}
