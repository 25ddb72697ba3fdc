package dev.viewstamp.core.replica;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.service.StateMachine;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The state every sub-protocol of a {@link Replica} shares: the paper's variables, the durability
 * cursors, the damage, the timers and the sub-protocols' bookkeeping, each field with its
 * invariant, and the small helpers they all use. One instance per replica.
 */
final class ProtocolState {

    static final System.Logger LOG = System.getLogger(Replica.class.getName());

    ClusterConfig config;

    int replicaIndex;

    StateMachine stateMachine;

    Prng prng;

    /** Invariant: {@code NORMAL} implies {@code view == logView}; {@code VIEW_CHANGE} implies {@code view > logView}. */
    Status status;

    /** The current view. Invariant: never decreases; {@code view >= logView}. */
    long view;

    /** VRR's last-normal-view: the view whose log this replica holds. */
    long logView;

    /** Ops {@code log.anchorOp() + 1 .. op}; the anchor is 0 or the durable checkpoint's op. */
    OpLog log;

    /** Ops up to here are executed (VRR's commit-number). Invariant: never decreases; {@code commit <= op}. */
    long commit;

    /**
     * The highest op of this log known to be committed. Invariant: never decreases;
     * {@code commit <= commitMax <= op}.
     */
    long commitMax;

    /**
     * A claim not yet proven for this log: ops up to {@code commitClaimOp} are committed in the
     * chain whose entry at {@code commitClaimProofOp} has {@code commitClaimProofChecksum}. It
     * raises {@link #commitMax} once the log holds that entry. 0 when there is none.
     */
    long commitClaimOp;

    long commitClaimProofOp;

    long commitClaimProofChecksum;

    /** Every entry up to here is durable in this replica's journal. Invariant: {@code opDurable <= op}. */
    long opDurable;

    /** The highest durable view: no view-change message of a view goes out before this reaches it. */
    long viewDurable;

    /** The highest durable log view: no normal-status message of a view goes out before this reaches it. */
    long logViewDurable;

    /** The highest view handed to {@link Output#persistState}. */
    long viewPersisted;

    long now;

    /**
     * The last clock reading the host gave ({@link Replica#realtime}): milliseconds since the Unix
     * epoch in the runtime, 0 when none was given (the simulator), and then prepares are stamped
     * with ticks. An input like a message, never read from a clock here.
     */
    long realtime;

    long commitPrevious;

    long commitMaxPrevious;

    ClientTable clientTable;

    // Primary only: acknowledgements, queued requests, and a StartView waiting for its log to be durable.
    long[] ackedOp;

    final ArrayDeque<Request> requestQueue = new ArrayDeque<>();

    boolean startViewPending;

    // View change (every replica).
    boolean startViewChangeSent;

    boolean[] startViewChangeFrom;

    DoViewChange[] doViewChangeFrom;

    boolean doViewChangeSent;

    int viewChangeAttempts;

    // Checkpoints (docs/CHECKPOINTS.md).
    /** The newest checkpoint taken, or null. Invariant: its op is at most {@code commit}. */
    Checkpoint checkpoint;

    /**
     * The newest checkpoint the driver made durable, or null; the log is compacted to it.
     * Invariant: {@code log.anchorOp()} is its op (0 when null), and it is not newer than
     * {@link #checkpoint}.
     */
    Checkpoint checkpointDurable;

    /**
     * The newest checkpoint a primary announced (in a Prepare or Commit): its op (0: none yet) and
     * identity. A checkpoint of ours at the same op must have the same identity.
     */
    long announcedCheckpointOp;

    long announcedCheckpointIdentity;

    /** The op and identity of our newest checkpoint, as a primary announces it: 0 and 0 before the first. */
    long checkpointOpToAnnounce() {
        return checkpoint == null ? 0 : checkpoint.op();
    }

    long checkpointIdentityToAnnounce() {
        return checkpoint == null ? 0 : checkpoint.identity();
    }

