package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.service.StateMachine;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * The install of a checkpoint fetched from a peer ({@link ReplicaStorage#installSync};
 * docs/CHECKPOINTS.md, section 7), and how far it got. It runs at its turn in the storage's
 * queue, so every staged chunk asked for before it is durable, and no journal write runs beside it:
 *
 * <ol>
 *   <li>{@link Step#CHECK}: the staged file is read whole and checked: its size and file
 *       checksum (what the peer offered), every byte ({@link CheckpointFile#decode}), its op, and
 *       the identity of the state it restores to, in a new service off to the side
 *       ({@link Checkpoint#identityWith}). A check that fails ends the install here, with nothing
 *       changed: {@link ReplicaStorage.Listener#onSyncFailed}.
 *   <li>{@link Step#PROMOTE}: the staged file becomes the checkpoint's file ({@code
 *       checkpoint-<op>.vsr}), in one rename. Not named by any superblock yet, it is a stray file
 *       that a restart deletes.
 *   <li>{@link Step#NAME}: a superblock names the checkpoint, with the state the core gave, and the
 *       log cut to the checkpoint's op: head at that op with the checkpoint's entry checksum, no
 *       suffix headers, and the journal sequence of the last record written. That superblock is
 *       the commit point: a crash before it leaves the old state, after it the new one. Journal
 *       recovery then walks back from the head no further than the checkpoint (they are the same
 *       op), and extends the log only with records written after this superblock: every record of
 *       the old log past the checkpoint carries a sequence at or below the superblock's, so none of
 *       them is ever taken for an op of the new log, even where it chains by accident.
 *   <li>{@link Step#DELETE}: the previous checkpoint's file goes, now that no durable superblock
 *       names it.
 * </ol>
 *
 * A replica whose restart found its named checkpoint's file missing or damaged may install that
 * very checkpoint, fetched from a peer: the rename replaces the bad file, the superblock names the
 * same op with the new file's size and checksum, and there is no previous file to delete. A crash
 * between the rename and the superblock leaves a file the old name may not match; the next
 * restart then finds it damaged again and fetches it again.
 *
 * <p>Then the storage reports it, with the file's contents, from which the driver restores the live
 * service before it tells the replica ({@link ReplicaStorage.Listener#onSyncInstalled}). A full
 * disk or failed sync stops the storage at the step that failed, like its other errors, and
 * {@link ReplicaStorage#resume} continues from there.
 */
final class SyncInstall implements ReplicaStorage.Pending {

    /** The steps, in order; each is done once, and a resumed install starts at the one that failed. */
    enum Step { CHECK, PROMOTE, NAME, DELETE }

    private final ReplicaStorage storage;
    private final CheckpointStore store;
    private final long op;
    private final long identity;
    private final long sizeBytes;
    private final long fileChecksum;
    private final Output.ReplicaState state;
    private final Supplier<? extends StateMachine> services;
    private Step step = Step.CHECK;
    /** The checked file's contents and what the superblock will say of it, once {@link Step#CHECK} passed. */
    private CheckpointFile.Contents contents;
    private CheckpointReference reference;
    /** What the superblock named before: its file goes once this one is named. */
    private CheckpointReference previous;

    SyncInstall(ReplicaStorage storage, CheckpointStore store, long op, long identity, long sizeBytes, long fileChecksum,
            Output.ReplicaState state, Supplier<? extends StateMachine> services) {
        this.storage = storage;
        this.store = store;
        this.op = op;
        this.identity = identity;
        this.sizeBytes = sizeBytes;
        this.fileChecksum = fileChecksum;
        this.state = state;
        this.services = services;
    }

    long op() {
        return op;
    }

    /** Runs the install's current step: the storage's queue reached it, or the step before completed. */
    void run() {
        switch (step) {
            case CHECK -> store.readStaged(op, (file, error) -> storage.schedule(() -> {
                String problem = error != null ? "the staged file cannot be read: " + error.message() : check(file);
                if (problem != null) {
                    storage.failSync(this, problem);
                    return;
                }
                advance(Step.PROMOTE);
            }));
            case PROMOTE -> store.promoteStaged(op, storage.andThen(() -> advance(Step.NAME)));
            case NAME -> {
                Superblock.State current = storage.superblock();
                previous = current.checkpoint();
                Check.that(previous.op() < op || previous.op() == op && storage.checkpointFileLost(),
                        "an install moves the checkpoint forward, or replaces a lost file", previous.op(), op);
                Checkpoint installed = contents.checkpoint();
                Superblock.State next = current.successor().view(state.view()).logView(state.logView())
                        .damagedOpMax(state.damagedOpMax()).crashVector(state.crashVector())
                        .commit(state.commitMax(), state.commitChecksum())
                        .logHead(op, installed.entryChecksum(), List.of())
                        .journalSequence(storage.journalSequence())
                        .checkpoint(reference).build();
                storage.writeLogSuperblock(next, op, () -> advance(Step.DELETE));
            }
            case DELETE -> {
                if (!previous.present() || previous.op() == op) {
                    storage.completeSync(this, contents);
                    return;
                }
                store.delete(previous.op(), storage.andThen(() -> storage.completeSync(this, contents)));
            }
        }
    }

    /** What is wrong with the staged {@code file}, or null when it holds the very checkpoint asked for. */
    private String check(byte[] file) {
        if (file.length != sizeBytes) {
            return "the staged file has " + file.length + " bytes, but the offered file has " + sizeBytes;
        }
        if (file.length < CheckpointFile.SIZE_BYTES_MIN || CheckpointFile.checksum(file) != fileChecksum) {
            return "the staged file's checksum is not the offered file's " + Long.toHexString(fileChecksum);
        }
        CheckpointFile.Contents decoded;
        try {
            decoded = CheckpointFile.decode(file, storage.superblock().clusterId());
        } catch (CodecException e) {
            return "the staged file: " + e.getMessage();
        }
        Checkpoint checkpoint = decoded.checkpoint();
        if (checkpoint.op() != op || checkpoint.identity() != identity) {
            return "the staged file holds " + checkpoint + ", not the checkpoint at op " + op + " with identity "
                    + Long.toHexString(identity);
        }
        StateMachine aside = services.get();
        long restoredIdentity;
        try {
            aside.restore(decoded.snapshotStream());
            restoredIdentity = checkpoint.identityWith(storage.superblock().clusterId(), aside.stateChecksum());
        } catch (IOException | IllegalArgumentException e) {
            return "the staged file does not restore: " + e.getMessage();
        }
        if (restoredIdentity != identity) {
            return "the staged file restores to identity " + Long.toHexString(restoredIdentity) + ", not "
                    + Long.toHexString(identity);
        }
        contents = decoded;
        reference = CheckpointReference.of(checkpoint, file.length, fileChecksum);
        return null;
    }

    private void advance(Step next) {
        Check.that(next.ordinal() > step.ordinal(), "an install only moves forward", next.ordinal(), step.ordinal());
        step = next;
        run();
    }
}
