package dev.viewstamp.codec;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A log entry as bytes: a 128-byte header followed by the body (the batch of requests). Used by
 * the journal, and by any frame that carries entries.
 *
 * <pre>
 * header (little-endian)
 *   0  u64 headerChecksum   checksum of header bytes 8..127
 *   8  u64 bodyChecksum     checksum of the body bytes
 *  16  u32 magic 'VSRE'     20 u16 version   22 u16 reserved (0)
 *  24  u64 clusterId
 *  32  u64 view             40 u64 op
 *  48  u64 parent           56 u64 entryChecksum (the core's checksum of the entry's contents)
 *  64  u64 timestamp
 *  72  u32 bodySizeBytes    76 u32 requestCount
 *  80  u64 sequence         (the journal's write sequence; not part of the entry's identity)
 *  88..127 reserved (0)
 * body: requestCount times { u64 clientId, u64 requestNumber, u32 operationSizeBytes, bytes }
 * </pre>
 *
 * <p>The sizes are the core's: the header is {@link Entry#HEADER_SIZE_BYTES} long and each request
 * takes {@link Request#OVERHEAD_SIZE_BYTES} plus its operation, so an encoded entry is exactly
 * {@link Entry#sizeBytes} long and its body {@link Entry#bodySizeBytes}. The primary bounds its
 * batches with that count, and the journal its slots; a codec that disagreed would let the primary
 * build an entry the journal cannot hold, so {@link #encode} checks it on every entry.
 *
 * <p>Checks pair across the boundary: {@link #encode} verifies the entry's own checksum before
 * writing, and {@link #decode} verifies the header checksum, then every field's bounds, then the
 * body checksum, and finally recomputes the entry's checksum from the decoded contents.
 */
public final class EntryCodec {
    public static final int HEADER_SIZE_BYTES = Entry.HEADER_SIZE_BYTES;
    static final int MAGIC = 0x45525356; // "VSRE" little-endian
    static final short VERSION = 1;

    private EntryCodec() {}

    /** The header fields, readable before the body is. */
    public record Header(long headerChecksum, long bodyChecksum, long clusterId, long view, long op, long parent,
            long entryChecksum, long timestamp, int bodySizeBytes, int requestCount, long sequence) {

        public int sizeBytes() {
            return HEADER_SIZE_BYTES + bodySizeBytes;
        }
    }

    /** Encodes {@code entry} of cluster {@code clusterId}, with write sequence 0. */
    public static byte[] encode(Entry entry, long clusterId) {
        return encode(entry, clusterId, 0);
    }

    /**
     * Encodes {@code entry} of cluster {@code clusterId}. {@code sequence} records when the journal
     * wrote this copy, so recovery can tell a record written after the last superblock from an
     * older one left in place; it is covered by the header checksum but not by the entry checksum.
     */
    public static byte[] encode(Entry entry, long clusterId, long sequence) {
        byte[] bytes = new byte[entry.sizeBytes()];
        encode(entry, clusterId, sequence, bytes, 0);
        return bytes;
    }

    /**
     * {@link #encode(Entry, long, long)} into {@code bytes} at {@code offset}, which must have
     * {@link Entry#sizeBytes} bytes of room there: a writer that owns its buffer encodes an entry
     * without a copy of its own.
     */
    public static void encode(Entry entry, long clusterId, long sequence, byte[] bytes, int offset) {
        if (!entry.valid()) throw new IllegalArgumentException("entry checksum mismatch before encoding: " + entry);
        int sizeBytes = entry.sizeBytes();
        java.util.Objects.checkFromIndexSize(offset, sizeBytes, bytes.length);
        ByteBuffer body = ByteBuffer.wrap(bytes, offset + HEADER_SIZE_BYTES, sizeBytes - HEADER_SIZE_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Request request : entry.requests()) {
            body.putLong(request.clientId()).putLong(request.requestNumber()).putInt(request.operation().length)
                    .put(request.operation());
        }
        // The core's size of the entry must be the layout's: too small and the puts above overflow,
        // too large and trailing zeros would be left in the body.
        Check.that(!body.hasRemaining(), "the body fills exactly Entry.bodySizeBytes", entry.bodySizeBytes(),
                body.position() - offset - HEADER_SIZE_BYTES);
        int bodySizeBytes = sizeBytes - HEADER_SIZE_BYTES;
        putFields(bytes, offset, Checksum.of(bytes, offset + HEADER_SIZE_BYTES, bodySizeBytes), clusterId, entry.view(),
                entry.op(), entry.parent(), entry.checksum(), entry.timestamp(), bodySizeBytes, entry.requests().size(),
                sequence);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(offset,
                Checksum.of(bytes, offset + 8, HEADER_SIZE_BYTES - 8));
    }

    /**
     * The 128 header bytes of a decoded {@code header}, exactly as they were written: the
     * superblock keeps copies of headers this way. Checks that the fields still match the stored
     * header checksum.
     */
    public static byte[] encodeHeader(Header header) {
        byte[] bytes = new byte[HEADER_SIZE_BYTES];
        putFields(bytes, 0, header.bodyChecksum(), header.clusterId(), header.view(), header.op(), header.parent(),
                header.entryChecksum(), header.timestamp(), header.bodySizeBytes(), header.requestCount(),
                header.sequence());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.headerChecksum());
        if (Checksum.of(bytes, 8, HEADER_SIZE_BYTES - 8) != header.headerChecksum()) {
            throw new IllegalArgumentException("header fields do not match its checksum: " + header);
        }
        return bytes;
    }

    private static void putFields(byte[] bytes, int offset, long bodyChecksum, long clusterId, long view, long op,
            long parent, long entryChecksum, long timestamp, int bodySizeBytes, int requestCount, long sequence) {
        ByteBuffer header = ByteBuffer.wrap(bytes, offset, HEADER_SIZE_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(8, bodyChecksum);
        header.putInt(16, MAGIC).putShort(20, VERSION).putShort(22, (short) 0);
        header.putLong(24, clusterId).putLong(32, view).putLong(40, op).putLong(48, parent).putLong(56, entryChecksum)
                .putLong(64, timestamp);
        header.putInt(72, bodySizeBytes).putInt(76, requestCount).putLong(80, sequence);
        for (int i = 88; i < HEADER_SIZE_BYTES; i++) header.put(i, (byte) 0);
    }

    /**
     * Decodes and checks the header at {@code offset}. {@code bodySizeBytesMax} bounds the body
     * length a header may claim, so a corrupt length can never make a reader allocate or read
     * beyond its limit.
     */
    public static Header decodeHeader(byte[] bytes, int offset, long clusterId, int bodySizeBytesMax)
            throws CodecException {
        if (offset < 0 || bytes.length - offset < HEADER_SIZE_BYTES) {
            throw new CodecException(CodecException.Kind.MALFORMED, "truncated header: " + Math.max(0, bytes.length - offset)
                    + " of " + HEADER_SIZE_BYTES + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, HEADER_SIZE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long headerChecksum = b.getLong(offset);
        long computed = Checksum.of(bytes, offset + 8, HEADER_SIZE_BYTES - 8);
        if (headerChecksum != computed) {
            throw new CodecException(CodecException.Kind.HEADER_CHECKSUM, "header checksum mismatch");
        }
        int magic = b.getInt(offset + 16);
        short version = b.getShort(offset + 20);
        if (magic != MAGIC) {
            throw new CodecException(CodecException.Kind.FOREIGN, "not an entry (magic " + Integer.toHexString(magic) + ")");
        }
        if (version != VERSION) {
            throw new CodecException(CodecException.Kind.FOREIGN, "entry format version " + version + ", expected " + VERSION);
        }
        long cluster = b.getLong(offset + 24);
        if (cluster != clusterId) {
            throw new CodecException(CodecException.Kind.FOREIGN, "entry of cluster " + cluster + ", expected " + clusterId);
        }
        long view = b.getLong(offset + 32);
        long op = b.getLong(offset + 40);
        int bodySizeBytes = b.getInt(offset + 72);
        int requestCount = b.getInt(offset + 76);
        if (op < 1 || view < 0) throw new CodecException(CodecException.Kind.MALFORMED, "op " + op + " or view " + view + " out of range");
        if (bodySizeBytes < 0 || bodySizeBytes > bodySizeBytesMax) {
            throw new CodecException(CodecException.Kind.MALFORMED,
                    "body size " + bodySizeBytes + " bytes outside [0, " + bodySizeBytesMax + "]");
        }
        if (requestCount < 1 || (long) requestCount * Request.OVERHEAD_SIZE_BYTES > bodySizeBytes) {
            throw new CodecException(CodecException.Kind.MALFORMED,
                    "request count " + requestCount + " does not fit a body of " + bodySizeBytes + " bytes");
        }
        for (int i = 88; i < HEADER_SIZE_BYTES; i++) {
            if (bytes[offset + i] != 0) throw new CodecException(CodecException.Kind.MALFORMED, "reserved header byte " + i + " not zero");
        }
        return new Header(headerChecksum, b.getLong(offset + 8), cluster, view, op, b.getLong(offset + 48),
                b.getLong(offset + 56), b.getLong(offset + 64), bodySizeBytes, requestCount, b.getLong(offset + 80));
    }

    /** Decodes and checks a whole entry (header and body) at {@code offset}. */
    public static Entry decode(byte[] bytes, int offset, long clusterId, int bodySizeBytesMax) throws CodecException {
        Header header = decodeHeader(bytes, offset, clusterId, bodySizeBytesMax);
        int bodyOffset = offset + HEADER_SIZE_BYTES;
        if (bytes.length - bodyOffset < header.bodySizeBytes()) {
            throw new CodecException(CodecException.Kind.BODY_CHECKSUM, "truncated body: " + (bytes.length - bodyOffset)
                    + " of " + header.bodySizeBytes() + " bytes");
        }
        if (Checksum.of(bytes, bodyOffset, header.bodySizeBytes()) != header.bodyChecksum()) {
            throw new CodecException(CodecException.Kind.BODY_CHECKSUM, "body checksum mismatch at op " + header.op());
        }
        ByteBuffer body = ByteBuffer.wrap(bytes, bodyOffset, header.bodySizeBytes()).order(ByteOrder.LITTLE_ENDIAN);
        List<Request> requests = new ArrayList<>(header.requestCount());
        for (int i = 0; i < header.requestCount(); i++) {
            if (body.remaining() < Request.OVERHEAD_SIZE_BYTES) {
                throw new CodecException(CodecException.Kind.MALFORMED, "request " + i + " truncated");
            }
            long clientId = body.getLong();
            long requestNumber = body.getLong();
            int size = body.getInt();
            if (requestNumber < 0 || size < 0 || size > body.remaining()) {
                throw new CodecException(CodecException.Kind.MALFORMED, "request " + i + ": number " + requestNumber
                        + ", operation size " + size + " with " + body.remaining() + " bytes left");
            }
            byte[] operation = new byte[size];
            body.get(operation);
            requests.add(new Request(clientId, requestNumber, operation));
        }
        if (body.hasRemaining()) {
            throw new CodecException(CodecException.Kind.MALFORMED, body.remaining() + " trailing body bytes at op " + header.op());
        }
        Entry entry = new Entry(header.view(), header.op(), header.parent(), header.timestamp(), requests,
                header.entryChecksum());
        if (!entry.valid()) {
            throw new CodecException(CodecException.Kind.MALFORMED, "entry checksum does not match the decoded contents at op "
                    + header.op());
        }
        return entry;
    }
}
