package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import java.util.Arrays;
import java.util.List;

/**
 * View change (VRR 4.2): StartViewChange and DoViewChange votes, the new primary's choice of log
 * (with damaged votes counted only where a whole log covers them), and StartView.
 */
final class ViewChange extends SubProtocol {

    ViewChange(ProtocolState s) {
        super(s);
    }

    /** VRR 4.2: a backup that has not heard from the primary starts a view change. */
    void onNormalTimeout(Output out) {
        if (s.status != Status.NORMAL || s.isPrimary()) return;
        long viewOld = s.view;
        transitionToViewChange(s.view + 1, out);
        Check.that(s.status == Status.VIEW_CHANGE, "in view change");
        Check.that(s.view == viewOld + 1, "to the next view", s.view, viewOld + 1);
    }

    /** The view change did not finish in time: try the next view, with a longer timeout. */
    void onViewChangeTimeout(Output out) {
        if (s.status != Status.VIEW_CHANGE) return;
        long viewOld = s.view;
        s.viewChangeAttempts++;
        transitionToViewChange(s.view + 1, out);
        Check.that(s.status == Status.VIEW_CHANGE, "still in view change");
        Check.that(s.view == viewOld + 1, "to the next view", s.view, viewOld + 1);
    }

    void onViewChangeRetransmitTimeout(Output out) {
        if (s.status != Status.VIEW_CHANGE) return;
        s.viewChangeRetransmitTimeout.start(s.now, s.config.viewChangeRetransmitTicks());
        if (s.viewDurable < s.view) return;
        s.sendToOthers(new StartViewChange(s.view, s.replicaIndex, incarnations.crashVectorToSend()), out);
        if (s.doViewChangeSent && !s.isPrimaryOf(s.view)) out.send(s.config.primaryIndex(s.view), doViewChange());
        if (s.isPrimaryOf(s.view)) primaryStartViewIfReady(out);
    }

    /**
     * VRR 4.2 step 1. The new view is persisted before any message of it goes out (DESIGN 2):
     * {@link #afterViewDurable} sends the StartViewChange.
     */
    void transitionToViewChange(long viewNew, Output out) {
        Check.that(viewNew > s.view, "view change to a higher view", viewNew, s.view);
        if (s.config.canary(Canary.THROW_ON_VIEW_CHANGE)) {
            throw new IllegalStateException("canary THROW_ON_VIEW_CHANGE: replica " + s.replicaIndex + " into view "
                    + viewNew);
        }
        s.status = Status.VIEW_CHANGE;
        s.view = viewNew;
        forgetAllVotes();
        s.startViewPending = false;
        s.startViewChangeSent = false;
        normal.leaveForViewChange();
        if (s.catchUpView <= s.view) transfer.stopCatchUp();
        startViewChangeTimers();
        s.persistView(out);
    }

    /**
     * A replica that restarts (from its disk, or by recovery) as the primary of its view never
     * leads that view again: prepares it sent may have been acknowledged and committed while its
     * own write was lost, so it could prepare a different op at the same number. It moves to the
     * next view in view change, in memory; it is persisted (by the caller, or by the first tick)
     * before any message of it.
     */
    void leaveOwnViewAfterRestart() {
        Check.that(s.isPrimaryOf(s.view), "the primary of its view");
        s.status = Status.VIEW_CHANGE;
        s.view = s.view + 1;
        startViewChangeTimers();
    }

    void startViewChangeTimers() {
        // Exponential back-off with seeded jitter, so competing replicas stop colliding; the
        // attempt count survives entering the new view and resets only once ops commit again.
        long base = s.config.viewChangeTimeoutTicks();
        long backoff = base << Math.min(s.viewChangeAttempts, s.config.viewChangeBackoffExponentMax());
        s.viewChangeTimeout.start(s.now, backoff + s.prng.between(0, base));
        s.viewChangeRetransmitTimeout.start(s.now, s.config.viewChangeRetransmitTicks());
    }

    /** Ops commit again: the next view change starts with the shortest timeout. */
    void resetBackoff() {
        s.viewChangeAttempts = 0;
    }

    /** Forgets every vote: they count only for the view they were cast in. */
    void forgetAllVotes() {
        Arrays.fill(s.startViewChangeFrom, false);
        Arrays.fill(s.doViewChangeFrom, null);
        s.doViewChangeSent = false;
    }

    /** Forgets the StartViewChange and DoViewChange votes of {@code replica} (an older incarnation of it). */
    void forgetVotesOf(int replica) {
        s.startViewChangeFrom[replica] = false;
        s.doViewChangeFrom[replica] = null;
    }

