package dev.viewstamp.codec;

import dev.viewstamp.core.message.Entry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one frame: room for the header first, then the body's fields, little-endian, in the
 * order the caller puts them. {@link BodyReader} reads them back in the same order. The buffer
 * grows as needed; {@link #frame} returns exactly the bytes written.
 */
final class BodyWriter {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private long clusterId;
    private byte[] bytes;
    private int position;

    /** A writer whose body starts after {@code headerSizeBytes} zero bytes, for a frame of cluster {@code clusterId}. */
    BodyWriter(int headerSizeBytes, long clusterId) {
        this.clusterId = clusterId;
        this.bytes = new byte[headerSizeBytes + 256];
        this.position = headerSizeBytes;
    }

    /**
     * Starts another frame in the same buffer (a writer one thread reuses): {@code headerSizeBytes}
     * zero bytes of header room, then the body of a frame of cluster {@code clusterId}.
     */
    BodyWriter reset(int headerSizeBytes, long clusterId) {
        this.clusterId = clusterId;
        if (bytes.length < headerSizeBytes) bytes = new byte[headerSizeBytes + 256];
        java.util.Arrays.fill(bytes, 0, headerSizeBytes, (byte) 0);
        position = headerSizeBytes;
        return this;
    }

    /** The buffer, holding the frame in its first {@link #length} bytes (until the next write or reset). */
    byte[] array() {
        return bytes;
    }

    /** Bytes written so far, header room included. */
    int length() {
        return position;
    }

    BodyWriter i64(long value) {
        ensure(Long.BYTES);
        LONGS.set(bytes, position, value);
        position += Long.BYTES;
        return this;
    }

    BodyWriter i32(int value) {
        ensure(Integer.BYTES);
        INTS.set(bytes, position, value);
        position += Integer.BYTES;
        return this;
    }

    BodyWriter u8(int value) {
        ensure(1);
        bytes[position++] = (byte) value;
        return this;
    }

    BodyWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    /** A byte array: its length (u32), then its bytes. */
    BodyWriter bytes(byte[] value) {
        i32(value.length);
        return raw(value);
    }

    /** A crash vector: its length (u32), then one i64 per replica. */
    BodyWriter crashVector(long[] crashVector) {
        i32(crashVector.length);
        for (long incarnation : crashVector) i64(incarnation);
        return this;
    }

    /** A crash vector that may be null: a presence byte (0 or 1), then the vector when present. */
    BodyWriter crashVectorOrNull(long[] crashVector) {
        bool(crashVector != null);
        return crashVector == null ? this : crashVector(crashVector);
    }

    /** One entry in {@link EntryCodec}'s format, as the journal stores it (write sequence 0). */
    BodyWriter entry(Entry entry) {
        int sizeBytes = entry.sizeBytes();
        ensure(sizeBytes);
        EntryCodec.encode(entry, clusterId, 0, bytes, position);
        position += sizeBytes;
        return this;
    }

    /** A list of entries: the count (u32), then each entry. */
    BodyWriter entries(List<Entry> entries) {
        i32(entries.size());
        for (Entry entry : entries) entry(entry);
        return this;
    }

    /** The frame: header room and body, exactly as long as what was written. */
    byte[] frame() {
        return Arrays.copyOf(bytes, position);
    }

    private BodyWriter raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, position, value.length);
        position += value.length;
        return this;
    }

    private void ensure(int sizeBytes) {
        if (bytes.length - position >= sizeBytes) return;
        long needed = (long) position + sizeBytes;
        if (needed > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("frame larger than an array: " + needed);
        bytes = Arrays.copyOf(bytes, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 8, 2L * bytes.length)));
    }
}
