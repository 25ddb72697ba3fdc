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
 *
 * <p>State sync (docs/CHECKPOINTS.md, section 7) adds a <b>staged file</b>: at most one, of the
 * checkpoint being fetched from a peer, written chunk by chunk at increasing offsets
 * ({@link #writeStaged}), read back whole to be checked ({@link #readStaged}), and then made the
 * checkpoint file of its op in one step ({@link #promoteStaged}). A staged file is never a
 * checkpoint: {@link #list} does not show it, and a crash may leave any part of it (the install
 * checks the whole file against its size and checksum before trusting a byte). Serving a peer
 * reads a range of a checkpoint file ({@link #readRange}).
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

    /**
     * Reads at most {@code lengthMax} bytes of the file of the checkpoint at {@code op}, from
     * {@code offset} on: fewer at the end of the file, none at or past it. A missing or unreadable
     * file is a {@link DiskError.Kind#READ} error, as for {@link #read}. The default reads the
     * whole file; a store of large files reads only the range.
     */
    default void readRange(long op, long offset, int lengthMax, ReadCompletion completion) {
        read(op, (file, error) -> {
            if (error != null) {
                completion.done(null, error);
                return;
            }
            int from = (int) Math.min(file.length, Math.max(0, offset));
            int to = (int) Math.min(file.length, (long) from + lengthMax);
            completion.done(java.util.Arrays.copyOfRange(file, from, to), null);
        });
    }

    /**
     * Writes {@code bytes} at {@code offset} of the staged file of the checkpoint at {@code op},
     * and syncs it. At offset 0, or when the staged file is of another op (or there is none), the
     * staged file is discarded first and a new one started; otherwise it is cut to {@code offset}
     * first, so that it ends with these bytes. Completes without error once bytes
     * {@code 0 .. offset + bytes.length} of the staged file survive a crash.
     */
    void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion);

    /**
     * Reads the whole staged file of the checkpoint at {@code op}. None, or one of another op, is a
     * {@link DiskError.Kind#READ} error whose message says which.
     */
    void readStaged(long op, ReadCompletion completion);

    /**
     * Makes the staged file of the checkpoint at {@code op} that checkpoint's file (replacing any),
     * in one atomic step: completes without error once the file is under the checkpoint's name and
     * that survives a crash; a crash before leaves the staged file, or the checkpoint's file whole,
     * never part of one. No staged file of that op is a {@link DiskError.Kind#READ} error.
     */
    void promoteStaged(long op, Disk.Completion completion);

    /** Deletes the staged file, if any, durably; none is no error. */
    void discardStaged(Disk.Completion completion);

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

        @Override
        public void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion) {
            throw new IllegalStateException("this storage was opened without a checkpoint store, so it cannot stage a "
                    + "checkpoint from a peer: give it one, or configure checkpointIntervalOps 0");
        }

        @Override
        public void readStaged(long op, ReadCompletion completion) {
            completion.done(null, new DiskError(DiskError.Kind.READ, "no checkpoint store: nothing staged"));
        }

        @Override
        public void promoteStaged(long op, Disk.Completion completion) {
            completion.done(new DiskError(DiskError.Kind.READ, "no checkpoint store: nothing staged"));
        }

        @Override
        public void discardStaged(Disk.Completion completion) {
            completion.done(null);
        }
    };
}