    /**
     * The ring rule (docs/CHECKPOINTS.md, section 4): the highest op this replica may write, since
     * the journal's slot of any higher op still holds an op that no durable checkpoint covers.
     */
    long ringOpMax() {
        return config.journalSlotCount() == 0 ? Long.MAX_VALUE : log.anchorOp() + config.journalSlotCount();
    }

    /**
     * The service does not hold the state at {@code commit}: a restart found its checkpoint's file
     * gone or damaged. Nothing executes, and this replica neither serves its checkpoint nor leads a
     * view, until a state sync installs one at least as new.
     */
    boolean stateMissing;

    /** Checkpoints handed to the driver and not yet durable, in the order they were taken. */
    final ArrayDeque<Checkpoint> checkpointsInFlight = new ArrayDeque<>();

    /** How many checkpoints this replica took: for the simulator's coverage. */
    long checkpointsTakenCount;

    /** How many checkpoints became durable, each compacting the log: for the simulator's coverage. */
    long checkpointsDurableCount;

    /** A state sync in progress (fetching a peer's checkpoint), or null. */
    StateSync.Progress sync;

    /** How many state syncs installed a checkpoint here: for the simulator's coverage. */
    long syncsInstalledCount;

    final Timeout syncTimeout = new Timeout("sync");

    // State transfer: the view this replica wants to reach, CATCH_UP_NONE when not catching up.
    static final long CATCH_UP_NONE = -1;

    long catchUpView = CATCH_UP_NONE;

    int catchUpReplica;

    final Timeout normalTimeout = new Timeout("normal");

    final Timeout commitTimeout = new Timeout("commit");

    final Timeout prepareTimeout = new Timeout("prepare");

    final Timeout viewChangeTimeout = new Timeout("view_change");

    final Timeout viewChangeRetransmitTimeout = new Timeout("view_change_retransmit");

    final Timeout stateTransferTimeout = new Timeout("state_transfer");

    final Timeout repairTimeout = new Timeout("repair");

    final Timeout recoveryTimeout = new Timeout("recovery");

    /**
     * Per replica, the latest incarnation this replica knows of it; its own entry is its own
     * incarnation. Votes and acknowledgements from an older incarnation are discarded (see
     * {@code message.Recovery}). Replica.Durable: carried in every persistState.
     */
    long[] crashVector;

    /** The crash vector as far as completed writes carry it: what a restart would remember. */
    long[] crashVectorDurable;

    /** What persistState writes not yet completed carry, in issue order. */
    final ArrayDeque<Output.ReplicaState> statesInFlight = new ArrayDeque<>();

    /** The damage as the last completed write recorded it: what a restart would find. */
    long damagedOpMaxDurable;

    // Recovery (status RECOVERING).
    long recoveryNonce;

    boolean recoveryAnnouncing;

    RecoveryResponse[] recoveryFrom;

    /**
     * -1 while the log is whole. Otherwise the log may lack ops this replica acknowledged in its
     * log view, none above this op: its journal came back damaged from a crash. Until the log is
     * whole again it does not acknowledge, and its DoViewChange carries no log and counts only
     * where a whole log among the votes covers it, so it can never help a view change drop a
     * committed op. Replica.Durable (carried in every persistState), so a crash cannot forget it. Cleared
     * when the holes are filled by checksum up to it ({@link #repair}), when the primary of its
     * view hands it that view's whole log, or when it adopts a newer view's log.
     */
    long damagedOpMax = -1;

    /** The log a damaged replica is filling from its peers by checksum; null when none. */
    LogUnderRepair repair;

    long repairedEntryCount;

    /**
     * Sent with every GetState of this process and echoed in the answer: an answer with it was
     * sent after this process started, so after every acknowledgement a damaged log may have lost.
     */
    long requestNonce;

    long duplicateRequestCount;

    Replica.IgnoreListener ignoreListener;

    /** A log that may lack any op: what a replica that lost its disk holds. */
    static final long DAMAGED_ALL = Long.MAX_VALUE / 2;

