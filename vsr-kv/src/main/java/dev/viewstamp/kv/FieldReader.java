package dev.viewstamp.kv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the format that {@link FieldWriter} writes, from untrusted bytes. Every read checks the
 * remaining size first, so malformed input ends in a {@link KvFormatException} that names the
 * record and field, never in an {@link ArrayIndexOutOfBoundsException}. A length is checked
 * against the remaining bytes before anything is allocated, so a claimed length of 2 GiB in a
 * 10-byte input costs nothing.
 */
final class FieldReader {

    private final byte[] bytes;
    private final String what;
    private int offset;

    /**
     * @param bytes the whole input, tag byte included
     * @param what the record being read, for messages, e.g. {@code "Put"}
     */
    FieldReader(byte[] bytes, String what) {
        this.bytes = bytes;
        this.what = what;
        this.offset = 1; // The caller has read the tag byte.
    }

    byte[] field(String name) throws KvFormatException {
        int length = readLength(name);
        if (length < 0) throw new KvFormatException(what + ": " + name + " length " + length + " is negative");
        return readBytes(name, length);
    }

    /** A field that {@link FieldWriter#fieldOrNull} wrote: null for {@link FieldWriter#NULL_LENGTH}. */
    byte[] fieldOrNull(String name) throws KvFormatException {
        int length = readLength(name);
        if (length == FieldWriter.NULL_LENGTH) return null;
        if (length < 0) {
            throw new KvFormatException(
                    what + ": " + name + " length " + length + " is negative and not the null marker "
                            + FieldWriter.NULL_LENGTH);
        }
        return readBytes(name, length);
    }

    /** A string field, which must be valid UTF-8 so that it round-trips exactly. */
    String text(String name) throws KvFormatException {
        byte[] field = field(name);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(field))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new KvFormatException(what + ": " + name + " is not valid UTF-8");
        }
    }

    boolean flag(String name) throws KvFormatException {
        if (remaining() < 1) throw new KvFormatException("truncated " + what + ": " + name + " flag is missing");
        byte flag = bytes[offset++];
        if (flag == 0) return false;
        if (flag == 1) return true;
        throw new KvFormatException(what + ": " + name + " flag " + flag + " is neither 0 nor 1");
    }

    /** Rejects trailing bytes, so each record has exactly one encoding. */
    void end() throws KvFormatException {
        if (remaining() > 0) {
            String bytesText = remaining() == 1 ? " trailing byte" : " trailing bytes";
            throw new KvFormatException(what + ": " + remaining() + bytesText + " after the last field");
        }
    }

    private int readLength(String name) throws KvFormatException {
        if (remaining() < Integer.BYTES) {
            throw new KvFormatException(
                    "truncated " + what + ": " + name + " length needs " + Integer.BYTES + " bytes, "
                            + remaining() + " remaining");
        }
        int length = (bytes[offset] & 0xFF) << 24
                | (bytes[offset + 1] & 0xFF) << 16
                | (bytes[offset + 2] & 0xFF) << 8
                | (bytes[offset + 3] & 0xFF);
        offset += Integer.BYTES;
        return length;
    }

    private byte[] readBytes(String name, int length) throws KvFormatException {
        if (length > remaining()) {
            throw new KvFormatException(
                    "truncated " + what + ": " + name + " length " + length + " > " + remaining() + " remaining bytes");
        }
        byte[] field = Arrays.copyOfRange(bytes, offset, offset + length);
        offset += length;
        return field;
    }

    private int remaining() {
        return bytes.length - offset;
    }
}