    /**
     * VRR 4.2 step 1, once the new view is durable (DESIGN 2: no message of a view before it is):
     * the StartViewChange goes out, and a DoViewChange if the votes are already in, or if another
     * replica's DoViewChange arrived before our view was durable.
     */
    void afterViewDurable(Output out) {
        if (s.viewDurable < s.view || s.startViewChangeSent) return;
        s.startViewChangeSent = true;
        s.sendToOthers(new StartViewChange(s.view, s.replicaIndex, incarnations.crashVectorToSend()), out);
        sendDoViewChangeIfReady(out);
        if (s.isPrimaryOf(s.view) && countDoViewChanges() > 0 && s.doViewChangeFrom[s.replicaIndex] == null) {
            sendDoViewChange(out);
        }
    }

    /** VRR 4.2 step 1: adopt a higher view; count votes only for exactly the current view. */
    void onStartViewChange(StartViewChange message, Output out) {
        if (ignoreStartViewChange(message, out)) return;
        if (message.view() > s.view) transitionToViewChange(message.view(), out);
        Check.that(s.status == Status.VIEW_CHANGE, "status view change");
        Check.that(message.view() == s.view, "same view");

        s.startViewChangeFrom[message.replica()] = true;
        sendDoViewChangeIfReady(out);
        Check.that(s.view == message.view(), "still in the view voted for", s.view, message.view());
    }

    boolean ignoreStartViewChange(StartViewChange message, Output out) {
        if (message.replica() == s.replicaIndex) return s.ignore("start_view_change: from ourselves", message);
        if (message.view() < s.view) return s.ignore("start_view_change: older view", message);
        if (message.view() == s.view && s.status == Status.NORMAL) {
            // The sender missed our StartView: send it again.
            if (s.isPrimary() && s.servesItsView()) out.send(message.replica(), startView());
            return s.ignore("start_view_change: view already started", message);
        }
        return false;
    }

    /** VRR 4.2 step 2: after f StartViewChange votes from others, send DoViewChange. */
    void sendDoViewChangeIfReady(Output out) {
        if (s.status != Status.VIEW_CHANGE || s.viewDurable < s.view || s.doViewChangeSent) return;
        int votes = 0;
        for (int replica = 0; replica < s.config.replicaCount(); replica++) {
            if (replica != s.replicaIndex && s.startViewChangeFrom[replica]) votes++;
        }
        if (votes >= s.config.faultsMax()) sendDoViewChange(out);
    }

    void sendDoViewChange(Output out) {
        s.doViewChangeSent = true;
        DoViewChange message = doViewChange();
        if (s.isPrimaryOf(s.view)) onDoViewChange(message, out);
        else out.send(s.config.primaryIndex(s.view), message);
    }

    DoViewChange doViewChange() {
        if (s.logDamaged()) {
            // A vote without a log: it says which ops it may lack (docs/STORAGE.md, rule 6).
            return new DoViewChange(s.view, s.logView, s.log.op(), s.commitMax, s.log.anchorOp(),
                    s.log.checksumAt(s.log.anchorOp()), List.of(),
                    s.replicaIndex, s.damagedOpMax, incarnations.crashVectorToSend());
        }
        // DoViewChange and StartView ship the log after an op known committed, at most a pipeline
        // behind the last op (DESIGN 2: a bounded suffix).
        long anchor = s.opCommittedKnown();
        return new DoViewChange(s.view, s.logView, s.log.op(), s.commitMax, anchor, s.log.checksumAt(anchor),
                s.log.slice(anchor, s.log.op()), s.replicaIndex, DoViewChange.WHOLE,
                incarnations.crashVectorToSend());
    }

    /** VRR 4.2 step 3: the new primary collects f + 1 DoViewChange messages, its own included. */
    void onDoViewChange(DoViewChange message, Output out) {
        if (ignoreDoViewChange(message, out)) return;
        if (message.view() > s.view) transitionToViewChange(message.view(), out);
        Check.that(s.status == Status.VIEW_CHANGE, "status view change");
        Check.that(s.isPrimaryOf(s.view), "primary of the new view");
        Check.that(message.view() == s.view, "same view");

        s.doViewChangeFrom[message.replica()] = message;
        // A DoViewChange from another replica means f replicas voted for this view: add our own.
        if (s.doViewChangeFrom[s.replicaIndex] == null && s.viewDurable >= s.view) sendDoViewChange(out);
        primaryStartViewIfReady(out);
        Check.that(s.view == message.view(), "still in the view voted for", s.view, message.view());
    }

