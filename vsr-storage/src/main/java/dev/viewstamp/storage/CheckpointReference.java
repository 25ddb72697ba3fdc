package dev.viewstamp.storage;

import dev.viewstamp.core.replica.Checkpoint;

/**
 * What a superblock says about the checkpoint it names (docs/CHECKPOINTS.md, section 4): enough to
 * find its file ({@code op}), to check the file before trusting it ({@code fileSizeBytes},
 * {@code fileChecksum}) and to check that it holds the checkpoint the replica took
 * ({@code identity}, and the entry at {@code op} that anchors the log after it). Journal recovery
 * walks back from the log's head only down to {@code op}, whose entry must have
 * {@code entryChecksum}.
 *
 * <p>Op 0 with every other field 0 is {@link #NONE}: no checkpoint yet.
 */
public record CheckpointReference(long op, long identity, long entryChecksum, long entryTimestamp, long fileSizeBytes,
        long fileChecksum) {

    public static final CheckpointReference NONE = new CheckpointReference(0, 0, 0, 0, 0, 0);

    public CheckpointReference {
        if (op < 0) throw new IllegalArgumentException("a checkpoint op is not negative: " + op);
        if (op == 0 && (identity != 0 || entryChecksum != 0 || entryTimestamp != 0 || fileSizeBytes != 0
                || fileChecksum != 0)) {
            throw new IllegalArgumentException("no checkpoint (op 0), but its other fields are not zero");
        }
        if (op > 0 && fileSizeBytes < CheckpointFile.SIZE_BYTES_MIN) {
            throw new IllegalArgumentException("the checkpoint at op " + op + " names a file of " + fileSizeBytes
                    + " bytes, less than the " + CheckpointFile.SIZE_BYTES_MIN + " of an empty one");
        }
    }

    /** The reference to {@code checkpoint}, written to a file of {@code fileSizeBytes} whose checksum is {@code fileChecksum}. */
    public static CheckpointReference of(Checkpoint checkpoint, long fileSizeBytes, long fileChecksum) {
        return new CheckpointReference(checkpoint.op(), checkpoint.identity(), checkpoint.entryChecksum(),
                checkpoint.entryTimestamp(), fileSizeBytes, fileChecksum);
    }

    /** True when a checkpoint is named (op above 0). */
    public boolean present() {
        return op > 0;
    }

    @Override
    public String toString() {
        return present() ? "checkpoint op " + op + " identity " + Long.toHexString(identity) + " (" + fileSizeBytes
                + " bytes)" : "no checkpoint";
    }
}
