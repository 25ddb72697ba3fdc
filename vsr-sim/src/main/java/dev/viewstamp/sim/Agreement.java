package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Replica;
import java.util.TreeMap;

/**
 * The agreement check, for the simulator and scripted scenarios alike: no two replicas ever commit
 * different entries at the same op, compared by checksum (so by hash chain). Each replica's newly
 * committed ops are compared with the first commit seen at each op. Checkpoints too: every
 * replica that takes one at an op must find the same identity there (docs/CHECKPOINTS.md). A replica holds no entries
 * below its log's anchor (a checkpoint it compacted to, restarted from or installed): its check
 * starts at the anchor, whose checksum it still knows.
 *
 * <p>Checksums of ops that every running replica has checked are dropped, so that a long run's
 * memory does not grow with its ops; a replica that restarts below them is compared from where
 * they are still kept.
 */
final class Agreement {
    /** Ops kept below the lowest op every running replica has checked. */
    private static final long KEPT_BELOW_CHECKED = 1_024;

    private final TreeMap<Long, Long> committed = new TreeMap<>();
    /** The identity of the first checkpoint seen at each op. */
    private final TreeMap<Long, Long> checkpoints = new TreeMap<>();
    private long committedOpMax;
    /** Per replica, the ops already compared; a restarted replica executes again from its anchor. */
    private final long[] checkedCommit;

    Agreement(int replicaCount) {
        this.checkedCommit = new long[replicaCount];
    }

    /** Compares what the replicas (null: down) committed since the last check; throws on a disagreement. */
    void check(Replica[] replicas) {
        long checkedByAll = Long.MAX_VALUE;
        for (int i = 0; i < replicas.length; i++) {
            Replica r = replicas[i];
            if (r == null) continue;
            for (long op = Math.max(Math.max(checkedCommit[i] + 1, r.logAnchorOp()), 1); op <= r.commit(); op++) {
                long checksum = r.checksumAt(op);
                Long other = committed.putIfAbsent(op, checksum);
                if (other != null && other != checksum) {
                    throw new AssertionError("agreement: replica " + i + " committed " + Long.toHexString(checksum)
                            + " at op " + op + " where another replica committed " + Long.toHexString(other));
                }
            }
            checkCheckpoint(i, r.checkpoint());
            checkedCommit[i] = Math.max(checkedCommit[i], r.commit());
            committedOpMax = Math.max(committedOpMax, r.commit());
            checkedByAll = Math.min(checkedByAll, checkedCommit[i]);
        }
        if (checkedByAll != Long.MAX_VALUE) {
            committed.headMap(checkedByAll - KEPT_BELOW_CHECKED).clear();
            checkpoints.headMap(checkedByAll - KEPT_BELOW_CHECKED).clear();
        }
    }

    private void checkCheckpoint(int i, Checkpoint checkpoint) {
        if (checkpoint == null) return;
        Long other = checkpoints.putIfAbsent(checkpoint.op(), checkpoint.identity());
        if (other != null && other != checkpoint.identity()) {
            throw new AssertionError("checkpoint identity: replica " + i + " took " + Long.toHexString(checkpoint.identity())
                    + " at op " + checkpoint.op() + " where another replica took " + Long.toHexString(other));
        }
    }

    /** Replica {@code i} restarted: it executes its log again from its anchor. */
    void restarted(int i) {
        checkedCommit[i] = 0;
    }

    /** The highest op some replica committed. */
    long committedCount() {
        return committedOpMax;
    }
}
