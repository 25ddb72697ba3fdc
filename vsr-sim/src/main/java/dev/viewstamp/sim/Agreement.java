package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;

/**
 * The agreement check, for the simulator and scripted scenarios alike: no two replicas ever commit
 * different entries at the same op, compared by checksum (so by hash chain). Each replica's newly
 * committed ops are compared with the first commit seen at each op.
 */
final class Agreement {
    private final ArrayList<Long> committed = new ArrayList<>();
    /**
     * Per replica, the ops already compared; a restarted replica executes again from op 1, or from
     * the checkpoint it restarted from.
     */
    private final long[] checkedCommit;

    Agreement(int replicaCount) {
        this.checkedCommit = new long[replicaCount];
    }

    /** Compares what the replicas (null: down) committed since the last check; throws on a disagreement. */
    void check(Replica[] replicas) {
        for (int i = 0; i < replicas.length; i++) {
            Replica r = replicas[i];
            if (r == null) continue;
            // Below the log's anchor (a checkpoint) the replica holds no entries; the anchor's own
            // checksum it does hold, and a restart from the checkpoint compares it first.
            for (long op = Math.max(checkedCommit[i] + 1, r.logAnchorOp()); op <= r.commit(); op++) {
                long checksum = r.checksumAt(op);
                if (op <= committed.size()) {
                    long other = committed.get((int) (op - 1));
                    if (other != checksum) {
                        throw new AssertionError("agreement: replica " + i + " committed " + Long.toHexString(checksum)
                                + " at op " + op + " where another replica committed " + Long.toHexString(other));
                    }
                } else {
                    committed.add(checksum);
                }
            }
            checkedCommit[i] = r.commit();
        }
    }

    /** Replica {@code i} restarted: it executes its log again, from the start or from its checkpoint. */
    void restarted(int i) {
        checkedCommit[i] = 0;
    }

    /** How many ops some replica committed. */
    int committedCount() {
        return committed.size();
    }
}
