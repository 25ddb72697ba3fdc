package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.service.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The bytes of one checkpoint file (docs/CHECKPOINTS.md, section 3): a header, the client table,
 * the service's snapshot, and a checksum over everything before it, which guards the file at
 * rest and, later, in transfer between replicas.
 *
 * <pre>
 * file (little-endian)
 *   0 u32 magic 'VSRC'   4 u16 format version (1)   6 u16 zero
 *   8 u64 cluster id    16 u64 op    24 u64 checksum of the entry at op    32 u64 that entry's timestamp
 *  40 u64 identity (Checkpoint.identity)   48 u64 client table length   56 u64 snapshot length
 *  64 client table (ClientTable.encode)   then the snapshot (Snapshot.writeTo)
 *  then u64 checksum of every byte before it (Checksum.of over the whole range)
 * </pre>
 *
 * <p>The whole file is built in memory: a snapshot of more than about 2 GiB does not fit. Writing
 * it as a stream, off the replica's thread, is the runtime's part (DESIGN.md, "Checkpoints and
 * compaction").
 *
 * <p>Decoding checks everything and refuses with a {@link CodecException} that names the first
 * problem; it never returns what it did not check.
 */
public final class CheckpointFile {
    static final int MAGIC = 0x43525356; // "VSRC" little-endian
    static final short VERSION = 1;
    public static final int HEADER_SIZE_BYTES = 64;
    private static final int CHECKSUM_SIZE_BYTES = 8;
    /** An empty client table and snapshot: the header and the checksum. */
    public static final int SIZE_BYTES_MIN = HEADER_SIZE_BYTES + CHECKSUM_SIZE_BYTES;

    private CheckpointFile() {}

    /** A checkpoint and its service's snapshot, as one file holds them. */
    public record Contents(Checkpoint checkpoint, byte[] snapshot) {
        public Contents {
            snapshot = snapshot.clone();
        }

        @Override
        public byte[] snapshot() {
            return snapshot.clone();
        }

        /** The snapshot's bytes to restore the service from ({@code StateMachine.restore}), without a copy. */
        public InputStream snapshotStream() {
            return new ByteArrayInputStream(snapshot);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Contents c && c.checkpoint.equals(checkpoint) && Arrays.equals(c.snapshot, snapshot);
        }

        @Override
        public int hashCode() {
            return checkpoint.hashCode();
        }

        @Override
        public String toString() {
            return "Contents[" + checkpoint + ", snapshot=" + snapshot.length + " bytes]";
        }
    }

    /**
     * What a restart found of the checkpoint its superblock names ({@code named}): the file's
     * contents, checked against the name, or why they cannot be used ({@code problem}); neither
     * when no checkpoint is named.
     */
    public record Loaded(CheckpointReference named, Contents contents, String problem) {

        /** True when the superblock names a checkpoint whose file is missing or fails its checks. */
        public boolean lost() {
            return problem != null;
        }
    }

    /**
     * Reads the file of the checkpoint {@code named} from {@code store} and checks all of it
     * against {@code named} ({@link #decode(byte[], long, CheckpointReference)}); {@code done}
     * gets what was found.
     */
    public static void load(CheckpointStore store, long clusterId, CheckpointReference named, Consumer<Loaded> done) {
        if (!named.present()) {
            done.accept(new Loaded(named, null, null));
            return;
        }
        store.read(named.op(), (file, error) -> {
            Loaded loaded;
            if (error != null) {
                loaded = new Loaded(named, null, error.message());
            } else {
                try {
                    loaded = new Loaded(named, decode(file, clusterId, named), null);
                } catch (CodecException e) {
                    loaded = new Loaded(named, null, e.getMessage());
                }
            }
            done.accept(loaded);
        });
    }

    /** The file of {@code checkpoint} of cluster {@code clusterId}, with the bytes {@code snapshot} writes. */
    public static byte[] encode(long clusterId, Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            snapshot.writeTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("the snapshot of the checkpoint at op " + checkpoint.op() + " into memory", e);
        }
        return encode(clusterId, checkpoint, bytes.toByteArray());
    }

    /** The file of {@code checkpoint} of cluster {@code clusterId}, with the snapshot's bytes. */
    public static byte[] encode(long clusterId, Checkpoint checkpoint, byte[] snapshot) {
        byte[] table = checkpoint.clientTable();
        long size = (long) SIZE_BYTES_MIN + table.length + snapshot.length;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a checkpoint file of " + size + " bytes does not fit in memory");
        }
        byte[] file = new byte[(int) size];
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC).putShort(4, VERSION).putLong(8, clusterId).putLong(16, checkpoint.op())
                .putLong(24, checkpoint.entryChecksum()).putLong(32, checkpoint.entryTimestamp())
                .putLong(40, checkpoint.identity()).putLong(48, table.length).putLong(56, snapshot.length);
        System.arraycopy(table, 0, file, HEADER_SIZE_BYTES, table.length);
        System.arraycopy(snapshot, 0, file, HEADER_SIZE_BYTES + table.length, snapshot.length);
        b.putLong(file.length - CHECKSUM_SIZE_BYTES, checksumOf(file));
        return file;
    }

    /** The checksum a file's last eight bytes must hold: of every byte before them. */
    static long checksumOf(byte[] file) {
        return Checksum.of(file, 0, file.length - CHECKSUM_SIZE_BYTES);
    }

    /** The checksum {@code file} carries in its last eight bytes (what a superblock names it by). */
    public static long checksum(byte[] file) {
        if (file.length < CHECKSUM_SIZE_BYTES) throw new IllegalArgumentException("no checksum in " + file.length + " bytes");
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(file.length - CHECKSUM_SIZE_BYTES);
    }

    /**
     * Decodes the file the superblock names by {@code named}: {@link #decode(byte[], long)}, and
     * then the very file and checkpoint it names (size, file checksum, op, identity, entry).
     *
     * @throws CodecException naming the first problem
     */
    public static Contents decode(byte[] file, long clusterId, CheckpointReference named) throws CodecException {
        String where = "checkpoint file of op " + named.op();
        if (file.length != named.fileSizeBytes()) {
            throw new CodecException(CodecException.Kind.MALFORMED, where + ": " + file.length + " bytes, but the "
                    + "superblock names a file of " + named.fileSizeBytes() + " bytes (truncated, extended or another file)");
        }
        Contents contents = decode(file, clusterId);
        Checkpoint checkpoint = contents.checkpoint();
        if (checksum(file) != named.fileChecksum()) {
            throw new CodecException(CodecException.Kind.MALFORMED, where + ": checksum " + Long.toHexString(checksum(file))
                    + ", but the superblock names " + Long.toHexString(named.fileChecksum()) + " (another write of it)");
        }
        if (checkpoint.op() != named.op() || checkpoint.identity() != named.identity()
                || checkpoint.entryChecksum() != named.entryChecksum()
                || checkpoint.entryTimestamp() != named.entryTimestamp()) {
            throw new CodecException(CodecException.Kind.MALFORMED, where + ": holds " + checkpoint + " (entry "
                    + Long.toHexString(checkpoint.entryChecksum()) + " at " + checkpoint.entryTimestamp()
                    + "), not the superblock's " + named + " (entry " + Long.toHexString(named.entryChecksum()) + " at "
                    + named.entryTimestamp() + ")");
        }
        return contents;
    }

    /**
     * Decodes a checkpoint file of cluster {@code clusterId}, checking its size, kind, format
     * version, checksum, lengths and cluster in that order.
     *
     * @throws CodecException naming the first problem
     */
    public static Contents decode(byte[] file, long clusterId) throws CodecException {
        if (file.length < SIZE_BYTES_MIN) {
            throw new CodecException(CodecException.Kind.MALFORMED, "checkpoint file of " + file.length + " bytes: "
                    + "shorter than its header and checksum (" + SIZE_BYTES_MIN + "), truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != MAGIC) {
            throw new CodecException(CodecException.Kind.FOREIGN, "not a Viewstamp checkpoint file (magic "
                    + Integer.toHexString(b.getInt(0)) + ")");
        }
        if (b.getShort(4) != VERSION) {
            throw new CodecException(CodecException.Kind.FOREIGN, "checkpoint file of format version " + b.getShort(4)
                    + ": this build reads version " + VERSION);
        }
        if (checksum(file) != checksumOf(file)) {
            throw new CodecException(CodecException.Kind.BODY_CHECKSUM, "checkpoint file of " + file.length
                    + " bytes: checksum mismatch (torn, truncated or corrupt)");
        }
        long tableLength = b.getLong(48);
        long snapshotLength = b.getLong(56);
        long available = file.length - SIZE_BYTES_MIN;
        if (tableLength < 0 || snapshotLength < 0 || tableLength > available || snapshotLength != available - tableLength) {
            throw new CodecException(CodecException.Kind.MALFORMED, "checkpoint file of " + file.length + " bytes: "
                    + "its header declares " + tableLength + " client table bytes and " + snapshotLength
                    + " snapshot bytes, which is not what it holds");
        }
        if (b.getLong(8) != clusterId) {
            throw new CodecException(CodecException.Kind.FOREIGN, "checkpoint file of cluster " + b.getLong(8)
                    + ", not of cluster " + clusterId);
        }
        if (b.getShort(6) != 0) {
            throw new CodecException(CodecException.Kind.MALFORMED, "checkpoint file: reserved bytes 6..7 are not zero");
        }
        int tableEnd = HEADER_SIZE_BYTES + (int) tableLength;
        try {
            Checkpoint checkpoint = new Checkpoint(b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40),
                    Arrays.copyOfRange(file, HEADER_SIZE_BYTES, tableEnd));
            return new Contents(checkpoint, Arrays.copyOfRange(file, tableEnd, file.length - CHECKSUM_SIZE_BYTES));
        } catch (IllegalArgumentException e) {
            throw new CodecException(CodecException.Kind.MALFORMED, "checkpoint file: " + e.getMessage());
        }
    }
}
