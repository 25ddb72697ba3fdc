package dev.viewstamp.core.message;

import java.util.List;

/**
 * VRR 4.2 step 2: the sender's vote and log for the new primary of {@code view}.
 *
 * <p>Deviation from VRR: the paper ships the whole log. We ship only the suffix after
 * {@code anchorOp}, which is an op the sender knows to be committed: anything older is identical
 * in every log that holds the anchor (hash chain), and is fetched by state transfer when the new
 * primary lacks it. The suffix holds at most {@code pipelinePrepareCountMax} entries.
 *
 * @param logView the latest view in which the sender's status was normal (VRR's last-normal-view)
 * @param op the sender's op number; {@code suffix} ends at it
 * @param commit the highest op the sender knows to be committed, for diagnosis only: it speaks about
 *     the sender's log, which the new view need not choose, so the new primary trusts only anchors
 *     it holds (see ViewChange.primaryStartViewIfReady)
 * @param anchorChecksum the checksum of the sender's entry at {@code anchorOp}
 * @param damagedOpMax {@link #WHOLE}, or: the sender's log came back damaged from a crash and may
 *     lack ops it acknowledged in {@code logView}, none above this op. Such a vote carries no log
 *     (an empty suffix) and counts only when a whole log among the votes covers it (see
 *     ViewChange.primaryStartViewIfReady).
 * @param crashVector the sender's crash vector (see {@link Recovery}), or null when it knows of no
 *     recovery: a vote from an incarnation older than the new primary knows is discarded
 */
public record DoViewChange(long view, long logView, long op, long commit, long anchorOp, long anchorChecksum,
        List<Entry> suffix, int replica, long damagedOpMax, long[] crashVector) implements Message {

    /** {@link #damagedOpMax} of a whole log. */
    public static final long WHOLE = -1;

    public DoViewChange(long view, long logView, long op, long commit, long anchorOp, long anchorChecksum,
            List<Entry> suffix, int replica) {
        this(view, logView, op, commit, anchorOp, anchorChecksum, suffix, replica, WHOLE, null);
    }

    public DoViewChange {
        suffix = List.copyOf(suffix);
        crashVector = crashVector == null ? null : crashVector.clone();
    }

    public boolean damaged() {
        return damagedOpMax != WHOLE;
    }

    @Override
    public String toString() {
        return "DoViewChange[view=" + view + ", logView=" + logView + ", op=" + op + ", commit=" + commit + ", anchorOp="
                + anchorOp + ", anchorChecksum=" + anchorChecksum + ", suffix=" + suffix + ", replica=" + replica
                + ", damagedOpMax=" + damagedOpMax + CrashVectors.describe(crashVector) + "]";
    }
}
