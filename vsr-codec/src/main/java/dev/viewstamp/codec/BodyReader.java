package dev.viewstamp.codec;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a frame's body back, field by field, in the order {@link BodyWriter} wrote it. Every read
 * is bounded by the body's end, and every count or length read from the wire is checked against
 * the bytes that remain before anything is allocated for it: a body of {@code n} bytes can never
 * make the reader allocate much more than {@code n} bytes. A violation is a
 * {@link CodecException.Kind#MALFORMED} naming the kind and field, since the frame's checksums
 * were intact around it.
 */
final class BodyReader {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** Where EntryCodec's header keeps the journal's write sequence, and two reserved bytes. */
    private static final int ENTRY_SEQUENCE_OFFSET = 80;
    private static final int ENTRY_RESERVED_OFFSET = 22;

    /** The smallest encoded entry: its header and one request with an empty operation (EntryCodec wants one). */
    private static final int ENTRY_SIZE_BYTES_MIN = EntryCodec.HEADER_SIZE_BYTES + Request.OVERHEAD_SIZE_BYTES;

    private final byte[] bytes;
    private final int end;
    private final long clusterId;
    private final String kind;
    private int position;

    /** Reads the body {@code bytes[offset .. offset + sizeBytes)} of a {@code kind} frame of cluster {@code clusterId}. */
    BodyReader(byte[] bytes, int offset, int sizeBytes, long clusterId, String kind) {
        this.bytes = bytes;
        this.position = offset;
        this.end = offset + sizeBytes;
        this.clusterId = clusterId;
        this.kind = kind;
    }

    long i64(String field) throws CodecException {
        need(field, Long.BYTES);
        long value = (long) LONGS.get(bytes, position);
        position += Long.BYTES;
        return value;
    }

    int i32(String field) throws CodecException {
        need(field, Integer.BYTES);
        int value = (int) INTS.get(bytes, position);
        position += Integer.BYTES;
        return value;
    }

    int u8(String field) throws CodecException {
        need(field, 1);
        return bytes[position++] & 0xFF;
    }

    boolean bool(String field) throws CodecException {
        int value = u8(field);
        if (value > 1) throw malformed(field + ": boolean byte " + value + ", expected 0 or 1");
        return value == 1;
    }

    /**
     * A replica index. The core indexes arrays with it (crash vectors, acknowledgements), and no
     * cluster has more than {@link ClusterConfig#REPLICAS_MAX} replicas, so an index outside that
     * range is refused here rather than left to throw inside the core.
     */
    int replica(String field) throws CodecException {
        int replica = i32(field);
        if (replica < 0 || replica >= ClusterConfig.REPLICAS_MAX) {
            throw malformed(field + ": replica index " + replica + " outside [0, " + ClusterConfig.REPLICAS_MAX + ")");
        }
        return replica;
    }

    /** A length-prefixed byte array; the length is checked against what remains before allocating. */
    byte[] bytes(String field) throws CodecException {
        int sizeBytes = count(field, 1);
        byte[] value = Arrays.copyOfRange(bytes, position, position + sizeBytes);
        position += sizeBytes;
        return value;
    }

    /** A crash vector: at most {@link ClusterConfig#REPLICAS_MAX} incarnations. */
    long[] crashVector(String field) throws CodecException {
        int replicaCount = count(field, Long.BYTES);
        if (replicaCount > ClusterConfig.REPLICAS_MAX) {
            throw malformed(field + ": crash vector of " + replicaCount + " replicas, at most " + ClusterConfig.REPLICAS_MAX);
        }
        long[] crashVector = new long[replicaCount];
        for (int i = 0; i < replicaCount; i++) crashVector[i] = i64(field);
        return crashVector;
    }

    long[] crashVectorOrNull(String field) throws CodecException {
        return bool(field + " present") ? crashVector(field) : null;
    }

    /**
     * One entry in {@link EntryCodec}'s format. Its own header and body checksums are checked
     * again, and its body may take at most what remains of this frame's body. The frame's body
     * checksum already passed, so an entry that fails is a malformed frame, whatever EntryCodec
     * calls it.
     */
    Entry entry(String field) throws CodecException {
        if (end - position < ENTRY_SIZE_BYTES_MIN) {
            throw malformed(field + ": entry needs at least " + ENTRY_SIZE_BYTES_MIN + " bytes, " + (end - position) + " left");
        }
        Entry entry;
        try {
            // Bounding the entry's body by what remains keeps EntryCodec, which reads to the end of
            // the array, inside this body.
            entry = EntryCodec.decode(bytes, position, clusterId, end - position - EntryCodec.HEADER_SIZE_BYTES);
        } catch (CodecException e) {
            throw malformed(field + ": " + e.getMessage());
        }
        // EntryCodec leaves two header fields to the journal: the write sequence and the two
        // reserved bytes after the version. On the wire both are 0, so a frame has one encoding.
        long sequence = (long) LONGS.get(bytes, position + ENTRY_SEQUENCE_OFFSET);
        short reserved = (short) SHORTS.get(bytes, position + ENTRY_RESERVED_OFFSET);
        if (sequence != 0 || reserved != 0) {
            throw malformed(field + ": journal write sequence " + sequence + " and reserved " + reserved + ", expected 0");
        }
        position += entry.sizeBytes();
        return entry;
    }

    /** A count-prefixed list of entries; the count is checked against what remains before allocating. */
    List<Entry> entries(String field) throws CodecException {
        int count = count(field, ENTRY_SIZE_BYTES_MIN);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) entries.add(entry(field + "[" + i + "]"));
        return entries;
    }

    /** Checks that the body holds nothing after the last field. */
    void end() throws CodecException {
        if (position != end) throw malformed((end - position) + " trailing body bytes after the last field");
    }

    CodecException malformed(String reason) {
        return new CodecException(CodecException.Kind.MALFORMED, kind + ": " + reason);
    }

    /**
     * A u32 count of elements that each take at least {@code elementSizeBytesMin} bytes, refused
     * when negative or when that many elements cannot fit in the bytes that remain.
     */
    private int count(String field, int elementSizeBytesMin) throws CodecException {
        int count = i32(field + " count");
        if (count < 0 || (long) count * elementSizeBytesMin > end - position) {
            throw malformed(field + ": count " + Integer.toUnsignedString(count) + " does not fit the " + (end - position)
                    + " bytes left");
        }
        return count;
    }

    private void need(String field, int sizeBytes) throws CodecException {
        if (end - position < sizeBytes) {
            throw malformed(field + ": needs " + sizeBytes + " bytes, " + (end - position) + " left");
        }
    }
}
