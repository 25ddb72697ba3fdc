package dev.viewstamp.codec;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.check.Verify;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.replica.ClusterConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The versioned binary frame every replica and client connection carries: a fixed 40-byte header,
 * then a body of the header's kind. docs/WIRE.md lays out every field; in short (little-endian):
 *
 * <pre>
 *   0  u64 headerChecksum   checksum of header bytes 8..39
 *   8  u64 bodyChecksum     checksum of the body's bytes
 *  16  u32 magic 'VSRW'     20 u16 version   22 u16 kind
 *  24  u64 clusterId
 *  32  u32 bodySizeBytes    36 u32 reserved (0)
 * body: the record's components in declaration order (see MessageBody), or a Hello's role and id
 * </pre>
 *
 * <p>A reader takes {@link #HEADER_SIZE_BYTES} bytes, asks {@link #bodySize} how many more to read
 * (refused above its limit before it buffers anything), then hands the whole frame to
 * {@link #decode}. Decoding is strict: every field is bounded, the body must decode to exactly its
 * size, and the record is rebuilt through its constructor. Any failure is a {@link CodecException}
 * whose message a log line can print, and the caller closes that connection; no other exception
 * leaves a decoder for any bytes.
 *
 * <p>The header is checked in this order: magic and version first, because they say whether the
 * rest (checksum included) is in a format we know, so a peer speaking another protocol or version
 * is named as such rather than as a checksum mismatch; then the header checksum; then the fields it
 * protects (reserved bytes, cluster id, kind, body size).
 */
public final class WireFormat {
    public static final int HEADER_SIZE_BYTES = 40;
    public static final int MAGIC = 0x57525356; // "VSRW" little-endian
    public static final short VERSION = 1;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int HELLO_BODY_SIZE_BYTES = 1 + Long.BYTES;

    private WireFormat() {}

    /** One frame: header then body, for {@code message} of cluster {@code clusterId}. */
    public static byte[] encode(long clusterId, Message message) {
        byte[] frame = encodeFrame(clusterId, message);
        if (Verify.ENABLED) {
            // Pair the checks across the boundary: what we send must decode, under the receiver's
            // rules, to a message that encodes to the very same bytes.
            try {
                Message decoded = decode(frame, 0, frame.length, clusterId, Integer.MAX_VALUE);
                Check.that(Arrays.equals(encodeFrame(clusterId, decoded), frame), "an encoded frame decodes to itself");
            } catch (CodecException e) {
                throw new AssertionError("an encoded " + message.getClass().getSimpleName() + " does not decode: "
                        + e.getMessage(), e);
            }
        }
        return frame;
    }

    /** The handshake frame: the first frame on every connection (see {@link Hello}). */
    public static byte[] encodeHello(Hello hello) {
        BodyWriter w = new BodyWriter(HEADER_SIZE_BYTES, hello.clusterId());
        w.u8(roleCode(hello.role())).i64(hello.id());
        byte[] frame = w.frame();
        Check.that(frame.length == HEADER_SIZE_BYTES + HELLO_BODY_SIZE_BYTES, "a Hello body is fixed",
                frame.length - HEADER_SIZE_BYTES, HELLO_BODY_SIZE_BYTES);
        seal(frame, frame.length, FrameKind.HELLO, hello.clusterId());
        return frame;
    }

    /**
     * A replica's status for its peers (kind 19, {@link StatusReport}): sent on replica links
     * only, after the Hello; a receiver tells it from a message with {@link #isStatus} and decodes
     * it with {@link #decodeStatus}, never with {@link #decode}, so it cannot reach the core.
     */
    public static byte[] encodeStatus(long clusterId, StatusReport report) {
        BodyWriter w = new BodyWriter(HEADER_SIZE_BYTES, clusterId);
        w.i32(report.replica()).u8(StatusReport.statusCode(report.status())).i64(report.view()).i64(report.op())
                .i64(report.commit()).i64(report.checkpointOp()).i64(report.stateChecksum()).i64(report.syncCount());
        byte[] frame = w.frame();
        Check.that(frame.length == HEADER_SIZE_BYTES + StatusReport.BODY_SIZE_BYTES, "a status body is fixed",
                frame.length - HEADER_SIZE_BYTES, StatusReport.BODY_SIZE_BYTES);
        seal(frame, frame.length, FrameKind.STATUS, clusterId);
        return frame;
    }

    /**
     * Whether the header at {@code offset}, which {@link #bodySize} accepted, names a status frame:
     * then {@link #decodeStatus} decodes it, else {@link #decode}.
     */
    public static boolean isStatus(byte[] header, int offset) {
        return kindAt(header, offset) == FrameKind.STATUS;
    }

    /**
     * Decodes a status frame at {@code offset}: every check of {@link #decode}, a body of exactly
     * {@link StatusReport#BODY_SIZE_BYTES}, a replica index below {@code REPLICAS_MAX}, a known
     * status code and no negative count.
     *
     * @throws CodecException with a reason a log line can print; also for any frame but a status
     */
    public static StatusReport decodeStatus(byte[] frame, int offset, int length, long clusterId) throws CodecException {
        checkHeaderIn(frame, offset, length);
        bodySize(frame, offset, clusterId, Integer.MAX_VALUE);
        FrameKind kind = kindAt(frame, offset);
        if (kind != FrameKind.STATUS) {
            throw new CodecException(CodecException.Kind.MALFORMED, kind + ": not a status frame");
        }
        checkFrame(frame, offset, length, clusterId, StatusReport.BODY_SIZE_BYTES);
        BodyReader r = new BodyReader(frame, offset + HEADER_SIZE_BYTES, length - HEADER_SIZE_BYTES, clusterId,
                kind.toString());
        int replica = r.replica("replica");
        int code = r.u8("status");
        dev.viewstamp.core.replica.Status status = StatusReport.statusOfCode(code);
        if (status == null) throw r.malformed("status: unknown code " + code);
        long view = nonNegative(r, "view");
        long op = nonNegative(r, "op");
        long commit = nonNegative(r, "commit");
        long checkpointOp = nonNegative(r, "checkpointOp");
        long stateChecksum = r.i64("stateChecksum");
        long syncCount = nonNegative(r, "syncCount");
        r.end();
        return new StatusReport(replica, status, view, op, commit, checkpointOp, stateChecksum, syncCount);
    }

    private static long nonNegative(BodyReader r, String field) throws CodecException {
        long value = r.i64(field);
        if (value < 0) throw r.malformed(field + ": negative " + value);
        return value;
    }

    /**
     * Checks a header (magic, version, header checksum, cluster id, kind, body size <=
     * bodySizeBytesMax) and returns the body's size.
     *
     * @throws CodecException with a reason a log line can print
     */
    public static int bodySize(byte[] header, int offset, long clusterId, int bodySizeBytesMax) throws CodecException {
        checkFormat(header, offset);
        int reserved = (int) INTS.get(header, offset + 36);
        if (reserved != 0) {
            throw new CodecException(CodecException.Kind.MALFORMED, "reserved header field 0x"
                    + Integer.toHexString(reserved) + ", expected 0");
        }
        long cluster = (long) LONGS.get(header, offset + 24);
        if (cluster != clusterId) {
            throw new CodecException(CodecException.Kind.FOREIGN, "frame of cluster " + cluster + ", expected " + clusterId);
        }
        int code = Short.toUnsignedInt((short) SHORTS.get(header, offset + 22));
        if (FrameKind.ofCode(code) == null) {
            throw new CodecException(CodecException.Kind.MALFORMED, "unknown frame kind " + code);
        }
        int bodySizeBytes = (int) INTS.get(header, offset + 32);
        if (bodySizeBytes < 0 || bodySizeBytes > bodySizeBytesMax) {
            throw new CodecException(CodecException.Kind.MALFORMED, "body of " + Integer.toUnsignedString(bodySizeBytes)
                    + " bytes over the limit of " + bodySizeBytesMax);
        }
        return bodySizeBytes;
    }

    /**
     * {@link #bodySize} for a connection's first frame, which must be a Hello: also refuses any
     * other kind, and a body over a Hello's size, from the header alone. A peer is nobody until its
     * Hello, so a reader buffers no more than a Hello for it; held to the message limit instead,
     * every connection that never says Hello could make a replica buffer tens of megabytes.
     *
     * @throws CodecException with a reason a log line can print
     */
    public static int helloBodySize(byte[] header, int offset, long clusterId) throws CodecException {
        // The kind first, so a peer that skips the handshake is named as such rather than as a
        // body over the Hello's size.
        bodySize(header, offset, clusterId, Integer.MAX_VALUE);
        FrameKind kind = kindAt(header, offset);
        if (kind != FrameKind.HELLO) {
            throw new CodecException(CodecException.Kind.MALFORMED, kind + ": a message where a Hello was expected");
        }
        return bodySize(header, offset, clusterId, HELLO_BODY_SIZE_BYTES);
    }

    /**
     * The cluster id a frame's header names, once its magic, version and header checksum check
     * out: a client that was not told its cluster's id takes it from the first replica's Hello.
     *
     * @throws CodecException when the header is not one of this format and version, or damaged
     */
    public static long clusterIdOf(byte[] header, int offset) throws CodecException {
        checkFormat(header, offset);
        return (long) LONGS.get(header, offset + 24);
    }

    /** Checks that a header is whole, of this format and version, and intact. */
    private static void checkFormat(byte[] header, int offset) throws CodecException {
        if (offset < 0 || offset > header.length || header.length - offset < HEADER_SIZE_BYTES) {
            throw new CodecException(CodecException.Kind.MALFORMED, "truncated header: "
                    + Math.max(0, header.length - offset) + " of " + HEADER_SIZE_BYTES + " bytes");
        }
        int magic = (int) INTS.get(header, offset + 16);
        if (magic != MAGIC) {
            throw new CodecException(CodecException.Kind.FOREIGN, "not a viewstamp frame: magic 0x"
                    + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(MAGIC));
        }
        short version = (short) SHORTS.get(header, offset + 20);
        if (version != VERSION) {
            throw new CodecException(CodecException.Kind.FOREIGN, "wire protocol version " + Short.toUnsignedInt(version)
                    + ", expected " + VERSION);
        }
        if ((long) LONGS.get(header, offset) != Checksum.of(header, offset + 8, HEADER_SIZE_BYTES - 8)) {
            throw new CodecException(CodecException.Kind.HEADER_CHECKSUM, "frame header checksum mismatch");
        }
    }

    /**
     * Decodes one whole frame (header + body) at {@code offset}; checks everything bodySize checks,
     * the body checksum, and that the body decodes to exactly its size.
     *
     * @throws CodecException with a reason a log line can print; also for a Hello frame, which
     *     only {@link #decodeHello} accepts
     */
    public static Message decode(byte[] frame, int offset, int length, long clusterId, int bodySizeBytesMax)
            throws CodecException {
        FrameKind kind = checkFrame(frame, offset, length, clusterId, bodySizeBytesMax);
        BodyReader r = new BodyReader(frame, offset + HEADER_SIZE_BYTES, length - HEADER_SIZE_BYTES, clusterId,
                kind.toString());
        try {
            return MessageBody.decode(kind, r);
        } catch (IllegalArgumentException e) {
            // The records validate in their constructors. MessageBody checks each such rule before
            // it constructs, with the field's name; this catch keeps a rule added to a record later
            // from escaping the decoder as an unchecked exception until MessageBody learns it.
            throw r.malformed("refused by the record's constructor: " + e.getMessage());
        }
    }

    /**
     * Decodes the handshake frame at {@code offset}.
     *
     * @throws CodecException with a reason a log line can print; also for any frame but a Hello
     */
    public static Hello decodeHello(byte[] frame, int offset, int length, long clusterId) throws CodecException {
        checkHeaderIn(frame, offset, length);
        helloBodySize(frame, offset, clusterId);
        FrameKind kind = checkFrame(frame, offset, length, clusterId, HELLO_BODY_SIZE_BYTES);
        BodyReader r = new BodyReader(frame, offset + HEADER_SIZE_BYTES, length - HEADER_SIZE_BYTES, clusterId,
                kind.toString());
        Hello.Role role = switch (r.u8("role")) {
            case 0 -> Hello.Role.REPLICA;
            case 1 -> Hello.Role.CLIENT;
            default -> throw r.malformed("role: unknown code");
        };
        long id = r.i64("id");
        r.end();
        if (role == Hello.Role.REPLICA && (id < 0 || id >= ClusterConfig.REPLICAS_MAX)) {
            throw r.malformed("id: replica index " + id + " out of range");
        }
        return new Hello(clusterId, role, id);
    }

    /** The header's checks, then the frame's length against the body size, then the body checksum. */
    private static FrameKind checkFrame(byte[] frame, int offset, int length, long clusterId, int bodySizeBytesMax)
            throws CodecException {
        checkHeaderIn(frame, offset, length);
        int bodySizeBytes = bodySize(frame, offset, clusterId, bodySizeBytesMax);
        FrameKind kind = kindAt(frame, offset);
        if (length - HEADER_SIZE_BYTES < bodySizeBytes) {
            throw new CodecException(CodecException.Kind.MALFORMED, "truncated body: " + (length - HEADER_SIZE_BYTES)
                    + " of " + bodySizeBytes + " bytes");
        }
        if (length - HEADER_SIZE_BYTES > bodySizeBytes) {
            throw new CodecException(CodecException.Kind.MALFORMED, (length - HEADER_SIZE_BYTES - bodySizeBytes)
                    + " trailing bytes after a body of " + bodySizeBytes);
        }
        if ((long) LONGS.get(frame, offset + 8) != Checksum.of(frame, offset + HEADER_SIZE_BYTES, bodySizeBytes)) {
            throw new CodecException(CodecException.Kind.BODY_CHECKSUM, kind + ": body checksum mismatch");
        }
        return kind;
    }

    /** The frame's range must lie in the array (the caller's bug otherwise), and hold a whole header (the wire's). */
    private static void checkHeaderIn(byte[] frame, int offset, int length) throws CodecException {
        Objects.checkFromIndexSize(offset, length, frame.length);
        if (length < HEADER_SIZE_BYTES) {
            throw new CodecException(CodecException.Kind.MALFORMED, "truncated header: " + length + " of "
                    + HEADER_SIZE_BYTES + " bytes");
        }
    }

    /** The kind of a header that {@link #bodySize} accepted. */
    private static FrameKind kindAt(byte[] frame, int offset) {
        return FrameKind.ofCode(Short.toUnsignedInt((short) SHORTS.get(frame, offset + 22)));
    }

    private static byte[] encodeFrame(long clusterId, Message message) {
        BodyWriter w = new BodyWriter(HEADER_SIZE_BYTES, clusterId);
        MessageBody.encode(message, w);
        byte[] frame = w.frame();
        seal(frame, frame.length, FrameKind.of(message), clusterId);
        return frame;
    }

    /**
     * Encodes frames into one buffer it keeps, for a thread that sends many: the frame is the
     * first {@link #length} bytes of {@link #array}, valid until the next {@link #encode}, and the
     * caller copies it where it goes (a pooled network buffer). The same bytes as
     * {@link WireFormat#encode}, without an array per frame. Not thread-safe.
     */
    public static final class Encoder {
        private final BodyWriter writer = new BodyWriter(HEADER_SIZE_BYTES, 0);

        /** Encodes {@code message} of cluster {@code clusterId}; returns the frame's length. */
        public int encode(long clusterId, Message message) {
            writer.reset(HEADER_SIZE_BYTES, clusterId);
            MessageBody.encode(message, writer);
            seal(writer.array(), writer.length(), FrameKind.of(message), clusterId);
            if (Verify.ENABLED) {
                byte[] expected = WireFormat.encode(clusterId, message);
                Check.that(Arrays.equals(writer.array(), 0, writer.length(), expected, 0, expected.length),
                        "a reused encoder writes what WireFormat.encode writes");
            }
            return writer.length();
        }

        /** The buffer holding the last frame encoded. */
        public byte[] array() {
            return writer.array();
        }

        /** The last frame's length. */
        public int length() {
            return writer.length();
        }
    }

    /** Writes the header of the {@code length}-byte frame in {@code frame}, whose body is already in place: fields, then both checksums. */
    private static void seal(byte[] frame, int length, FrameKind kind, long clusterId) {
        int bodySizeBytes = length - HEADER_SIZE_BYTES;
        LONGS.set(frame, 8, Checksum.of(frame, HEADER_SIZE_BYTES, bodySizeBytes));
        INTS.set(frame, 16, MAGIC);
        SHORTS.set(frame, 20, VERSION);
        SHORTS.set(frame, 22, kind.code);
        LONGS.set(frame, 24, clusterId);
        INTS.set(frame, 32, bodySizeBytes);
        INTS.set(frame, 36, 0);
        LONGS.set(frame, 0, Checksum.of(frame, 8, HEADER_SIZE_BYTES - 8));
    }

    private static int roleCode(Hello.Role role) {
        return switch (role) {
            case REPLICA -> 0;
            case CLIENT -> 1;
        };
    }
}
