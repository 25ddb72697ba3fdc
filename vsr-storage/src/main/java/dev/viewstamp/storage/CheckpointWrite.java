package dev.viewstamp.storage;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.Checkpoint;

/**
 * One checkpoint on its way to durability ({@link ReplicaStorage#persistCheckpoint};
 * docs/CHECKPOINTS.md, section 4), and how far it got:
 *
 * <ol>
 *   <li>{@link Step#FILE}: its file is written and synced. This starts at once, beside the writes
 *       queued before it, so the journal does not wait for a snapshot to reach the disk.
 *   <li>{@link Step#NAME}: once it is the storage's next request and its file is durable, a
 *       superblock names it. That superblock is the commit point: a crash before it leaves the
 *       previous checkpoint named, after it this one, and never a name without a durable file.
 *   <li>{@link Step#DELETE}: the previous checkpoint's file goes, now that no durable superblock
 *       names it (every copy was written and synced).
 * </ol>
 *
 * Then the storage reports it durable. An error stops the storage at the step that failed, and
 * {@link ReplicaStorage#resume} continues from that step: a superblock that already names this
 * checkpoint is never written again over a file that is not there. A file that could not be
 * written before the checkpoint's turn (a full disk, which may also have stopped the queue in
 * front of it) is written again at its turn, since space may have returned meanwhile; only a
 * failure at its turn, or a failed sync (fatal at once), stops the storage. Reporting the stale
 * error instead stopped a storage whose disk had space again (seeds of the simulator with
 * checkpoints: a full disk stopped the journal, the file's write failed behind it, and once the
 * storage resumed the checkpoint's turn stopped it again with no full disk to wait for).
 */
final class CheckpointWrite implements ReplicaStorage.Pending {

    /** The steps, in order; each is done once, and a resumed checkpoint starts at the one that failed. */
    enum Step { FILE, NAME, DELETE }

    /** Where the file's write stands; it runs apart from the queue. */
    private enum FileState { NOT_STARTED, WRITING, DURABLE, FAILED }

    private final ReplicaStorage storage;
    private final CheckpointStore store;
    final Checkpoint checkpoint;
    private final byte[] file;
    private final CheckpointReference reference;
    private Step step = Step.FILE;
    private FileState fileState = FileState.NOT_STARTED;
    private DiskError fileError;
    /** At the head of the storage's queue, waiting for the file: the file's completion goes on. */
    private boolean waiting;
    /** The file's last write failed while the checkpoint waited for it at its turn. */
    private boolean failedAtTurn;
    /** What the superblock named before this checkpoint: its file goes once this one is named. */
    private CheckpointReference previous;

    CheckpointWrite(ReplicaStorage storage, CheckpointStore store, Checkpoint checkpoint, byte[] file) {
        this.storage = storage;
        this.store = store;
        this.checkpoint = checkpoint;
        this.file = file;
        this.reference = CheckpointReference.of(checkpoint, file.length, CheckpointFile.checksum(file));
    }

    long op() {
        return checkpoint.op();
    }

    /** Starts writing the file, if it is not written or being written. */
    void startFile() {
        if (fileState == FileState.WRITING || fileState == FileState.DURABLE) return;
        fileState = FileState.WRITING;
        store.write(op(), file, error -> storage.schedule(() -> onFileWritten(error)));
    }

    private void onFileWritten(DiskError error) {
        fileState = error == null ? FileState.DURABLE : FileState.FAILED;
        fileError = error;
        failedAtTurn = waiting;
        if (waiting) {
            waiting = false;
            run();
        }
    }

    /** Runs the checkpoint's current step: the storage's queue reached it, or the step before completed. */
    void run() {
        switch (step) {
            case FILE -> {
                switch (fileState) {
                    case DURABLE -> advance(Step.NAME);
                    case FAILED -> {
                        fileState = FileState.NOT_STARTED; // written again now, or on resume
                        if (!failedAtTurn && fileError.kind() != DiskError.Kind.SYNC) {
                            waiting = true;
                            startFile();
                            return;
                        }
                        storage.stop(fileError);
                    }
                    case NOT_STARTED, WRITING -> {
                        waiting = true;
                        startFile();
                    }
                }
            }
            case NAME -> {
                previous = storage.superblock().checkpoint();
                Check.that(previous.op() < op(), "checkpoints are named in op order", previous.op(), op());
                storage.writeSuperblock(storage.superblock().successor().checkpoint(reference).build(),
                        () -> advance(Step.DELETE));
            }
            case DELETE -> {
                if (!previous.present()) {
                    storage.completeCheckpoint(this);
                    return;
                }
                store.delete(previous.op(), storage.andThen(() -> storage.completeCheckpoint(this)));
            }
        }
    }

    private void advance(Step next) {
        Check.that(next.ordinal() > step.ordinal(), "a checkpoint only moves forward", next.ordinal(), step.ordinal());
        step = next;
        run();
    }
}
