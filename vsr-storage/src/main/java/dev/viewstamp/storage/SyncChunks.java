package dev.viewstamp.storage;

import dev.viewstamp.core.message.SyncChunk;
import java.util.function.Consumer;

/**
 * State sync's chunks (docs/CHECKPOINTS.md, section 7), both ways: serving chunks of this
 * replica's checkpoint file to a peer ({@link ReplicaStorage#serveSyncChunk}), and staging chunks
 * fetched from one ({@link ReplicaStorage#writeSyncChunk}) for {@link SyncInstall} to check and
 * install.
 *
 * <p>Serving reads straight from the store, beside the storage's queue: it changes nothing, and a
 * delete queued before it at most makes it find nothing. It serves only the file the superblock
 * names, so it never serves a file a crash could take back.
 *
 * <p>Staging writes a {@link Stage} at its turn among the other requests, and syncs it before it
 * is reported, so that an install queued after it finds every chunk asked for before it durable.
 * No superblock names the staged file: a crash leaves a stray staged file at most, which the
 * restart discards (the core starts a sync over from its first byte), and only the install's
 * superblock makes a checkpoint of it.
 */
final class SyncChunks {

    /** A chunk of a state sync's staged file, written and synced at its turn ({@link #write}). */
    record Stage(long checkpointOp, long offset, byte[] bytes) implements ReplicaStorage.Pending {}

    private final ReplicaStorage storage;
    private final CheckpointStore store;
    private int chunkSizeBytes = ReplicaStorage.SYNC_CHUNK_SIZE_BYTES;

    SyncChunks(ReplicaStorage storage, CheckpointStore store) {
        this.storage = storage;
        this.store = store;
    }

    /** Serves chunks of {@code value} bytes ({@link ReplicaStorage#syncChunkSizeBytes(int)}). */
    void chunkSizeBytes(int value) {
        chunkSizeBytes = value;
    }

    /**
     * Reads the chunk at {@code offset} of the named checkpoint file and hands it to {@code send},
     * or sends nothing ({@link ReplicaStorage#serveSyncChunk}).
     */
    void serve(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send) {
        Superblock.State superblock = storage.superblock();
        CheckpointReference named = superblock.checkpoint();
        if (!named.present() || named.op() != checkpointOp || named.identity() != identity || offset < 0
                || offset >= named.fileSizeBytes()) {
            return;
        }
        int replicaIndex = superblock.replicaIndex();
        store.readRange(checkpointOp, offset, chunkSizeBytes, (bytes, error) -> storage.schedule(() -> {
            if (error != null || bytes.length == 0) return;
            send.accept(SyncChunk.of(checkpointOp, identity, offset, named.fileSizeBytes(), named.fileChecksum(), bytes,
                    replicaIndex));
        }));
    }

    /** Writes {@code stage} to the staged file and syncs it, at its turn; then reports it. */
    void write(Stage stage) {
        store.writeStaged(stage.checkpointOp(), stage.offset(), stage.bytes(), storage.andThen(() -> storage.completeHead(
                listener -> listener.onSyncChunkDurable(stage.checkpointOp(), stage.offset() + stage.bytes().length))));
    }
}