    boolean ignoreDoViewChange(DoViewChange message, Output out) {
        if (message.view() < s.view) return s.ignore("do_view_change: older view", message);
        if (!s.isPrimaryOf(message.view())) return s.ignore("do_view_change: not the primary of that view", message);
        if (message.view() == s.view && s.status == Status.NORMAL) {
            if (message.replica() != s.replicaIndex && s.servesItsView()) {
                out.send(message.replica(), startView());
            }
            return s.ignore("do_view_change: view already started", message);
        }
        if (!ProtocolState.chainValid(message.anchorChecksum(), message.anchorOp(), message.suffix())) {
            return s.ignore("do_view_change: suffix does not chain", message);
        }
        return false;
    }

    int countDoViewChanges() {
        int count = 0;
        for (DoViewChange m : s.doViewChangeFrom) if (m != null) count++;
        return count;
    }

    /**
     * VRR 4.2 step 3: with f + 1 DoViewChange messages, take the log with the greatest
     * (logView, op) and the greatest commit number, become normal and announce the view.
     */
    void primaryStartViewIfReady(Output out) {
        if (s.status != Status.VIEW_CHANGE || !s.isPrimaryOf(s.view)
                || s.doViewChangeFrom[s.replicaIndex] == null) return;
        if (countDoViewChanges() < s.config.quorum()) return;
        if (s.catchingUpToNewerView()) return; // A newer view exists: starting this one is pointless.
        if (s.stateMissing) return; // It could execute nothing: the view-change timeout moves on.

        DoViewChange best = chosenLog();
        if (best == null) return;
        ProtocolState.Placed placed = s.place(best.anchorOp(), best.anchorChecksum(), best.suffix());
        if (placed == null || best.op() > s.ringOpMax()) {
            // We lack committed entries below the chosen suffix (or our journal has no slot for its
            // last ops until we execute to our next checkpoint): fetch them from its sender first
            // (they are committed, so installing them is always safe), then retry.
            transfer.startCatchUp(s.view, best.replica(), out);
            return;
        }
        if (!s.keepsCommitted(placed.anchorOp(), placed.suffix()) && !s.config.canary(Canary.PICK_LOG_BY_OP_ONLY)) {
            // We hold committed ops (learned by state transfer) that this view's log lacks, so they
            // were committed in a later view: this view is stale, and the view-change timeout moves on.
            s.ignore("do_view_change: the chosen log lacks committed ops we hold", best);
            return;
        }
        adoptChosenLog(placed, out);
    }

    /**
     * The log with the greatest (logView, op) among whole ones, once f + 1 votes count for it;
     * null until then.
     */
    DoViewChange chosenLog() {
        DoViewChange best = null;
        for (DoViewChange m : s.doViewChangeFrom) {
            if (m == null || m.damaged()) continue;
            if (best == null || newer(m, best)) best = m;
        }
        if (best == null) return null; // only damaged logs so far: nothing to choose from
        // A damaged vote counts only where the chosen log covers every op its sender may have
        // acknowledged and lost: a newer log view holds all ops committed before it, and a log of
        // the same view that reaches its bound holds all of that view's ops up to it. Then any
        // committed op the damaged sender held is in the chosen log too (docs/STORAGE.md, rule 6).
        int counted = 0;
        for (DoViewChange m : s.doViewChangeFrom) {
            if (m != null && (!m.damaged() || covers(best, m))) counted++;
        }
        return counted < s.config.quorum() ? null : best;
    }

    /** VRR 4.2 step 4: the new primary installs the chosen log, becomes normal and persists it. */
    void adoptChosenLog(ProtocolState.Placed chosen, Output out) {
        long anchor = chosen.anchorOp();
        long firstChanged = s.log.replaceAfter(anchor, chosen.suffix());
        s.status = Status.NORMAL;
        s.logView = s.view;
        s.damagedOpMax = -1; // our log is now the chosen one, of a newer view than any we held
        // A commit number speaks only about the log it came from (fact 1), and a DoViewChange's
        // sender may know of ops committed in a view newer than this one, which the chosen log
        // need not hold. So take from each DoViewChange only its committed anchor, and only when
        // the chosen log holds that very entry (hash chain): then the chosen log is identical to
        // the sender's up to it.
        long commitMaxNew = Math.max(s.commitMax, anchor);
        for (DoViewChange m : s.doViewChangeFrom) {
            if (m != null && s.log.holds(m.anchorOp(), m.anchorChecksum())) {
                commitMaxNew = Math.max(commitMaxNew, m.anchorOp());
            }
        }
        s.commitMax = commitMaxNew;
        s.opDurable = Math.min(s.opDurable, firstChanged - 1);
        transfer.stopCatchUp();
        s.viewChangeTimeout.stop();
        s.viewChangeRetransmitTimeout.stop();
        normal.enterAsPrimary();
        s.startViewPending = true;
        repairs.abandon();
        s.persistLogChange(firstChanged, out);
        normal.executeCommitted(out);
    }

