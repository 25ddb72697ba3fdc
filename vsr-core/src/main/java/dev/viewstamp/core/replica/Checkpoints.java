package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.service.StateMachine;

/**
 * Checkpoints and log compaction (VRR 5.1; docs/CHECKPOINTS.md): at every multiple of
 * {@code checkpointIntervalOps} a replica snapshots the service and the client table, the driver
 * makes the checkpoint durable, and the log before it is dropped.
 */
final class Checkpoints extends SubProtocol {

    Checkpoints(ProtocolState s) {
        super(s);
    }

    /** True when a checkpoint is taken right after executing {@code op}: the same ops on every replica. */
    boolean due(long op) {
        long interval = s.config.checkpointIntervalOps();
        return interval > 0 && op % interval == 0;
    }

    /**
     * Right after executing {@code entry}: at a checkpoint op, takes the checkpoint (the state is
     * exactly the state after that op) and asks the driver to make it durable. A service that
     * cannot snapshot gets none, and its log is never compacted.
     */
    void afterExecute(Entry entry, Output out) {
        if (s.config.canary(Canary.SNAPSHOT_AFTER_NEXT_OP)) {
            canarySnapshotAfterNextOp(entry, out);
            return;
        }
        if (!due(entry.op())) return;
        Check.that(entry.op() == s.commit, "a checkpoint of exactly the executed ops", entry.op(), s.commit);
        StateMachine.Snapshot snapshot = s.stateMachine.snapshot();
        if (snapshot == null) return;
        take(entry, snapshot, s.clientTable, out);
        Check.that(s.checkpoint.op() == s.commit, "the newest checkpoint is of the executed ops", s.checkpoint.op(),
                s.commit);
    }

    /** Takes the checkpoint at {@code entry}'s op of the service's {@code snapshot} and {@code table}. */
    private void take(Entry entry, StateMachine.Snapshot snapshot, ClientTable table, Output out) {
        Check.that(snapshot.stateChecksum() == s.stateMachine.stateChecksum(), "a snapshot of the state as it is");
        long identity = Checkpoint.identity(s.config.clusterId(), entry.op(), entry.checksum(),
                snapshot.stateChecksum(), table.checksum());
        Checkpoint checkpoint = new Checkpoint(entry.op(), entry.checksum(), entry.timestamp(), identity,
                table.encode());
        s.checkpoint = checkpoint;
        s.checkpointsTakenCount++;
        checkAgainstAnnounced();
        s.checkpointsInFlight.addLast(checkpoint);
        out.persistCheckpoint(checkpoint, snapshot);
    }

    /**
     * Canary {@link Canary#SNAPSHOT_AFTER_NEXT_OP}: the checkpoint op's entry and client table,
     * until the next op executes. Kept here rather than in {@link ProtocolState} so the canary is
     * in one place; a restart forgets them with the rest of the replica's memory.
     */
    private Entry canaryDueEntry;
    private byte[] canaryDueClientTable;

    /**
     * Canary {@link Canary#SNAPSHOT_AFTER_NEXT_OP}: at a checkpoint op {@code C}, only remembers its
     * entry and the client table; right after executing {@code C + 1}, takes the checkpoint at
     * {@code C} with that client table but a snapshot of the service as it is after {@code C + 1}.
     */
    private void canarySnapshotAfterNextOp(Entry entry, Output out) {
        Entry labelled = canaryDueEntry;
        byte[] table = canaryDueClientTable;
        boolean due = due(entry.op());
        canaryDueEntry = due ? entry : null;
        canaryDueClientTable = due ? s.clientTable.encode() : null;
        if (labelled == null || labelled.op() != entry.op() - 1) return;
        StateMachine.Snapshot snapshot = s.stateMachine.snapshot();
        if (snapshot == null) return;
        take(labelled, snapshot, ClientTable.decode(table, s.config.clientTableSessionsMax()), out);
    }

