package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.NewState;
import java.util.List;

/**
 * State transfer (VRR 5.2, with the truncation fix of DESIGN 2): catching up within a view or
 * towards a newer one by GetState and NewState.
 */
final class StateTransfer extends SubProtocol {

    StateTransfer(ProtocolState s) {
        super(s);
    }

    /**
     * Starts (or continues) catching up towards {@code targetView}. For the current view the
     * replica asks for entries after its last op; for a newer view, after the last op it knows to
     * be committed, because its own uncommitted suffix may not be in that view's log.
     */
    void startCatchUp(long targetView, int from, Output out) {
        if (targetView < s.catchUpView) return;
        boolean started = s.catchUpView == ProtocolState.CATCH_UP_NONE || targetView > s.catchUpView;
        s.catchUpView = targetView;
        // Keep the peer the retransmission timer has moved on to: resetting it to the same
        // unresponsive sender on every reminder would never reach anyone else.
        if (started) s.catchUpReplica = from;
        if (started || !s.stateTransferTimeout.running()) requestState(out);
    }

    void stopCatchUp() {
        s.catchUpView = ProtocolState.CATCH_UP_NONE;
        s.stateTransferTimeout.stop();
    }

    void requestState(Output out) {
        boolean sameView = s.status == Status.NORMAL && s.catchUpView == s.view;
        long fromOp = sameView ? s.log.op() : s.opCommittedKnown();
        // While a state sync fetches a checkpoint, asking for entries again would only bring offers
        // of it: the sync's own requests find a newer one. Catch-up asks again once it is installed.
        if (s.catchUpReplica != s.replicaIndex && s.sync == null) {
            out.send(s.catchUpReplica, new GetState(s.catchUpView, fromOp, s.replicaIndex, s.requestNonce));
        }
        s.stateTransferTimeout.start(s.now, s.config.stateTransferRetransmitTicks());
    }

    void onStateTransferTimeout(Output out) {
        if (s.catchUpView == ProtocolState.CATCH_UP_NONE) return;
        if (s.catchUpView < s.view) {
            stopCatchUp();
            return;
        }
        // Ask the next replica: the one we asked may be down or partitioned away.
        s.catchUpReplica = s.peerAfter(s.catchUpReplica);
        requestState(out);
        Check.that(s.stateTransferTimeout.running(), "a catch-up keeps asking until it ends");
    }

    /**
     * VRR 5.2: answer with entries after {@code fromOp}. The whole rest of the log goes out (and is
     * marked complete) only when this replica is normal and the rest fits in one message;
     * otherwise only entries this replica knows to be committed.
     */
    void onGetState(GetState message, Output out) {
        if (ignoreGetState(message)) return;
        if (message.fromOp() < s.log.anchorOp()) {
            // We compacted what it asks for: it must fetch our checkpoint (state sync).
            sync.offer(message, out);
            return;
        }
        Check.that(message.fromOp() >= 0, "fromOp is an op", message.fromOp(), 0);
        Check.that(message.fromOp() <= s.log.op(), "we hold fromOp", message.fromOp(), s.log.op());

        long opBefore = s.log.op();
        long commitBefore = s.commit;
        answerGetState(message, out);
        Check.that(s.log.op() == opBefore, "answering leaves the log as it was", s.log.op(), opBefore);
        Check.that(s.commit == commitBefore, "answering executes nothing", s.commit, commitBefore);
    }

    /** Sends the entries after the asked op (see {@link #onGetState}); answering changes no state. */
    private void answerGetState(GetState message, Output out) {
        long fromOp = message.fromOp();
        long limit = fromOp + s.config.stateTransferOpsMax();
        long committedOp = s.opCommittedKnown();
        if (s.status == Status.NORMAL && s.servesItsView() && s.log.op() <= limit) {
            out.send(message.replica(), new NewState(s.view, s.log.op(), committedOp, fromOp, s.log.checksumAt(fromOp),
                    true, s.log.slice(fromOp, s.log.op()), s.replicaIndex, message.nonce()));
            return;
        }
        long toOp = Math.min(committedOp, limit);
        if (toOp <= fromOp) {
            s.ignore("get_state: no committed entries after fromOp", message);
            return;
        }
        out.send(message.replica(), new NewState(s.view, s.log.op(), committedOp, fromOp, s.log.checksumAt(fromOp),
                false, s.log.slice(fromOp, toOp), s.replicaIndex, message.nonce()));
    }

    boolean ignoreGetState(GetState message) {
        if (message.replica() == s.replicaIndex) return s.ignore("get_state: from ourselves", message);
        if (message.fromOp() > s.log.op()) return s.ignore("get_state: we hold nothing after fromOp", message);
        if (message.fromOp() < 0) return s.ignore("get_state: negative fromOp", message);
        return false;
    }

