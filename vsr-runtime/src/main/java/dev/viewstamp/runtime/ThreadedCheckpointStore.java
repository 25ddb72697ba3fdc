package dev.viewstamp.runtime;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.storage.CheckpointStore;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.FileCheckpointStore;

/**
 * The replica's checkpoint files ({@link FileCheckpointStore}: temporary name, fsync, rename,
 * directory fsync), with every operation on the checkpoint thread, in the order asked, and its
 * completion on the replica's thread: a checkpoint's file is written, and a peer's state-sync
 * chunk read, while the replica goes on. The same thread encodes checkpoint files from the
 * service's snapshots ({@link StoragePort}), just before writing them.
 */
final class ThreadedCheckpointStore implements CheckpointStore {
    private final FileCheckpointStore store;
    private final IoThread thread;

    ThreadedCheckpointStore(FileCheckpointStore store, IoThread thread) {
        this.store = store;
        this.thread = thread;
    }

    @Override
    public void write(long op, byte[] file, Disk.Completion completion) {
        thread.submit(() -> done(c -> store.write(op, file, c), completion));
    }

    @Override
    public void read(long op, ReadCompletion completion) {
        thread.submit(() -> read(c -> store.read(op, c), completion));
    }

    @Override
    public void delete(long op, Disk.Completion completion) {
        thread.submit(() -> done(c -> store.delete(op, c), completion));
    }

    @Override
    public void list(ListCompletion completion) {
        thread.submit(() -> {
            Object[] result = {null, null};
            boolean[] called = {false};
            store.list((ops, error) -> {
                result[0] = ops;
                result[1] = error;
                called[0] = true;
            });
            Check.that(called[0], "a file operation completes before it returns");
            return () -> completion.done((long[]) result[0], (DiskError) result[1]);
        });
    }

    @Override
    public void readRange(long op, long offset, int lengthMax, ReadCompletion completion) {
        thread.submit(() -> read(c -> store.readRange(op, offset, lengthMax, c), completion));
    }

    @Override
    public void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion) {
        thread.submit(() -> done(c -> store.writeStaged(op, offset, bytes, c), completion));
    }

    @Override
    public void readStaged(long op, ReadCompletion completion) {
        thread.submit(() -> read(c -> store.readStaged(op, c), completion));
    }

    @Override
    public void promoteStaged(long op, Disk.Completion completion) {
        thread.submit(() -> done(c -> store.promoteStaged(op, c), completion));
    }

    @Override
    public void discardStaged(Disk.Completion completion) {
        thread.submit(() -> done(store::discardStaged, completion));
    }

    /** Runs a file operation that completes before it returns; the completion to run on the replica's thread. */
    private static Runnable done(java.util.function.Consumer<Disk.Completion> operation, Disk.Completion completion) {
        DiskError[] error = {null};
        boolean[] called = {false};
        operation.accept(e -> {
            error[0] = e;
            called[0] = true;
        });
        Check.that(called[0], "a file operation completes before it returns");
        return () -> completion.done(error[0]);
    }

    private static Runnable read(java.util.function.Consumer<ReadCompletion> operation, ReadCompletion completion) {
        byte[][] file = {null};
        DiskError[] error = {null};
        boolean[] called = {false};
        operation.accept((bytes, e) -> {
            file[0] = bytes;
            error[0] = e;
            called[0] = true;
        });
        Check.that(called[0], "a file operation completes before it returns");
        return () -> completion.done(file[0], error[0]);
    }
}
