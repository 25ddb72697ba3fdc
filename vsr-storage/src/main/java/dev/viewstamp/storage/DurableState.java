package dev.viewstamp.storage;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.DurableBuilder;
import dev.viewstamp.core.replica.Replica;

/**
 * What a replica restarts from ({@link Replica.Durable}), built from what its disk held: the
 * superblock and what journal recovery found. {@link ReplicaStorage#open} reopens the storage on
 * the same; a read-only look at a data directory (vsr inspect) needs only this.
 */
public final class DurableState {

    private DurableState() {}

    /** What a replica restarts from, when its superblock names no checkpoint: see {@link #of(Superblock.State, Journal.Recovery, Checkpoint)}. */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery) {
        return of(superblock, recovery, (Checkpoint) null);
    }

    /**
     * What a replica restarts from, given its superblock, what journal recovery found, and what
     * became of the checkpoint file the superblock names ({@link CheckpointFile#load}): see
     * {@link #of(Superblock.State, Journal.Recovery, Checkpoint)}. A named file that is missing or
     * fails its checks is never skipped (docs/CHECKPOINTS.md, section 5): the replica restarts with
     * {@code checkpointLost}, the checkpoint as the superblock names it (no client table: that was
     * in the file), its log after it and its promises, executes nothing, and fetches a checkpoint
     * at least as new from a peer (state sync).
     */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery, CheckpointFile.Loaded loaded) {
        if (!loaded.named().equals(superblock.checkpoint())) {
            throw new IllegalArgumentException("the superblock names " + superblock.checkpoint()
                    + ", but the restart loaded " + loaded.named());
        }
        if (!loaded.lost()) return of(superblock, recovery, loaded.contents() == null ? null : loaded.contents().checkpoint());
        CheckpointReference named = loaded.named();
        Checkpoint asNamed = new Checkpoint(named.op(), named.entryChecksum(), named.entryTimestamp(), named.identity(),
                new byte[0]);
        return of(superblock, recovery, asNamed, true);
    }

    /**
     * What a replica restarts from, given its superblock, what journal recovery found, and the
     * checkpoint the superblock names (read from its file, and checked against what the superblock
     * names: {@link CheckpointFile#load}), or null when it names none: the intact log (after the
     * checkpoint), or the damage to repair (any fault, or a superblock that says an earlier run was
     * still damaged). The damage reaches the highest op any durable record names, and at least as
     * far as the earlier run's damage did.
     *
     * @throws IllegalArgumentException when {@code checkpoint} is not the one the superblock names
     */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery, Checkpoint checkpoint) {
        return of(superblock, recovery, checkpoint, false);
    }

    private static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery, Checkpoint checkpoint,
            boolean checkpointLost) {
        CheckpointReference named = superblock.checkpoint();
        if (named.present() != (checkpoint != null) || checkpoint != null && (checkpoint.op() != named.op()
                || checkpoint.identity() != named.identity() || checkpoint.entryChecksum() != named.entryChecksum())) {
            throw new IllegalArgumentException("the superblock names " + named + ", but the restart was given "
                    + (checkpoint == null ? "none" : checkpoint));
        }
        Check.that(recovery.anchorOp() == named.op(), "journal recovery starts at the named checkpoint",
                recovery.anchorOp(), named.op());
        DurableBuilder restart = Replica.Durable.builder().crashVector(superblock.crashVectorArray())
                .pipelinePrepareCountMax(superblock.pipelinePrepareCountMax());
        if (superblock.recovering()) return restart.recovering().build();
        restart.views(superblock.view(), superblock.logView())
                .commit(superblock.commitMax(), superblock.commitChecksum());
        if (checkpointLost) restart.checkpointLost(checkpoint);
        else restart.checkpoint(checkpoint);
        if (recovery.clean() && superblock.damagedOpMax() < 0) return restart.log(recovery.intactPrefix()).build();
        // A damaged log after a checkpoint is repaired above it (Replica.Damage with the checkpoint
        // as its anchor): a journal that came back damaged, or a state sync's install that cut ops
        // this replica held durable (the superblock's damage).
        long anchorOp = recovery.anchorOp();
        long headOp = recovery.headOp();
        long[] checksums = recovery.checksums().clone();
        long knownFromOp = anchorOp + 1;
        for (Journal.Fault fault : recovery.faults()) {
            switch (fault.kind()) {
                case BROKEN_CHAIN -> {
                    if (fault.op() > anchorOp) {
                        checksums[(int) (fault.op() - anchorOp - 1)] = fault.checksum();
                        knownFromOp = fault.op();
                    } else {
                        // The ops after the checkpoint chain among themselves but not to its entry:
                        // none of their checksums can be trusted.
                        knownFromOp = headOp + 1;
                    }
                }
                case DAMAGED_SUFFIX, REPAIR -> { }
            }
        }
        return restart.damage(new Replica.Damage(headOp, knownFromOp, checksums, recovery.entries(),
                Math.max(recovery.writtenOpMax(), superblock.damagedOpMax()), anchorOp)).build();
    }
}