    /**
     * A primary announced its newest checkpoint (a Prepare's or Commit's); ours at the same op must
     * be the same state. 0: none announced.
     */
    void onAnnounced(long op, long identity) {
        if (op == 0 || op < s.announcedCheckpointOp) return;
        if (op == s.announcedCheckpointOp && identity != s.announcedCheckpointIdentity) {
            throw new StateDivergedException("replica " + s.replicaIndex + ": two primaries announced checkpoints at op "
                    + op + " with identities " + Long.toHexString(s.announcedCheckpointIdentity) + " and "
                    + Long.toHexString(identity) + ": the cluster's state diverged; stopping rather than serve it");
        }
        s.announcedCheckpointOp = op;
        s.announcedCheckpointIdentity = identity;
        checkAgainstAnnounced();
    }

    /** @throws StateDivergedException when our newest checkpoint and the announced one differ at the same op */
    private void checkAgainstAnnounced() {
        if (s.checkpoint == null || s.checkpoint.op() != s.announcedCheckpointOp) return;
        if (s.checkpoint.identity() == s.announcedCheckpointIdentity) return;
        throw new StateDivergedException("replica " + s.replicaIndex + ": state diverged at op " + s.checkpoint.op()
                + ": our checkpoint's identity is " + Long.toHexString(s.checkpoint.identity())
                + ", the primary's is " + Long.toHexString(s.announcedCheckpointIdentity)
                + " (a service that is not deterministic, or state damaged unseen); stopping rather than serve it");
    }

    /**
     * The driver made the checkpoint at {@code op} durable (the oldest one in flight: checkpoints
     * complete in the order they were taken). The log before it goes: every op up to it is
     * executed, and a restart starts from it.
     */
    void onDurable(long op) {
        Checkpoint durable = s.checkpointsInFlight.pollFirst();
        Check.that(durable != null && durable.op() == op, "the checkpoint made durable is the oldest in flight");
        Check.that(op <= s.commit, "a checkpoint of executed ops", op, s.commit);
        s.checkpointDurable = durable;
        // The log holds the checkpoint's entry: it is committed, and no log change replaces a
        // committed entry.
        Check.that(s.log.holds(op, durable.entryChecksum()), "the log holds the checkpoint's entry");
        s.log.compactTo(op);
        s.checkpointsDurableCount++;
        Check.that(s.log.anchorOp() == op, "the log starts at the durable checkpoint", s.log.anchorOp(), op);
    }

    /**
     * A restart whose named checkpoint's file is gone or damaged: the log starts at its op, but
     * the state there is missing, so nothing is executed until a state sync installs a checkpoint
     * at least as new. It is never skipped: executing the log after it on an empty service would
     * serve a state no replica has.
     */
    void restoreLost(Checkpoint named) {
        s.log.resetTo(named.op(), named.entryChecksum(), named.entryTimestamp());
        s.commit = named.op();
        s.commitPrevious = named.op();
        s.checkpoint = named;
        s.checkpointDurable = named;
        s.stateMissing = true;
        sync.fetchLost(named);
        Check.that(s.sync != null, "a missing state is being fetched");
    }

    /**
     * A restart from a checkpoint: the driver restored the service from the checkpoint's snapshot;
     * the client table and the log's anchor come from the checkpoint itself, and the ops after it
     * will be executed again.
     *
     * @throws IllegalArgumentException when the restored state is not the checkpoint's (its
     *     identity differs), or its client table is malformed
     */
    void restoreFrom(Checkpoint checkpoint) {
        ClientTable table = ClientTable.decode(checkpoint.clientTable(), s.config.clientTableSessionsMax());
        long identity = Checkpoint.identity(s.config.clusterId(), checkpoint.op(), checkpoint.entryChecksum(),
                s.stateMachine.stateChecksum(), table.checksum());
        if (identity != checkpoint.identity()) {
            throw new IllegalArgumentException("replica " + s.replicaIndex + ": the state restored from the checkpoint at op "
                    + checkpoint.op() + " is not that checkpoint's (identity " + Long.toHexString(identity) + ", expected "
                    + Long.toHexString(checkpoint.identity()) + ")");
        }
        s.clientTable = table;
        s.log.resetTo(checkpoint.op(), checkpoint.entryChecksum(), checkpoint.entryTimestamp());
        s.commit = checkpoint.op();
        s.commitPrevious = checkpoint.op();
        s.checkpoint = checkpoint;
        s.checkpointDurable = checkpoint;
    }
}
