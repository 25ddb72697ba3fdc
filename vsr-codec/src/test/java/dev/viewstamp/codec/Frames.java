package dev.viewstamp.codec;

import dev.viewstamp.core.Checksum;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Forges frames for tests: changes header fields or body bytes, and seals the result again with
 * fresh checksums, so a test reaches the check behind the checksums instead of stopping at them.
 */
final class Frames {
    static final int MAGIC_OFFSET = 16;
    static final int VERSION_OFFSET = 20;
    static final int KIND_OFFSET = 22;
    static final int CLUSTER_OFFSET = 24;
    static final int BODY_SIZE_OFFSET = 32;
    static final int RESERVED_OFFSET = 36;

    private Frames() {}

    static ByteBuffer le(byte[] frame) {
        return ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Rewrites the body size to what follows the header, then the body checksum, then the header
     * checksum: the frame then passes every check that its fields themselves do not break.
     */
    static byte[] reseal(byte[] frame) {
        if (frame.length < WireFormat.HEADER_SIZE_BYTES) return frame;
        int bodySizeBytes = frame.length - WireFormat.HEADER_SIZE_BYTES;
        le(frame).putInt(BODY_SIZE_OFFSET, bodySizeBytes)
                .putLong(8, Checksum.of(frame, WireFormat.HEADER_SIZE_BYTES, bodySizeBytes));
        return resealHeader(frame);
    }

    /** Rewrites only the header checksum, over whatever the header now says. */
    static byte[] resealHeader(byte[] frame) {
        le(frame).putLong(0, Checksum.of(frame, 8, WireFormat.HEADER_SIZE_BYTES - 8));
        return frame;
    }

    /** A copy of {@code frame} whose body is {@code body}, sealed. */
    static byte[] withBody(byte[] frame, byte[] body) {
        byte[] forged = Arrays.copyOf(frame, WireFormat.HEADER_SIZE_BYTES + body.length);
        System.arraycopy(body, 0, forged, WireFormat.HEADER_SIZE_BYTES, body.length);
        return reseal(forged);
    }

    static byte[] body(byte[] frame) {
        return Arrays.copyOfRange(frame, WireFormat.HEADER_SIZE_BYTES, frame.length);
    }
}