    /** True when the current view and log view are durable, so normal-status messages may go out. */
    boolean normalDurable() {
        return logViewDurable >= view;
    }

    /**
     * True when this normal replica may hand out its log as its view's log: the choice is durable
     * (a primary-elect that crashed before that could choose differently on restart, leaving two
     * logs with one log view), and it knows of no newer view (its log may then hold entries of
     * that view).
     */
    boolean servesItsView() {
        return status == Status.NORMAL && normalDurable() && !startViewPending && !catchingUpToNewerView()
                && !logDamaged();
    }

    void persistView(Output out) {
        // While a damaged log is being filled, the superblock must keep naming the journal's
        // whole log (whose holes it alone may know by header): views wait, and so do votes. The
        // repair persists the view when it finishes or gives up (JournalRepair).
        if (repair != null) return;
        viewPersisted = view;
        out.persistState(stateToPersist(), log.op(), log.checksumAt(log.op()), List.of());
    }

    /**
     * Persists the view, the log view and the log from {@code firstChanged} on, in one write. The
     * caller has ended any repair first ({@link JournalRepair#abandon}): the log is no longer the
     * chain the journal held.
     */
    void persistLogChange(long firstChanged, Output out) {
        Check.that(repair == null, "a log change ends the repair of the journal's chain first");
        long anchor = Math.min(firstChanged - 1, log.op());
        viewPersisted = view;
        out.persistState(stateToPersist(), anchor, log.checksumAt(anchor), log.slice(anchor, log.op()));
    }

    /**
     * True when replacing our log after {@code anchorOp} with {@code suffix} keeps every entry we
     * know to be committed: up to {@code commitMax} (within our log), not only what we executed,
     * because a restarted replica executes nothing at first but still holds committed entries.
     */
    boolean keepsCommitted(long anchorOp, List<Entry> suffix) {
        long committed = commitMax;
        if (anchorOp + suffix.size() < committed) return false;
        for (Entry entry : suffix) {
            if (entry.op() > committed) break;
            // Below our anchor we hold no entries; the one at the anchor vouches for them (hash chain).
            if (entry.op() < log.anchorOp()) continue;
            if (log.checksumAt(entry.op()) != entry.checksum()) return false;
        }
        return true;
    }

    /** A message's log suffix as it lies on this log: after {@code anchorOp}, whose entry has {@code anchorChecksum}. */
    record Placed(long anchorOp, long anchorChecksum, List<Entry> suffix) {}

    /**
     * Where a message's suffix (a StartView's, or the log a new primary chose) lies on this log.
     * When our log was compacted past the message's anchor and the suffix holds our anchor's very
     * entry, the part after our anchor (the hash chain makes the two logs equal up to it). Null when
     * this log lacks the message's anchor above our own: state transfer first. Otherwise the
     * message's own anchor and suffix: either this log holds that anchor, or the suffix ends below
     * our anchor or differs there, and {@link #keepsCommitted} then refuses it, since our anchor is
     * committed.
     */
    Placed place(long anchorOp, long anchorChecksum, List<Entry> suffix) {
        Placed asSent = new Placed(anchorOp, anchorChecksum, suffix);
        if (log.holds(anchorOp, anchorChecksum)) return asSent;
        long ours = log.anchorOp();
        if (anchorOp >= ours) return null;
        if (anchorOp + suffix.size() < ours) return asSent;
        Entry atOurs = suffix.get((int) (ours - anchorOp - 1));
        if (atOurs.checksum() != log.checksumAt(ours)) return asSent;
        return new Placed(ours, atOurs.checksum(), suffix.subList((int) (ours - anchorOp), suffix.size()));
    }

    /** The state a persistState records; what it carries is remembered until the write completes. */
    Output.ReplicaState stateToPersist() {
        // The commit number speaks about the log the write leaves, which is this log.
        Output.ReplicaState state = new Output.ReplicaState(view, logView, commitMax, log.checksumAt(commitMax),
                damagedOpMax, crashVector);
        statesInFlight.addLast(state);
        return state;
    }

