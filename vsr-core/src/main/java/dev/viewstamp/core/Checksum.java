package dev.viewstamp.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A fast 64-bit checksum for message bodies and log entries, with strong avalanche (every input
 * bit affects every output bit), so accidental corruption and forked logs are detected. It is not
 * a cryptographic hash: it protects against faults, not against an adversary.
 *
 * <p>Usage: {@code new Checksum().add(view).add(op).add(bytes).value()}. Field order matters and
 * byte arrays are length-prefixed, so distinct field sequences give distinct inputs.
 */
public final class Checksum {
    /** Eight bytes of an array as one little-endian long: byte {@code j} of a word in bits {@code 8j..8j+7}. */
    private static final VarHandle LITTLE_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private long h = 0x27D4EB2F165667C5L;
    private long length;

    public Checksum add(long v) {
        h = Long.rotateLeft(h ^ mix(v), 27) * P1 + P2;
        length++;
        return this;
    }

    public Checksum add(byte[] bytes) {
        return add(bytes, 0, bytes.length);
    }

    /** Adds {@code length} bytes of {@code bytes} from {@code offset}, length-prefixed. */
    public Checksum add(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside " + bytes.length + " bytes");
        }
        add(length);
        int i = offset;
        int end = offset + length;
        for (; i + 8 <= end; i += 8) add((long) LITTLE_ENDIAN_LONGS.get(bytes, i));
        long tail = 0;
        for (int j = 0; i < end; i++, j++) tail |= (bytes[i] & 0xFFL) << (8 * j);
        return add(tail);
    }

    /** The checksum of one byte range. */
    public static long of(byte[] bytes, int offset, int length) {
        return new Checksum().add(bytes, offset, length).value();
    }

    public long value() {
        return mix(h ^ length);
    }

    /** MurmurHash3's 64-bit finaliser: a bijective mix with full avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
