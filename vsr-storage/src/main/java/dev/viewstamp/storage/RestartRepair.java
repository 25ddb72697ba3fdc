package dev.viewstamp.storage;

/**
 * The writes a restart makes before any other ({@link ReplicaStorage#open}), each a request that
 * the storage's queue runs at its turn, in this order:
 *
 * <ol>
 *   <li>{@link RewriteSuperblock}: a superblock state that not every copy holds is written to all
 *       of them, so the replica stops depending on one copy: a bad sector there would otherwise
 *       bring back the older state, and the replica would forget a view it has voted in since.
 *   <li>{@link RecordDamage}: the damage recovery found is made durable before any other write
 *       ({@link ReplicaStorage#persistDamage}): the next superblock would otherwise cover the
 *       records that showed it, and a crash after it would come back clean.
 *   <li>{@link RepairHeaders}: the redundant headers recovery found missing or damaged in the
 *       recovered log are rewritten, after the damage record, since the repair overwrites
 *       unreadable headers that were part of the evidence.
 *   <li>{@link CleanUpCheckpoints}: the checkpoint files a crash left that the superblock does not
 *       name are deleted, and a state sync's staged file: only after the superblock repair, since
 *       until then an older copy may still name one of them.
 * </ol>
 *
 * Whatever the replica persists meanwhile waits behind these writes, so it acknowledges nothing
 * and enters no new view before they are durable. An error stops the storage at the request that
 * failed, and {@link ReplicaStorage#resume} runs that request again from its start.
 */
final class RestartRepair {

    /** Every copy of the superblock gets its current state, with the next sequence ({@link #rewriteSuperblock}). */
    record RewriteSuperblock() implements ReplicaStorage.Pending {}

    /** The superblock records damage up to {@code damagedOpMax} ({@link #recordDamage}). */
    record RecordDamage(long damagedOpMax) implements ReplicaStorage.Pending {}

    /** The recovered log's lost redundant headers are rewritten ({@link #repairHeaders}). */
    record RepairHeaders() implements ReplicaStorage.Pending {}

    /** At a restart: delete every checkpoint file the superblock does not name ({@link #cleanUpCheckpoints}). */
    record CleanUpCheckpoints() implements ReplicaStorage.Pending {}

    private final ReplicaStorage storage;
    private final Disk disk;
    private final Journal journal;
    private final CheckpointStore checkpoints;

    RestartRepair(ReplicaStorage storage, Disk disk, Journal journal, CheckpointStore checkpoints) {
        this.storage = storage;
        this.disk = disk;
        this.journal = journal;
        this.checkpoints = checkpoints;
    }

    /**
     * Makes the damage recovery found durable before any other write: the next superblock
     * would otherwise cover the records that showed it (its journal sequence passes theirs), and a
     * crash after it would come back clean, without ops this replica acknowledged. Views, head,
     * suffix and journal sequence stay as they were, so the evidence stays valid too.
     */
    void recordDamage(RecordDamage damage) {
        Superblock.State current = storage.superblock();
        if (current.damagedOpMax() >= damage.damagedOpMax()) {
            storage.completeHead();
            return;
        }
        storage.writeSuperblock(current.successor().damagedOpMax(damage.damagedOpMax()).build(), storage::completeHead);
    }

    /** The superblock state again, with the next sequence, in every copy ({@link ReplicaStorage#open}). */
    void rewriteSuperblock() {
        Superblock.State rewritten = storage.superblock().rewritten();
        Superblock.write(disk, rewritten, error -> {
            if (error != null) {
                storage.stop(error);
                return;
            }
            storage.superblockWritten(rewritten);
            storage.completeHead();
        });
    }

    /** The redundant headers recovery found lost in the recovered log ({@link ReplicaStorage#open}). */
    void repairHeaders() {
        journal.repairHeaders(error -> {
            if (error != null) {
                storage.stop(error);
                return;
            }
            storage.completeHead();
        });
    }

    /**
     * Deletes every checkpoint file the superblock does not name (left by a crash before its
     * superblock, or before the delete that follows one), except that of a checkpoint taken since
     * the restart, which may be writing its file already; then the staged file of a state sync the
     * crash cut short (the core starts a sync over from its first byte).
     */
    void cleanUpCheckpoints() {
        checkpoints.list((ops, error) -> storage.schedule(() -> {
            if (error != null) {
                storage.stop(error);
                return;
            }
            deleteStrayCheckpoints(ops, 0);
        }));
    }

    private void deleteStrayCheckpoints(long[] ops, int index) {
        for (int i = index; i < ops.length; i++) {
            long op = ops[i];
            if (op == storage.superblock().checkpoint().op() || checkpointQueued(op)) continue;
            int next = i + 1;
            checkpoints.delete(op, storage.andThen(() -> deleteStrayCheckpoints(ops, next)));
            return;
        }
        checkpoints.discardStaged(storage.andThen(storage::completeHead));
    }

    /** True when a checkpoint taken since the restart waits in the queue: its file may be writing already. */
    private boolean checkpointQueued(long op) {
        for (ReplicaStorage.Pending pending : storage.queued()) {
            if (pending instanceof CheckpointWrite write && write.op() == op) return true;
        }
        return false;
    }
}
