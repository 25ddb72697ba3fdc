package dev.viewstamp.storage;

/**
 * Where a replica's checkpoint files live, one per op, as the storage code sees them: whole files
 * written durably, read, listed and deleted, each operation completing through a callback, like
 * {@link Disk}. The runtime keeps them in the data directory ({@link FileCheckpointStore}); the
 * simulator keeps them in memory and loses, tears or corrupts them on purpose.
 *
 * <p>Contract: {@link #write} completes without error only once the whole file and its name
 * survive a crash; before that, a crash leaves no file of that op (or the one it replaces), never
 * part of one. A delete completes once the file's absence survives a crash. Operations complete in
 * the order they were issued.
 */
public interface CheckpointStore {

    /** Writes the file of the checkpoint at {@code op} (replacing any), durably: see the class comment. */
    void write(long op, byte[] file, Disk.Completion completion);

    /**
     * Reads the whole file of the checkpoint at {@code op}. A missing or unreadable file is a
     * {@link DiskError.Kind#READ} error whose message says which.
     */
    void read(long op, ReadCompletion completion);

    /** Deletes the file of the checkpoint at {@code op}, and whatever a write of it left; a missing file is no error. */
    void delete(long op, Disk.Completion completion);

    /** The ops of every checkpoint file present, complete or left behind by a write that a crash cut short. */
    void list(ListCompletion completion);

    /** Called once per read: the file's bytes, or null and why not. */
    @FunctionalInterface
    interface ReadCompletion {
        void done(byte[] file, DiskError error);
    }

    /** Called once per listing: the ops in increasing order, or null and why not. */
    @FunctionalInterface
    interface ListCompletion {
        void done(long[] ops, DiskError error);
    }

    /**
     * A store for a storage that takes no checkpoints (a test's, or one configured with
     * {@code checkpointIntervalOps} 0): it holds no files, and refuses to write one.
     */
    CheckpointStore NONE = new CheckpointStore() {
        @Override
        public void write(long op, byte[] file, Disk.Completion completion) {
            throw new IllegalStateException("this storage was opened without a checkpoint store, so it takes no "
                    + "checkpoints: give it one, or configure checkpointIntervalOps 0");
        }

        @Override
        public void read(long op, ReadCompletion completion) {
            completion.done(null, new DiskError(DiskError.Kind.READ, "no checkpoint store: no file of op " + op));
        }

        @Override
        public void delete(long op, Disk.Completion completion) {
            completion.done(null);
        }

        @Override
        public void list(ListCompletion completion) {
            completion.done(new long[0], null);
        }
    };
}