    /**
     * VRR 5.2, with the truncation fix: committed entries are installed wherever they fit the hash
     * chain; the sender's uncommitted entries (and its view, as our log view) are adopted only
     * from a complete NewState for a view newer than our log view, or for our own view.
     */
    void onNewState(NewState message, Output out) {
        if (ignoreNewState(message)) return;
        Check.that(s.log.holds(message.fromOp(), message.anchorChecksum()), "the entries chain to our log");

        long opBefore = s.log.op();
        long headBefore = s.log.checksumAt(opBefore);

        boolean sameView = s.status == Status.NORMAL && message.view() == s.view && s.catchUpView == s.view;
        boolean newerView = message.view() > s.view || (message.view() == s.view && s.status == Status.VIEW_CHANGE);
        if (message.complete() && newerView && !s.isPrimaryOf(message.view())
                && s.keepsCommitted(message.fromOp(), message.entries())) {
            long firstChanged = s.log.replaceAfter(message.fromOp(), message.entries());
            viewChange.transitionToNormalBackup(message.view(), firstChanged, out);
            long lastOp = message.fromOp() + message.entries().size();
            s.learnCommit(Math.min(message.committedOp(), lastOp), lastOp, ProtocolState.lastChecksum(message));
        } else if (sameView) {
            // Our log and the sender's are both prefixes of this view's primary's log.
            mergeEntries(message.entries(), out);
            // The sender's commit number speaks about its own log, which we share only up to the
            // last entry it sent, and only if the merge took it: a sender that is not serving its
            // view may hold committed entries of a newer view beyond that, where this view's log differs.
            long lastOp = message.fromOp() + message.entries().size();
            s.learnCommit(Math.min(message.committedOp(), lastOp), lastOp, ProtocolState.lastChecksum(message));
            if (s.logDamaged()) repairs.clearDamageIfWholeFromPrimary(message, out);
            if (s.log.op() >= message.op() && s.catchUpView == s.view) stopCatchUp();
        } else {
            List<Entry> committed = committedPrefix(message.entries(), message.committedOp());
            mergeEntries(committed, out);
            if (!committed.isEmpty()) {
                Entry last = committed.get(committed.size() - 1);
                s.learnCommit(last.op(), last.op(), last.checksum());
            }
        }
        normal.executeCommitted(out);
        if (s.status == Status.NORMAL && !s.isPrimary()) normal.sendPrepareOk(s.opDurable, out);
        if (s.status == Status.VIEW_CHANGE && s.isPrimaryOf(s.view)) viewChange.primaryStartViewIfReady(out);
        // Ask again at once only when the answer moved the log: an answer with nothing usable (a
        // stale primary's uncommitted entries, say) leaves the retransmission timer to move on to
        // the next replica, instead of asking the same one for ever (review 4, finding 2).
        boolean progressed = s.log.op() != opBefore || s.log.checksumAt(opBefore) != headBefore;
        if (s.catchUpView != ProtocolState.CATCH_UP_NONE && !message.entries().isEmpty() && progressed) {
            requestState(out);
        }
        Check.that(s.log.op() >= message.fromOp(), "the log still reaches the answer's anchor", s.log.op(),
                message.fromOp());
    }

    boolean ignoreNewState(NewState message) {
        if (message.replica() == s.replicaIndex) return s.ignore("new_state: from ourselves", message);
        // A normal replica that is not catching up takes no state: its log is a prefix of its
        // primary's, and changing it under the primary's feet would break that.
        if (s.status == Status.NORMAL && s.catchUpView == ProtocolState.CATCH_UP_NONE) {
            return s.ignore("new_state: not catching up", message);
        }
        if (s.status == Status.NORMAL && s.catchUpView < s.view) {
            return s.ignore("new_state: catch-up is stale", message);
        }
        if (!ProtocolState.chainValid(message.anchorChecksum(), message.fromOp(), message.entries())) {
            return s.ignore("new_state: entries do not chain", message);
        }
        if (message.fromOp() < s.log.anchorOp()) return s.ignore("new_state: from below our checkpoint", message);
        if (!s.log.holds(message.fromOp(), message.anchorChecksum())) {
            return s.ignore("new_state: our entry at fromOp differs", message);
        }
        return false;
    }

    static List<Entry> committedPrefix(List<Entry> entries, long committedOp) {
        int count = 0;
        while (count < entries.size() && entries.get(count).op() <= committedOp) count++;
        return entries.subList(0, count);
    }

    /**
     * Installs entries that belong in our log at their ops. Where ours already match, nothing
     * changes. At the first op where ours differ, our entries from there on are not in the
     * committed chain (they diverge from it below an op that is committed), so replacing them
     * loses nothing that may be committed.
     */
    void mergeEntries(List<Entry> entries, Output out) {
        long firstChanged = s.log.op() + 1;
        long committed = s.commitMax;
        for (Entry entry : entries) {
            if (entry.op() <= s.log.op()) {
                if (s.log.checksumAt(entry.op()) == entry.checksum()) continue;
                if (entry.op() <= committed) {
                    // Our entry here is committed and theirs differs, so their log is not the
                    // committed one here: for example a delayed same-view NewState that arrives
                    // after we installed a newer view's committed entries. Never cut what is committed.
                    break;
                }
                s.log.truncateAfter(entry.op() - 1);
            }
            if (!s.log.chains(entry)) break;
            if (entry.op() > s.ringOpMax()) break; // no journal slot yet: fetched again once checkpointed
            firstChanged = Math.min(firstChanged, entry.op());
            s.log.append(entry);
        }
        if (firstChanged <= s.log.op()) {
            s.opDurable = Math.min(s.opDurable, firstChanged - 1);
            repairs.abandon();
            s.persistLogChange(firstChanged, out);
        }
    }
}
