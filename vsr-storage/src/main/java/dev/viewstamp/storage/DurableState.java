package dev.viewstamp.storage;

import dev.viewstamp.core.replica.Replica;
import java.util.List;

/**
 * What a replica restarts from ({@link Replica.Durable}), built from what its disk held: the
 * superblock and what journal recovery found. {@link ReplicaStorage#open} reopens the storage on
 * the same; a read-only look at a data directory (vsr inspect) needs only this.
 */
public final class DurableState {

    private DurableState() {}

    /**
     * What a replica restarts from, given its superblock and what journal recovery found: the
     * intact log, or the damage to repair (any fault, or a superblock that says an earlier run was
     * still damaged). The damage reaches the highest op any durable record names, and at least as
     * far as the earlier run's damage did.
     */
    public static Replica.Durable of(Superblock.State superblock, Journal.Recovery recovery) {
        if (superblock.recovering()) {
            return new Replica.Durable(0, 0, List.of(), null, superblock.crashVectorArray(), true, 0, 0,
                    superblock.pipelinePrepareCountMax());
        }
        if (recovery.clean() && superblock.damagedOpMax() < 0) {
            return new Replica.Durable(superblock.view(), superblock.logView(), recovery.intactPrefix(), null,
                    superblock.crashVectorArray(), false, superblock.commitMax(), superblock.commitChecksum(),
                    superblock.pipelinePrepareCountMax());
        }
        long headOp = recovery.headOp();
        long[] checksums = recovery.checksums().clone();
        long knownFromOp = 1;
        for (Journal.Fault fault : recovery.faults()) {
            switch (fault.kind()) {
                case BROKEN_CHAIN -> {
                    checksums[(int) (fault.op() - 1)] = fault.checksum();
                    knownFromOp = fault.op();
                }
                case DAMAGED_SUFFIX, REPAIR -> { }
            }
        }
        return new Replica.Durable(superblock.view(), superblock.logView(), List.of(),
                new Replica.Damage(headOp, knownFromOp, checksums, recovery.entries(),
                        Math.max(recovery.writtenOpMax(), superblock.damagedOpMax())),
                superblock.crashVectorArray(), false, superblock.commitMax(), superblock.commitChecksum(),
                superblock.pipelinePrepareCountMax());
    }
}
