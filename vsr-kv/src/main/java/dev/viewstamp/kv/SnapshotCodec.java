package dev.viewstamp.kv;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.check.Verify;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The byte format of a {@link KvSnapshot}, version 2. Big-endian, as {@link DataOutputStream}
 * writes:
 *
 * <pre>
 * magic              8 bytes   0x5653524B56534E50, "VSRKVSNP"
 * version            4 bytes   2
 * keySizeBytesMax    4 bytes   the store's {@link KvLimits}
 * valueSizeBytesMax  4 bytes
 * entryCount         8 bytes   the number of entries that follow
 * expiryCount        8 bytes   the number of expiries after the entries (version 2 only)
 * stateChecksum      8 bytes   the store's stateChecksum() when the snapshot was taken
 * entryCount times:  keySize (4 bytes) | key | valueSize (4 bytes) | value
 * expiryCount times: keySize (4 bytes) | key | expireAtMs (8 bytes)          (version 2 only)
 * checksum           8 bytes   a {@link Checksum} over every field above, in order
 * </pre>
 *
 * <p>Version 1 is version 2 without the expiry fields: a store from before keys could expire.
 * {@link #read} still reads it, as a store whose keys have no expiry; {@link #write} writes only
 * version 2. Each expiry names a key among the entries, at most once.
 *
 * <p>The trailing checksum is computed over the fields rather than the raw bytes, because
 * {@link Checksum} length-prefixes each array it adds and so depends on how bytes are cut into
 * calls. That covers every byte all the same: the layout is a one-to-one function of the field
 * sequence, so bytes that differ either fail to parse or parse to different fields.
 *
 * <p>The entries come in no particular order: shard by shard, then in each shard's
 * {@code HashMap} order, which depends on the order keys were inserted. Two replicas with the
 * same state may therefore write different bytes. That is fine, because a checkpoint is identified
 * by the state checksum, a sum of per-entry hashes that does not depend on order; what does hold is
 * that one snapshot writes the same bytes every time, because its maps never change.
 */
final class SnapshotCodec {
    private SnapshotCodec() {}

    static final long MAGIC = 0x5653524B56534E50L;
    static final int VERSION = 2;
    /** The version before expiry times; still read. */
    static final int VERSION_WITHOUT_EXPIRIES = 1;

    /** Large enough that a write to a file or socket moves many entries per system call. */
    private static final int BUFFER_SIZE_BYTES = 64 * 1024;

    /** What {@link #read} rebuilt: the entries and the state checksum they sum to. */
    record Restored(ShardedMap<byte[]> entries, ShardedMap<Long> expiries, long stateChecksum) {}

    /**
     * Writes {@code entries} in the format above, then flushes {@code out}.
     *
     * @param entries a map that nobody writes while this runs: a snapshot's side of a share
     * @param expiries the same, of the expiry times
     */
    static void write(ShardedMap<byte[]> entries, ShardedMap<Long> expiries, KvLimits limits, long entryCount,
            long expiryCount, long stateChecksum, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, BUFFER_SIZE_BYTES));
        Checksum checksum = new Checksum();
        data.writeLong(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(limits.keySizeBytesMax());
        data.writeInt(limits.valueSizeBytesMax());
        data.writeLong(entryCount);
        data.writeLong(expiryCount);
        data.writeLong(stateChecksum);
        checksum.add(MAGIC).add(VERSION).add(limits.keySizeBytesMax()).add(limits.valueSizeBytesMax())
                .add(entryCount).add(expiryCount).add(stateChecksum);

        long[] entriesWritten = {0};
        long[] expiriesWritten = {0};
        long[] stateChecksumRecomputed = {0};
        try {
            entries.forEach((key, value) -> {
                writeEntry(data, key.bytes(), value);
                checksum.add(key.bytes()).add(value);
                entriesWritten[0]++;
                if (Verify.ENABLED) stateChecksumRecomputed[0] += EntryHash.of(key.bytes(), value);
            });
            expiries.forEach((key, atMs) -> {
                writeExpiry(data, key.bytes(), atMs);
                checksum.add(key.bytes()).add(atMs);
                expiriesWritten[0]++;
                if (Verify.ENABLED) stateChecksumRecomputed[0] += EntryHash.ofExpiry(key.bytes(), atMs);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Check.that(expiriesWritten[0] == expiryCount, "snapshot expiries written equal its count",
                expiriesWritten[0], expiryCount);
        // The same count and checksum that read() checks, checked here too: a snapshot whose maps
        // changed while it was being written is a bug on this side, not bad bytes on the other.
        Check.that(entriesWritten[0] == entryCount, "snapshot entries written equal its count",
                entriesWritten[0], entryCount);
        if (Verify.ENABLED) {
            Check.that(stateChecksumRecomputed[0] == stateChecksum, "snapshot entries sum to its state checksum",
                    stateChecksumRecomputed[0], stateChecksum);
        }
        data.writeLong(checksum.value());
        data.flush();
    }

    private static void writeEntry(DataOutputStream data, byte[] key, byte[] value) {
        try {
            data.writeInt(key.length);
            data.write(key);
            data.writeInt(value.length);
            data.write(value);
        } catch (IOException e) {
            // forEach takes no checked exceptions; write() unwraps this again.
            throw new UncheckedIOException(e);
        }
    }

    private static void writeExpiry(DataOutputStream data, byte[] key, long atMs) {
        try {
            data.writeInt(key.length);
            data.write(key);
            data.writeLong(atMs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads what {@link #write} wrote, to the end of {@code in}, into new maps that nothing else
     * references. Checks, in order: magic, version, limits equal to {@code limits}, each entry
     * within them and no key twice, each expiry naming an entry's key once, the trailing checksum, the entries summing to the recorded
     * state checksum, and nothing after the trailing checksum.
     *
     * @throws SnapshotFormatException if any check fails or the stream ends early
     * @throws IOException if {@code in} fails
     */
    static Restored read(InputStream in, KvLimits limits) throws IOException {
        // Reading ahead is allowed: the stream holds this snapshot's bytes and then ends.
        Fields fields = new Fields(new DataInputStream(new BufferedInputStream(in, BUFFER_SIZE_BYTES)));
        Checksum checksum = new Checksum();

        long magic = fields.readLong("magic");
        if (magic != MAGIC) {
            throw new SnapshotFormatException(String.format(
                    "not a key-value snapshot: magic 0x%016X, expected 0x%016X", magic, MAGIC));
        }
        int version = fields.readInt("version");
        if (version != VERSION && version != VERSION_WITHOUT_EXPIRIES) {
            throw new SnapshotFormatException("snapshot format version " + version
                    + " is not supported; this build reads versions " + VERSION_WITHOUT_EXPIRIES + " and " + VERSION);
        }
        int keySizeBytesMax = fields.readInt("keySizeBytesMax");
        int valueSizeBytesMax = fields.readInt("valueSizeBytesMax");
        if (keySizeBytesMax != limits.keySizeBytesMax() || valueSizeBytesMax != limits.valueSizeBytesMax()) {
            // The limits are replicated configuration: a store with other limits would reply
            // differently to the same commands (a put one accepts, the other rejects).
            throw new SnapshotFormatException("snapshot limits (keySizeBytesMax " + keySizeBytesMax
                    + ", valueSizeBytesMax " + valueSizeBytesMax + ") differ from this store's (keySizeBytesMax "
                    + limits.keySizeBytesMax() + ", valueSizeBytesMax " + limits.valueSizeBytesMax() + ")");
        }
        long entryCount = fields.readLong("entryCount");
        if (entryCount < 0) throw new SnapshotFormatException("snapshot entryCount " + entryCount + " is negative");
        checksum.add(MAGIC).add(version).add(keySizeBytesMax).add(valueSizeBytesMax).add(entryCount);
        long expiryCount = 0;
        if (version != VERSION_WITHOUT_EXPIRIES) {
            expiryCount = fields.readLong("expiryCount");
            if (expiryCount < 0 || expiryCount > entryCount) {
                throw new SnapshotFormatException(
                        "snapshot expiryCount " + expiryCount + " is not within 0 and entryCount " + entryCount);
            }
            checksum.add(expiryCount);
        }
        long stateChecksum = fields.readLong("stateChecksum");
        checksum.add(stateChecksum);

        ShardedMap<byte[]> entries = new ShardedMap<>();
        long stateChecksumRecomputed = 0;
        for (long entryIndex = 0; entryIndex < entryCount; entryIndex++) {
            // Each size is checked against the limits before anything is allocated, so a corrupt
            // size of 2 GiB costs nothing.
            byte[] key = fields.readArray("entry " + entryIndex + " key", keySizeBytesMax, "keySizeBytesMax");
            byte[] value = fields.readArray("entry " + entryIndex + " value", valueSizeBytesMax, "valueSizeBytesMax");
            if (entries.put(new Key(key), value) != null) {
                throw new SnapshotFormatException(
                        "snapshot entry " + entryIndex + " repeats the key " + Bytes.show(key) + " of an earlier entry");
            }
            checksum.add(key).add(value);
            stateChecksumRecomputed += EntryHash.of(key, value);
        }

        ShardedMap<Long> expiries = new ShardedMap<>();
        for (long expiryIndex = 0; expiryIndex < expiryCount; expiryIndex++) {
            byte[] key = fields.readArray("expiry " + expiryIndex + " key", keySizeBytesMax, "keySizeBytesMax");
            long atMs = fields.readLong("expiry " + expiryIndex + " expireAtMs");
            if (entries.get(new Key(key)) == null) {
                throw new SnapshotFormatException(
                        "snapshot expiry " + expiryIndex + " names the key " + Bytes.show(key) + ", which no entry has");
            }
            if (expiries.put(new Key(key), atMs) != null) {
                throw new SnapshotFormatException(
                        "snapshot expiry " + expiryIndex + " repeats the key " + Bytes.show(key) + " of an earlier expiry");
            }
            checksum.add(key).add(atMs);
            stateChecksumRecomputed += EntryHash.ofExpiry(key, atMs);
        }

        long checksumRecorded = fields.readLong("checksum");
        if (checksumRecorded != checksum.value()) {
            throw new SnapshotFormatException(String.format(
                    "snapshot checksum mismatch: recorded 0x%016X, computed 0x%016X over %d entries",
                    checksumRecorded, checksum.value(), entryCount));
        }
        if (stateChecksumRecomputed != stateChecksum) {
            throw new SnapshotFormatException(String.format(
                    "snapshot state checksum mismatch: recorded 0x%016X, its entries sum to 0x%016X",
                    stateChecksum, stateChecksumRecomputed));
        }
        fields.readEnd();
        return new Restored(entries, expiries, stateChecksum);
    }

    /** Reads fields and turns the stream's early end into a message that names the field. */
    private static final class Fields {
        private final DataInputStream data;

        Fields(DataInputStream data) {
            this.data = data;
        }

        long readLong(String field) throws IOException {
            try {
                return data.readLong();
            } catch (EOFException e) {
                throw truncated(field);
            }
        }

        int readInt(String field) throws IOException {
            try {
                return data.readInt();
            } catch (EOFException e) {
                throw truncated(field);
            }
        }

        /** A size, checked to be within 0 and {@code sizeBytesMax}, then that many bytes. */
        byte[] readArray(String field, int sizeBytesMax, String limitName) throws IOException {
            int sizeBytes = readInt(field + " size");
            if (sizeBytes < 0) {
                throw new SnapshotFormatException("snapshot " + field + " size " + sizeBytes + " is negative");
            }
            if (sizeBytes > sizeBytesMax) {
                throw new SnapshotFormatException("snapshot " + field + " size " + sizeBytes + " bytes > " + limitName
                        + " " + sizeBytesMax);
            }
            byte[] bytes = new byte[sizeBytes];
            try {
                data.readFully(bytes);
            } catch (EOFException e) {
                throw truncated(field);
            }
            return bytes;
        }

        /** Rejects bytes after the trailing checksum, so each snapshot has exactly one encoding. */
        void readEnd() throws IOException {
            if (data.read() != -1) {
                throw new SnapshotFormatException("snapshot has trailing bytes after its checksum");
            }
        }

        private static SnapshotFormatException truncated(String field) {
            return new SnapshotFormatException("truncated snapshot: the stream ended in " + field);
        }
    }
}