    static boolean covers(DoViewChange whole, DoViewChange damaged) {
        return whole.logView() > damaged.logView()
                || (whole.logView() == damaged.logView() && whole.op() >= damaged.damagedOpMax());
    }

    boolean newer(DoViewChange a, DoViewChange b) {
        if (s.config.canary(Canary.PICK_LOG_BY_OP_ONLY)) return a.op() > b.op();
        if (a.logView() != b.logView()) return a.logView() > b.logView();
        return a.op() > b.op();
    }

    StartView startView() {
        // DoViewChange and StartView ship the log after an op known committed, at most a pipeline
        // behind the last op (DESIGN 2: a bounded suffix).
        long anchor = s.opCommittedKnown();
        return new StartView(s.view, s.log.op(), s.commitMax, anchor, s.log.checksumAt(anchor),
                s.log.slice(anchor, s.log.op()), s.replicaIndex);
    }

    /**
     * VRR 4.2 step 5: a backup adopts the new primary's log and view. Accepted only for a higher
     * view, or the same view while in view change (DESIGN 2).
     */
    void onStartView(StartView message, Output out) {
        if (ignoreStartView(message)) return;
        ProtocolState.Placed placed = s.place(message.anchorOp(), message.anchorChecksum(), message.suffix());
        if (placed == null || message.op() > s.ringOpMax()) {
            // We lack the committed prefix the suffix builds on, or a journal slot for its last ops
            // until we execute to our next checkpoint: state transfer first.
            transfer.startCatchUp(message.view(), message.replica(), out);
            return;
        }
        if (!s.keepsCommitted(placed.anchorOp(), placed.suffix())) {
            s.ignore("start_view: the view's log lacks committed ops we hold (a stale view)", message);
            return;
        }
        long firstChanged = s.log.replaceAfter(placed.anchorOp(), placed.suffix());
        transitionToNormalBackup(message.view(), firstChanged, out);
        // The primary's commit number is at most its anchor, at or below the entry we placed it on.
        s.learnCommit(message.commit(), placed.anchorOp(), placed.anchorChecksum());
        normal.executeCommitted(out);
        Check.that(s.status == Status.NORMAL, "normal in the new view");
        Check.that(s.view == message.view(), "in the new view", s.view, message.view());
        Check.that(s.log.op() == message.anchorOp() + message.suffix().size(), "holding the new view's log",
                s.log.op(), message.anchorOp() + message.suffix().size());
    }

    boolean ignoreStartView(StartView message) {
        if (message.view() < s.view) return s.ignore("start_view: older view", message);
        if (message.view() == s.view && s.status == Status.NORMAL) {
            return s.ignore("start_view: view already normal", message);
        }
        if (message.replica() != s.config.primaryIndex(message.view())) {
            return s.ignore("start_view: not from the primary", message);
        }
        if (message.replica() == s.replicaIndex) return s.ignore("start_view: from ourselves", message);
        if (!ProtocolState.chainValid(message.anchorChecksum(), message.anchorOp(), message.suffix())) {
            return s.ignore("start_view: suffix does not chain", message);
        }
        return false;
    }

    /** Enters {@code viewNew} as a normal backup whose log changed from {@code firstChanged} on. */
    void transitionToNormalBackup(long viewNew, long firstChanged, Output out) {
        Check.that(viewNew >= s.view, "views never decrease", viewNew, s.view);
        Check.that(!s.isPrimaryOf(viewNew), "backup of the new view");
        // A newer view's log holds every op committed before that view, including any this
        // replica acknowledged and then lost: adopting it makes a damaged log whole.
        if (viewNew > s.logView) s.damagedOpMax = -1;
        s.view = viewNew;
        s.logView = viewNew;
        s.opDurable = Math.min(s.opDurable, firstChanged - 1);
        forgetAllVotes();
        s.startViewPending = false;
        if (s.catchUpView <= s.view) transfer.stopCatchUp();
        s.viewChangeTimeout.stop();
        s.viewChangeRetransmitTimeout.stop();
        normal.enterAsBackup();
        // PrepareOk for the adopted log follows once this write completes (onStateDurable).
        repairs.abandon();
        s.persistLogChange(firstChanged, out);
    }
}
