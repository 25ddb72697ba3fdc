package dev.viewstamp.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes the wire format shared by {@link KvCommand} and {@link KvResult}: one tag byte, then
 * fields in a fixed order. A field is a 4-byte big-endian length and that many bytes; a flag is one
 * byte, 0 or 1. Example: {@code Put("a", "xy")} is {@code 02 | 00000001 61 | 00000002 78 79}.
 */
final class FieldWriter {

    /** The length written for a null field, so that "absent" and "empty" stay apart on the wire. */
    static final int NULL_LENGTH = -1;

    static final int LENGTH_SIZE_BYTES = Integer.BYTES;

    private byte[] bytes = new byte[64];
    private int sizeBytes;

    FieldWriter(byte tag) {
        reserve(1);
        bytes[sizeBytes++] = tag;
    }

    FieldWriter field(byte[] field) {
        Objects.requireNonNull(field, "field");
        writeLength(field.length);
        reserve(field.length);
        System.arraycopy(field, 0, bytes, sizeBytes, field.length);
        sizeBytes += field.length;
        return this;
    }

    /** A field that may be null, such as the missing value of a {@code Get}. */
    FieldWriter fieldOrNull(byte[] field) {
        if (field != null) return field(field);
        writeLength(NULL_LENGTH);
        return this;
    }

    /** A string field, in UTF-8. */
    FieldWriter text(String text) {
        return field(text.getBytes(StandardCharsets.UTF_8));
    }

    FieldWriter flag(boolean flag) {
        reserve(1);
        bytes[sizeBytes++] = (byte) (flag ? 1 : 0);
        return this;
    }

    byte[] toBytes() {
        return Arrays.copyOf(bytes, sizeBytes);
    }

    private void writeLength(int length) {
        reserve(LENGTH_SIZE_BYTES);
        bytes[sizeBytes++] = (byte) (length >>> 24);
        bytes[sizeBytes++] = (byte) (length >>> 16);
        bytes[sizeBytes++] = (byte) (length >>> 8);
        bytes[sizeBytes++] = (byte) length;
    }

    private void reserve(int moreSizeBytes) {
        // addExact: a field near 2 GiB must fail loudly, not wrap and corrupt the buffer.
        int neededSizeBytes = Math.addExact(sizeBytes, moreSizeBytes);
        if (neededSizeBytes > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(neededSizeBytes, 2 * bytes.length));
        }
    }
}
