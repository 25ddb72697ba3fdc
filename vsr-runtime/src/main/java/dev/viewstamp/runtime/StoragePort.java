package dev.viewstamp.runtime;

import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.ReplicaStorage;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The core's storage requests, handed to {@link ReplicaStorage} in the order the core made them,
 * with one difference from calling it directly: a checkpoint's file is encoded from the service's
 * snapshot on the checkpoint thread ({@link StateMachine.Snapshot#writeTo} is made to run there),
 * not on the replica's thread, which goes on taking messages and executing meanwhile.
 *
 * <p>The storage's queue defines the order in which writes complete (the core's durability port
 * contract), and a checkpoint takes its place in it only once its file is encoded. So requests the
 * core makes while a file is being encoded wait here, and follow it into the storage in order:
 * otherwise a log change, or a state sync's install of a newer checkpoint, could overtake it. The
 * wait holds up only the journal's next writes, for the time it takes to serialize the snapshot
 * into memory; the file's write and fsync then run beside the journal's, as in the storage.
 */
final class StoragePort {
    private final ReplicaStorage storage;
    private final IoThread checkpointThread;
    private final long clusterId;
    private final ArrayDeque<Consumer<ReplicaStorage>> held = new ArrayDeque<>();
    /** A checkpoint's file is being encoded: requests wait in {@link #held}. */
    private boolean encoding;

    StoragePort(ReplicaStorage storage, IoThread checkpointThread, long clusterId) {
        this.storage = storage;
        this.checkpointThread = checkpointThread;
        this.clusterId = clusterId;
    }

    ReplicaStorage storage() {
        return storage;
    }

    /** Hands {@code request} to the storage now, or after the checkpoint being encoded. */
    void submit(Consumer<ReplicaStorage> request) {
        if (encoding) held.addLast(request);
        else request.accept(storage);
    }

    void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        submit(s -> encode(checkpoint, snapshot));
    }

    /** True while a file is being encoded (a closing node waits for it to reach the storage). */
    boolean encoding() {
        return encoding;
    }

    private void encode(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        encoding = true;
        // The executor hand-off publishes the snapshot to the checkpoint thread (StateMachine.Snapshot).
        checkpointThread.submit(() -> {
            byte[] file = CheckpointFile.encode(clusterId, checkpoint, snapshot);
            return () -> encoded(checkpoint, file);
        });
    }

    private void encoded(Checkpoint checkpoint, byte[] file) {
        storage.persistCheckpointFile(checkpoint, file);
        encoding = false;
        while (!encoding && !held.isEmpty()) held.pollFirst().accept(storage);
    }
}
