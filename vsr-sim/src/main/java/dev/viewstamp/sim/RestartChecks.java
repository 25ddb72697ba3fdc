package dev.viewstamp.sim;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Two checks a simulated restart must pass, so that a storage bug fails its seed the moment it
 * shows rather than only when a quorum later happens to vote without what was lost:
 *
 * <ul>
 *   <li><b>Durability.</b> A replica that comes back whole holds the entry it knew durable when it
 *       crashed (and so may have acknowledged). Entries up to that op are the same in the old log
 *       and in any log change still in flight, so the check holds whether or not such a change
 *       landed.
 *   <li><b>Log view.</b> A replica that comes back whole in a log view that a log change moved it
 *       into holds the head of a log its storage was asked to leave in that log view. A storage
 *       that names a log view over a log that view never had (a cut-back superblock written in the
 *       new log view: issue 7, bug 1) fails here.
 * </ul>
 */
final class RestartChecks {
    private static final int LOGS_ASKED_MAX = 256;

    /** What the checks remember of one replica. */
    private static final class Record {
        /** The op it knew durable at its last crash, with its checksum; -1 when nothing is owed. */
        long durableOp = -1;
        long durableChecksum;
        /**
         * The logs its storage was asked to leave, newest last, as (log view, head op, head
         * checksum, 1 when the change moved the replica into that log view): a log change leaves its
         * new log or, when it cuts back, first the old log view's log cut to the anchor.
         */
        final ArrayDeque<long[]> logsAsked = new ArrayDeque<>();
        /** The log view its storage was last asked to record. */
        long logView;
    }

    private final Record[] records;

    RestartChecks(int replicaCount) {
        records = new Record[replicaCount];
        for (int i = 0; i < replicaCount; i++) records[i] = new Record();
    }

    /** Replica {@code i} asked its storage for a log change. */
    void logChangeAsked(int i, long logView, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        Record r = records[i];
        asked(r, r.logView, anchorOp, anchorChecksum, false);
        Entry head = suffix.isEmpty() ? null : suffix.get(suffix.size() - 1);
        asked(r, logView, head == null ? anchorOp : head.op(), head == null ? anchorChecksum : head.checksum(),
                logView != r.logView);
        r.logView = logView;
    }

    private static void asked(Record r, long logView, long headOp, long headChecksum, boolean entersLogView) {
        if (r.logsAsked.size() == LOGS_ASKED_MAX) r.logsAsked.pollFirst();
        r.logsAsked.addLast(new long[] {logView, headOp, headChecksum, entersLogView ? 1 : 0});
    }

    /** Replica {@code i} crashes as {@code crashed}; {@code lose}: with its disk. */
    void crashed(int i, Replica crashed, boolean lose) {
        Record r = records[i];
        boolean owed = !lose && crashed.status() != Status.RECOVERING && !crashed.logDamaged();
        r.durableOp = owed ? crashed.opDurable() : -1;
        r.durableChecksum = owed ? crashed.checksumAt(crashed.opDurable()) : 0;
    }

    /** Replica {@code i} restarts from {@code durable}: both checks, or an AssertionError. */
    void restarted(int i, Replica.Durable durable) {
        checkDurability(i, durable);
        checkLogView(i, durable);
    }

    private void checkDurability(int i, Replica.Durable durable) {
        Record r = records[i];
        long op = r.durableOp;
        r.durableOp = -1;
        if (op <= 0 || durable.recovering() || durable.damage() != null) return;
        // At or below the checkpoint it restarts from, every op is committed and the checkpoint
        // holds their effect (an install may have replaced an uncommitted op there of another log).
        long anchor = anchorOf(durable);
        if (op <= anchor) return;
        if (checksumAt(durable, op) != r.durableChecksum) {
            throw new AssertionError("durability: replica " + i + " knew op " + op + " ("
                    + Long.toHexString(r.durableChecksum) + ") durable before its crash and restarted with ops "
                    + (anchor + 1) + ".." + (anchor + durable.log().size()) + " after op " + anchor + " and no damage");
        }
    }

    /** The op the restart's log starts after: its checkpoint's, or 0. */
    private static long anchorOf(Replica.Durable durable) {
        return durable.checkpoint() == null ? 0 : durable.checkpoint().op();
    }

    /** The checksum of the entry at {@code op} in the restart's log, or 0 when it holds none there. */
    private static long checksumAt(Replica.Durable durable, long op) {
        long anchor = anchorOf(durable);
        if (op == anchor && anchor > 0) return durable.checkpoint().entryChecksum();
        List<Entry> log = durable.log();
        if (op <= anchor || op > anchor + log.size()) return 0;
        return log.get((int) (op - anchor - 1)).checksum();
    }

    private void checkLogView(int i, Replica.Durable durable) {
        Record r = records[i];
        r.logView = durable.logView();
        if (durable.recovering()) {
            r.logsAsked.clear();
            return;
        }
        if (durable.damage() != null) return;
        boolean named = false;
        boolean held = false;
        for (long[] log : r.logsAsked) {
            if (log[0] != durable.logView()) continue;
            named |= log[3] == 1;
            long op = log[1];
            // A head at or below the checkpoint is committed, and the checkpoint holds it.
            held |= op <= anchorOf(durable) || checksumAt(durable, op) == log[2];
        }
        if (named && !held) {
            throw new AssertionError("log view: replica " + i + " restarted in log view " + durable.logView() + " with "
                    + durable.log().size() + " ops after op " + anchorOf(durable)
                    + ", holding the head of no log it asked for in that log view");
        }
    }
}
