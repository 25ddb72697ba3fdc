package dev.viewstamp.storage;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.List;

/**
 * What a replica restarts from ({@link Replica.Durable}), built from what its disk held: the
 * superblock and what journal recovery found. {@link ReplicaStorage#open} reopens the storage on
 * the same; a read-only look at a data directory (vsr inspect) needs only this.
 */
public final class DurableState {

    private DurableState() {}

    /** What a replica restarts from, when its superblock names no checkpoint: see {@link #of(Superblock.State, Journal.Recovery, Checkpoint)}. */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery) {
        return of(superblock, recovery, null);
    }

    /**
     * What a replica restarts from, given its superblock, what journal recovery found, and the
     * checkpoint the superblock names (read from its file, and checked against what the superblock
     * names: {@link CheckpointFile#load}), or null when it names none: the intact log (after the
     * checkpoint), or the damage to repair (any fault, or a superblock that says an earlier run was
     * still damaged). The damage reaches the highest op any durable record names, and at least as
     * far as the earlier run's damage did.
     *
     * <p>A damaged log after a checkpoint is a damage above it ({@link Replica.Damage#anchorOp}):
     * the core repairs the ops after the checkpoint from its peers, and never asks for one below.
     *
     * @throws IllegalArgumentException when {@code checkpoint} is not the one the superblock names
     * @throws IllegalStateException when the log after the checkpoint does not chain to the
     *     checkpoint's entry: no crash or fault the checksums miss does that (a log change never
     *     replaces the committed entry a checkpoint was taken at), and no peer could repair it
     */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery, Checkpoint checkpoint) {
        CheckpointReference named = superblock.checkpoint();
        if (named.present() != (checkpoint != null) || checkpoint != null && (checkpoint.op() != named.op()
                || checkpoint.identity() != named.identity() || checkpoint.entryChecksum() != named.entryChecksum())) {
            throw new IllegalArgumentException("the superblock names " + named + ", but the restart was given "
                    + (checkpoint == null ? "none" : checkpoint));
        }
        Check.that(recovery.anchorOp() == named.op(), "journal recovery starts at the named checkpoint",
                recovery.anchorOp(), named.op());
        if (superblock.recovering()) {
            return new Replica.Durable(0, 0, List.of(), null, superblock.crashVectorArray(), true, 0, 0,
                    superblock.pipelinePrepareCountMax());
        }
        if (recovery.clean() && superblock.damagedOpMax() < 0) {
            return new Replica.Durable(superblock.view(), superblock.logView(), recovery.intactPrefix(), null,
                    superblock.crashVectorArray(), false, superblock.commitMax(), superblock.commitChecksum(),
                    superblock.pipelinePrepareCountMax(), checkpoint);
        }
        long anchorOp = recovery.anchorOp();
        long headOp = recovery.headOp();
        long[] checksums = recovery.checksums().clone();
        long knownFromOp = anchorOp + 1;
        for (Journal.Fault fault : recovery.faults()) {
            switch (fault.kind()) {
                case BROKEN_CHAIN -> {
                    if (fault.op() <= anchorOp) {
                        throw new IllegalStateException("replica " + superblock.replicaIndex() + ": the journal after "
                                + "the checkpoint at op " + anchorOp + " does not chain to the checkpoint's entry ("
                                + describe(recovery, superblock) + "): the replica cannot start on this disk");
                    }
                    checksums[(int) (fault.op() - anchorOp - 1)] = fault.checksum();
                    knownFromOp = fault.op();
                }
                case DAMAGED_SUFFIX, REPAIR -> { }
            }
        }
        return new Replica.Durable(superblock.view(), superblock.logView(), List.of(),
                new Replica.Damage(headOp, knownFromOp, checksums, recovery.entries(),
                        Math.max(recovery.writtenOpMax(), superblock.damagedOpMax()), anchorOp),
                superblock.crashVectorArray(), false, superblock.commitMax(), superblock.commitChecksum(),
                superblock.pipelinePrepareCountMax(), checkpoint);
    }

    /** The faults recovery found, and an earlier run's damage, in a few words. */
    private static String describe(Journal.Recovery recovery, Superblock.State superblock) {
        List<String> found = new ArrayList<>();
        for (Journal.Fault fault : recovery.faults()) found.add(fault.kind() + " at op " + fault.op());
        if (superblock.damagedOpMax() >= 0) found.add("an earlier run's damage up to op " + superblock.damagedOpMax());
        return String.join(", ", found);
    }
}