    /**
     * The highest op of our log known to be committed: what {@link #commitMax} says, or a
     * pipeline below our last op (fact 2 in the class comment), whichever is higher.
     */
    long opCommittedKnown() {
        return Math.max(commitMax, Math.max(0, log.op() - config.pipelinePrepareCountMax()));
    }

    /**
     * True while this replica knows of a newer view than its own but has not caught up: it then
     * takes no part in its old view (no prepare, commit or acknowledgement), because installing
     * committed entries may change its log, and a primary or backup whose log changed under its
     * view would break the rule that backups hold prefixes of their primary's log.
     */
    boolean catchingUpToNewerView() {
        return catchUpView > view;
    }

    /**
     * Learns that ops up to {@code op} are committed in the chain whose entry at {@code proofOp}
     * (at or above {@code op}) has {@code proofChecksum}. It raises {@link #commitMax} now if this
     * log holds that entry, so its prefix is that chain's; otherwise it is kept as the pending
     * claim (the highest wins) until the log holds it. Commit numbers only move forward (DESIGN 2).
     */
    void learnCommit(long op, long proofOp, long proofChecksum) {
        if (op <= commitMax || op > proofOp) return; // nothing new, or a claim its proof cannot cover
        if (log.holds(proofOp, proofChecksum)) {
            commitMax = op;
        } else if (op > commitClaimOp) {
            commitClaimOp = op;
            commitClaimProofOp = proofOp;
            commitClaimProofChecksum = proofChecksum;
        }
    }

    /** Applies the pending commit claim once the log holds the entry that proves it. */
    void proveCommitClaim() {
        if (commitClaimOp <= commitMax) {
            commitClaimOp = 0;
            return;
        }
        if (log.holds(commitClaimProofOp, commitClaimProofChecksum)) {
            commitMax = commitClaimOp;
            commitClaimOp = 0;
        }
    }

    /** The checksum of the last entry a NewState covers: its last entry's, or its anchor's. */
    static long lastChecksum(NewState message) {
        List<Entry> entries = message.entries();
        return entries.isEmpty() ? message.anchorChecksum() : entries.get(entries.size() - 1).checksum();
    }

    static boolean chainValid(long anchorChecksum, long anchorOp, List<Entry> entries) {
        long parent = anchorChecksum;
        long op = anchorOp;
        for (Entry entry : entries) {
            if (entry.op() != op + 1 || entry.parent() != parent || !entry.valid()) return false;
            parent = entry.checksum();
            op++;
        }
        return true;
    }

    /** The replica after {@code replica} in turn, skipping this one: who to ask next. */
    int peerAfter(int replica) {
        int next = (replica + 1) % config.replicaCount();
        return next == replicaIndex ? (next + 1) % config.replicaCount() : next;
    }

    boolean isPrimary() {
        return isPrimaryOf(view);
    }

    boolean isPrimaryOf(long v) {
        return config.primaryIndex(v) == replicaIndex;
    }

    void sendToOthers(Message message, Output out) {
        for (int replica = 0; replica < config.replicaCount(); replica++) {
            if (replica != replicaIndex) out.send(replica, message);
        }
    }

    boolean ignore(String reason, Message message) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "replica {0} view {1}: ignore {2}: {3}", replicaIndex, view, reason, message);
        }
        if (ignoreListener != null) ignoreListener.ignored(reason, message);
        return true;
    }

    /** True when a state write still in flight carries incarnation {@code incarnation} (or a later one) of {@code replica}. */
    boolean incarnationBeingWritten(int replica, long incarnation) {
        for (Output.ReplicaState inFlight : statesInFlight) {
            if (inFlight.crashVector()[replica] >= incarnation) return true;
        }
        return false;
    }

    /** True while the log may lack ops this replica acknowledged: it neither acks nor votes. */
    boolean logDamaged() {
        return damagedOpMax >= 0;
    }
}
