package dev.viewstamp.core.replica;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.check.Verify;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.CrashVectors;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.service.StateMachine;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * One VR replica as a deterministic state machine. The driver feeds it messages ({@link #step}),
 * ticks ({@link #tick}) and durability completions ({@link #onPrepareDurable},
 * {@link #onStateDurable}); the replica answers through an {@link Output}. It has no threads, no
 * clock, no I/O and no randomness but the injected {@link Prng}, so the simulator and the runtime
 * drive exactly this code, and one seed reproduces one run.
 *
 * <p>Sections: normal operation (VRR 4.1), view change (VRR 4.2), state transfer (VRR 5.2), repair
 * of a journal that came back damaged, recovery of a lost disk with crash vectors (in place of VRR
 * 4.3), and the incarnations the crash vectors carry. The deviations from the paper are listed in
 * docs/PROTOCOL.md and commented where they are made.
 *
 * <p>The knowledge of what is committed rests on two facts, used throughout:
 * <ol>
 *   <li>Entries at or below {@link #commitMax} in this replica's log are committed, and
 *       {@code commitMax} never exceeds the log. Knowledge of what is committed names its chain:
 *       a claim that ops up to n are committed comes with the checksum of an entry of the chain
 *       it speaks about, and raises {@code commitMax} only while this log holds that very entry
 *       ({@link #learnCommit}). A claim about entries not held yet waits until they arrive, and
 *       dies if entries of another chain arrive instead (a damaged restart completed from another
 *       chain, a stale view's log). A replica never removes a committed entry.
 *   <li>A primary prepares op n only when its commit number is at least
 *       {@code n - pipelinePrepareCountMax}. So in any log holding op n, every entry at or below
 *       {@code n - pipelinePrepareCountMax} is committed: the hash chain makes the prefix identical
 *       to the prefix the preparing primary had. See {@link #opCommittedKnown()}. The pipeline
 *       depth is recorded when a replica's disk is formatted, and a replica refuses to start with
 *       another (a smaller one would make it take uncommitted entries for committed).
 * </ol>
 */
public final class Replica {
    private static final System.Logger LOG = System.getLogger(Replica.class.getName());

    private final ClusterConfig config;
    private final int replicaIndex;
    private final StateMachine stateMachine;
    private final Prng prng;

    /** Invariant: {@code NORMAL} implies {@code view == logView}; {@code VIEW_CHANGE} implies {@code view > logView}. */
    private Status status;
    /** The current view. Invariant: never decreases; {@code view >= logView}. */
    private long view;
    /** VRR's last-normal-view: the view whose log this replica holds. */
    private long logView;
    /** Ops 1..op. */
    private final OpLog log;
    /** Ops up to here are executed (VRR's commit-number). Invariant: never decreases; {@code commit <= op}. */
    private long commit;
    /**
     * The highest op of this log known to be committed. Invariant: never decreases;
     * {@code commit <= commitMax <= op}.
     */
    private long commitMax;
    /**
     * A claim not yet proven for this log: ops up to {@code commitClaimOp} are committed in the
     * chain whose entry at {@code commitClaimProofOp} has {@code commitClaimProofChecksum}. It
     * raises {@link #commitMax} once the log holds that entry. 0 when there is none.
     */
    private long commitClaimOp;
    private long commitClaimProofOp;
    private long commitClaimProofChecksum;
    /** Every entry up to here is durable in this replica's journal. Invariant: {@code opDurable <= op}. */
    private long opDurable;
    /** The highest durable view: no view-change message of a view goes out before this reaches it. */
    private long viewDurable;
    /** The highest durable log view: no normal-status message of a view goes out before this reaches it. */
    private long logViewDurable;
    /** The highest view handed to {@link Output#persistState}. */
    private long viewPersisted;
    private long now;
    private long commitPrevious;
    private long commitMaxPrevious;

    private final ClientTable clientTable;

    // Primary only: acknowledgements, queued requests, and a StartView waiting for its log to be durable.
    private final long[] ackedOp;
    private final ArrayDeque<Request> requestQueue = new ArrayDeque<>();
    private boolean startViewPending;

    // View change (every replica).
    private boolean startViewChangeSent;
    private final boolean[] startViewChangeFrom;
    private final DoViewChange[] doViewChangeFrom;
    private boolean doViewChangeSent;
    private int viewChangeAttempts;

    // State transfer: the view this replica wants to reach, CATCH_UP_NONE when not catching up.
    private static final long CATCH_UP_NONE = -1;
    private long catchUpView = CATCH_UP_NONE;
    private int catchUpReplica;

    private final Timeout normalTimeout = new Timeout("normal");
    private final Timeout commitTimeout = new Timeout("commit");
    private final Timeout prepareTimeout = new Timeout("prepare");
    private final Timeout viewChangeTimeout = new Timeout("view_change");
    private final Timeout viewChangeRetransmitTimeout = new Timeout("view_change_retransmit");
    private final Timeout stateTransferTimeout = new Timeout("state_transfer");
    private final Timeout repairTimeout = new Timeout("repair");
    private final Timeout recoveryTimeout = new Timeout("recovery");

    /**
     * Per replica, the latest incarnation this replica knows of it; its own entry is its own
     * incarnation. Votes and acknowledgements from an older incarnation are discarded (see
     * {@code message.Recovery}). Durable: carried in every persistState.
     */
    private final long[] crashVector;
    /** The crash vector as far as completed writes carry it: what a restart would remember. */
    private final long[] crashVectorDurable;
    /** What persistState writes not yet completed carry, in issue order. */
    private final ArrayDeque<Output.ReplicaState> statesInFlight = new ArrayDeque<>();
    /** The damage as the last completed write recorded it: what a restart would find. */
    private long damagedOpMaxDurable;
    // Recovery (status RECOVERING).
    private long recoveryNonce;
    private boolean recoveryAnnouncing;
    private final RecoveryResponse[] recoveryFrom;

    /**
     * -1 while the log is whole. Otherwise the log may lack ops this replica acknowledged in its
     * log view, none above this op: its journal came back damaged from a crash. Until the log is
     * whole again it does not acknowledge, and its DoViewChange carries no log and counts only
     * where a whole log among the votes covers it, so it can never help a view change drop a
     * committed op. Durable (carried in every persistState), so a crash cannot forget it. Cleared
     * when the holes are filled by checksum up to it ({@link #repair}), when the primary of its
     * view hands it that view's whole log, or when it adopts a newer view's log.
     */
    private long damagedOpMax = -1;
    /** The log a damaged replica is filling from its peers by checksum; null when none. */
    private Repair repair;
    private long repairedEntryCount;
    /**
     * Sent with every GetState of this process and echoed in the answer: an answer with it was
     * sent after this process started, so after every acknowledgement a damaged log may have lost.
     */
    private final long requestNonce;

    private long duplicateRequestCount;
    private IgnoreListener ignoreListener;

    /**
     * What survives a crash: the superblock's views and the journal's log. When the journal came
     * back damaged, {@code damage} describes it and {@code log} is empty.
     */
    /**
     * {@code commitMax} and {@code commitChecksum}: the last write's claim that ops up to
     * {@code commitMax} are committed, in the chain whose entry there has {@code commitChecksum};
     * it holds for the log only if the log holds that entry. {@code pipelinePrepareCountMax}: the
     * pipeline depth the disk was formatted for, or {@link #PIPELINE_UNRECORDED}.
     */
    public record Durable(long view, long logView, List<Entry> log, Damage damage, long[] crashVector,
            boolean recovering, long commitMax, long commitChecksum, int pipelinePrepareCountMax) {
        /** For a durable state that was never formatted (a test's in-memory state): nothing to check. */
        public static final int PIPELINE_UNRECORDED = 0;
        public static final Durable EMPTY = new Durable(0, 0, List.of());
        /** Nothing survived (a lost disk, or any restart in the diskless mode): recover from the cluster. */
        public static final Durable LOST = new Durable(0, 0, List.of(), null, null, true, 0, 0, PIPELINE_UNRECORDED);

        public Durable(long view, long logView, List<Entry> log) {
            this(view, logView, log, null, null, false, 0, 0, PIPELINE_UNRECORDED);
        }

        public Durable(long view, long logView, List<Entry> log, Damage damage) {
            this(view, logView, log, damage, null, false, 0, 0, PIPELINE_UNRECORDED);
        }

        public Durable {
            log = List.copyOf(log);
            crashVector = crashVector == null ? null : crashVector.clone();
            if (damage != null) Check.that(log.isEmpty(), "a damaged log comes as its damage");
            if (recovering) Check.that(log.isEmpty(), "a recovering replica has no log");
            if (recovering) Check.that(damage == null, "a recovering replica has no damage to repair");
            Check.that(commitMax >= 0, "a commit number is an op");
        }
    }

    /**
     * A log that came back damaged from a crash (docs/STORAGE.md): ops {@code 1..headOp}, whose
     * checksums are known from {@code knownFromOp} on ({@code checksums[op - 1]}; the journal's
     * redundant headers and the superblock say what each op must be), with the entries whose bodies
     * are intact ({@code entries[op - 1]}, null where missing). Below {@code knownFromOp} the chain
     * broke and nothing is known. {@code opMax} is the highest op the replica may have
     * acknowledged in its log view (at least {@code headOp}: the journal's redundant headers of ops
     * past a break, or an earlier run's damage, can say more). Filling the holes clears the damage
     * only when it reaches {@code opMax}; otherwise a whole log from a primary does.
     */
    public record Damage(long headOp, long knownFromOp, long[] checksums, Entry[] entries, long opMax) {
        public Damage {
            Check.that(opMax >= headOp, "damage covers at least the journal's log", opMax, headOp);
            Check.that(headOp >= 0, "a damaged log's head is an op", headOp, 0);
            Check.that(checksums.length == headOp, "a checksum per op of the damaged log", checksums.length, headOp);
            Check.that(entries.length == headOp, "an entry slot per op of the damaged log", entries.length, headOp);
            Check.that(knownFromOp >= 1, "known checksums start at an op", knownFromOp, headOp);
            Check.that(knownFromOp <= headOp + 1, "known checksums within the log", knownFromOp, headOp);
            checksums = checksums.clone();
            entries = entries.clone();
        }
    }

    /** A damaged log being filled: the chain it must become, and what is known of it. */
    private static final class Repair {
        final long headOp;
        final long[] checksums;
        final Entry[] entries;
        /** Ops whose body came from a peer, so must be written before it counts as durable. */
        final BitSet fromPeer = new BitSet();
        long knownFromOp;
        int peer;
        /** Requests sent since the log last grew; after asking every peer twice, the target is given up. */
        int requestsWithoutProgress;

        Repair(Damage damage, int replicaIndex) {
            headOp = damage.headOp();
            checksums = damage.checksums();
            entries = damage.entries();
            knownFromOp = damage.knownFromOp();
            peer = replicaIndex;
        }

        Entry entry(long op) { return entries[(int) (op - 1)]; }
        long checksum(long op) { return checksums[(int) (op - 1)]; }

        /** Extends the known checksums down through intact entries whose own checksum is now known. */
        void extendKnownDown() {
            while (knownFromOp > 1) {
                Entry entry = entry(knownFromOp);
                if (entry == null) return;
                if (entry.checksum() != checksum(knownFromOp)) {
                    entries[(int) (knownFromOp - 1)] = null; // a stale record in that slot, not this chain's
                    return;
                }
                checksums[(int) (knownFromOp - 2)] = entry.parent();
                knownFromOp--;
            }
        }
    }

    /** A replica of a new cluster: view 0, empty log; replica 0 is the primary. */
    public static Replica create(ClusterConfig config, int replicaIndex, StateMachine stateMachine, Prng prng) {
        return new Replica(config, replicaIndex, stateMachine, prng, Durable.EMPTY, false);
    }

    /**
     * A replica restarting from what its disk held. The state machine starts empty: the log is
     * re-executed as the replica learns the commit number again.
     *
     * <p>A replica that was the primary of its durable view does not resume as primary: prepares
     * it sent may have been acknowledged and committed by backups while its own write was lost, so
     * it could prepare a different op at the same number. It starts a view change instead.
     */
    public static Replica restart(ClusterConfig config, int replicaIndex, StateMachine stateMachine, Prng prng,
            Durable durable) {
        return new Replica(config, replicaIndex, stateMachine, prng, durable, true);
    }

    private Replica(ClusterConfig config, int replicaIndex, StateMachine stateMachine, Prng prng, Durable durable,
            boolean restarting) {
        Check.that(replicaIndex >= 0, "replica index is not negative", replicaIndex, config.replicaCount());
        Check.that(replicaIndex < config.replicaCount(), "replica index in cluster", replicaIndex, config.replicaCount());
        Check.that(durable.view() >= durable.logView(), "durable view >= logView");
        if (durable.pipelinePrepareCountMax() != Durable.PIPELINE_UNRECORDED
                && durable.pipelinePrepareCountMax() != config.pipelinePrepareCountMax()) {
            // Fact 2 of the class comment: with a smaller pipeline than its log was prepared under,
            // a restarted replica would take uncommitted entries for committed and execute them.
            throw new IllegalArgumentException("replica " + replicaIndex + " was formatted with pipelinePrepareCountMax "
                    + durable.pipelinePrepareCountMax() + " and cannot start with " + config.pipelinePrepareCountMax()
                    + ": the pipeline depth is part of the cluster's safety and never changes");
        }
        if (restarting && config.canary(Canary.FORGET_VIEW_ON_RESTART)) {
            durable = new Durable(durable.logView(), durable.logView(), durable.log());
        }
        this.config = config;
        this.replicaIndex = replicaIndex;
        this.stateMachine = stateMachine;
        this.prng = prng;
        this.clientTable = new ClientTable(config.clientTableSessionsMax());
        this.log = new OpLog(config.clusterId());
        for (Entry entry : durable.log()) log.append(entry);
        if (durable.damage() != null) startRepair(durable.damage());
        this.damagedOpMaxDurable = durable.recovering() ? DAMAGED_ALL : damagedOpMax;
        long headOp = durable.damage() != null ? durable.damage().headOp() : log.op();
        this.ackedOp = new long[config.replicaCount()];
        this.startViewChangeFrom = new boolean[config.replicaCount()];
        this.doViewChangeFrom = new DoViewChange[config.replicaCount()];
        this.recoveryFrom = new RecoveryResponse[config.replicaCount()];
        this.requestNonce = prng.nextLong() | 1;
        this.crashVector = new long[config.replicaCount()];
        if (durable.crashVector() != null) {
            Check.that(durable.crashVector().length == config.replicaCount(), "crash vector has an entry per replica");
            System.arraycopy(durable.crashVector(), 0, crashVector, 0, crashVector.length);
        }
        this.crashVectorDurable = crashVector.clone();
        this.view = durable.view();
        this.logView = durable.logView();
        this.viewDurable = durable.view();
        this.logViewDurable = durable.logView();
        this.viewPersisted = durable.view();
        this.opDurable = log.op();
        // Entries a pipeline below the last op held are committed (fact 2), and so is what the
        // last write knew to be committed, where this log holds the entry it named (fact 1). A
        // damaged journal holds only the intact prefix of its chain: what its head and its last
        // write prove about the rest is a claim that waits until repair brings that chain back,
        // and dies if another chain completes the log (issue 7, bug 3).
        this.commitMax = Math.max(0, log.op() - config.pipelinePrepareCountMax());
        learnCommit(durable.commitMax(), durable.commitMax(), durable.commitChecksum());
        if (durable.damage() != null && headOp >= durable.damage().knownFromOp()) {
            learnCommit(Math.max(0, headOp - config.pipelinePrepareCountMax()), headOp,
                    durable.damage().checksums()[(int) (headOp - 1)]);
        }

        if (durable.recovering()) {
            status = Status.RECOVERING;
            startRecovery();
        } else if (view > logView) {
            status = Status.VIEW_CHANGE;
            startViewChangeTimers();
        } else if (restarting && isPrimaryOf(view)) {
            // Moves to view + 1 in memory now; the first tick persists it before any message.
            status = Status.VIEW_CHANGE;
            view = view + 1;
            startViewChangeTimers();
        } else {
            status = Status.NORMAL;
            if (isPrimary()) startPrimaryTimers();
            else normalTimeout.start(now, config.normalTimeoutTicks());
        }
        checkInvariants();
    }

    // ---------------------------------------------------------------------------------------------
    // Entry points.

    /** Handles one message from a replica or a client. */
    public void step(Message message, Output out) {
        if (status == Status.RECOVERING) {
            if (message instanceof RecoveryResponse m) onRecoveryResponse(m, out);
            else ignore("recovering", message);
            checkInvariants();
            return;
        }
        if (staleIncarnation(message)) {
            checkInvariants();
            return;
        }
        switch (message) {
            case Request m -> onRequest(m, out);
            case Prepare m -> onPrepare(m, out);
            case PrepareOk m -> onPrepareOk(m, out);
            case Commit m -> onCommit(m, out);
            case StartViewChange m -> onStartViewChange(m, out);
            case DoViewChange m -> onDoViewChange(m, out);
            case StartView m -> onStartView(m, out);
            case GetState m -> onGetState(m, out);
            case NewState m -> onNewState(m, out);
            case GetEntries m -> onGetEntries(m, out);
            case Entries m -> onEntries(m, out);
            case Recovery m -> onRecovery(m, out);
            case RecoveryResponse m -> ignore("recovery_response: not recovering", m);
            case Reply m -> ignore("reply: replicas do not take replies", m);
        }
        persistIncarnationIfLearned(out);
        checkInvariants();
    }

    /**
     * A replica that learned a newer incarnation of itself (from a vote or a Commit that carried
     * one an unfinished recovery of its announced) makes it durable, so that its acknowledgements,
     * which carry the durable one, count again (review 4, finding 1).
     */
    private void persistIncarnationIfLearned(Output out) {
        if (crashVector[replicaIndex] <= crashVectorDurable[replicaIndex] || status == Status.RECOVERING) return;
        for (Output.ReplicaState inFlight : statesInFlight) {
            if (inFlight.crashVector()[replicaIndex] >= crashVector[replicaIndex]) return;
        }
        persistView(out);
    }

    /** Advances time by one tick and fires due timeouts. */
    public void tick(Output out) {
        now++;
        if (status == Status.RECOVERING) {
            if (recoveryTimeout.fired(now)) onRecoveryTimeout(out);
            checkInvariants();
            return;
        }
        if (viewPersisted < view) persistView(out);
        if (normalTimeout.fired(now)) onNormalTimeout(out);
        if (commitTimeout.fired(now)) onCommitTimeout(out);
        if (prepareTimeout.fired(now)) onPrepareTimeout(out);
        if (viewChangeTimeout.fired(now)) onViewChangeTimeout(out);
        if (viewChangeRetransmitTimeout.fired(now)) onViewChangeRetransmitTimeout(out);
        if (stateTransferTimeout.fired(now)) onStateTransferTimeout(out);
        if (repairTimeout.fired(now)) onRepairTimeout(out);
        checkInvariants();
    }

    /** The journal made {@code op} (with {@code checksum}) durable, and every write before it. */
    public void onPrepareDurable(long op, long checksum, Output out) {
        if (log.holds(op, checksum)) opDurable = Math.max(opDurable, op);
        if (repair != null) {
            // Entries after it that came from our own journal were durable all along.
            while (opDurable < log.op() && !repair.fromPeer.get((int) (opDurable + 1))) opDurable++;
            finishRepairIfDone(out);
        }
        afterDurable(out);
        checkInvariants();
    }

    /**
     * A {@link Output#persistState} write completed, and every write before it. {@code lastOp} and
     * {@code lastChecksum} name the last entry the write covered: the last of its suffix, or its
     * anchor when the suffix was empty.
     */
    public void onStateDurable(long view, long logView, long lastOp, long lastChecksum, Output out) {
        Output.ReplicaState written = statesInFlight.pollFirst();
        if (written != null) {
            damagedOpMaxDurable = written.damagedOpMax();
            long[] vector = written.crashVector();
            for (int r = 0; r < vector.length; r++) crashVectorDurable[r] = Math.max(crashVectorDurable[r], vector[r]);
        }
        viewDurable = Math.max(viewDurable, view);
        logViewDurable = Math.max(logViewDurable, logView);
        if (log.holds(lastOp, lastChecksum)) opDurable = Math.max(opDurable, lastOp);
        afterDurable(out);
        checkInvariants();
    }

    // ---------------------------------------------------------------------------------------------
    // Normal operation (VRR 4.1).

    /** VRR 4.1 steps 1-3: the primary checks the client table and queues the request for a prepare. */
    private void onRequest(Request request, Output out) {
        if (ignoreRequest(request, out)) return;
        Check.that(status == Status.NORMAL, "status normal");
        Check.that(isPrimary(), "primary");

        requestQueue.addLast(request);
        primaryPrepareQueued(out);
    }

    private boolean ignoreRequest(Request request, Output out) {
        if (status != Status.NORMAL) return ignore("request: status " + status, request);
        if (!isPrimary()) return ignore("request: not primary", request);
        if (catchingUpToNewerView()) return ignore("request: a newer view exists", request);
        if (!normalDurable()) return ignore("request: view not durable yet", request);
        if (!config.canary(Canary.SKIP_DUPLICATE_CHECK)) {
            ClientTable.Session session = clientTable.get(request.clientId());
            if (session != null && request.isRegister()) {
                // A retried (or stale) registration: the session exists, so tell its base again.
                duplicateRequestCount++;
                out.reply(new Reply(view, request.clientId(), Request.REGISTER, Reply.Status.OK,
                        Request.encodeBase(session.base), replicaIndex));
                return true;
            }
            if (session != null && request.requestNumber() <= session.base) {
                // A request of an earlier session of this client, evicted since: the client
                // registered again (a stale registration), and this request must not run again.
                out.reply(new Reply(view, request.clientId(), request.requestNumber(), Reply.Status.EVICTED, new byte[0],
                        replicaIndex));
                return true;
            }
            if (session != null && request.requestNumber() < session.requestNumber) {
                return ignore("request: older than the latest executed", request);
            }
            if (session != null && request.requestNumber() == session.requestNumber) {
                // VRR 4.1 step 2: a duplicate of the latest request gets the cached reply again.
                duplicateRequestCount++;
                out.reply(new Reply(view, request.clientId(), request.requestNumber(), Reply.Status.OK,
                        session.reply, replicaIndex));
                return true;
            }
        }
        if (inPipelineOrQueue(request)) return ignore("request: already being prepared", request);
        if (request.operation().length > config.batchSizeBytesMax() - Request.OVERHEAD_SIZE_BYTES) {
            // Deviation 16 (docs/PROTOCOL.md); VRR has no sizes. A request that fits no batch
            // would be dropped here on every retry, for ever. Every primary of the cluster refuses
            // it alike (the limit is the same on every replica), so it never executes, and the
            // client is told so explicitly, like an eviction. (Compared without adding, so no
            // size overflows.)
            out.reply(new Reply(view, request.clientId(), request.requestNumber(), Reply.Status.TOO_LARGE, new byte[0],
                    replicaIndex));
            return true;
        }
        if (requestQueue.size() >= config.requestQueueCountMax()) return ignore("request: queue full", request);
        return false;
    }

    private boolean inPipelineOrQueue(Request request) {
        for (Request queued : requestQueue) {
            if (queued.clientId() == request.clientId() && queued.requestNumber() == request.requestNumber()) return true;
        }
        for (long op = commit + 1; op <= log.op(); op++) {
            for (Request prepared : log.entry(op).requests()) {
                if (prepared.clientId() == request.clientId() && prepared.requestNumber() >= request.requestNumber()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * VRR 4.1 step 3, with batching and pipelining: while the pipeline has room, pack queued
     * requests (bounded by count and bytes) into the next prepare, append it, write it to the
     * journal and send it to the backups in parallel.
     */
    private void primaryPrepareQueued(Output out) {
        if (status != Status.NORMAL || !isPrimary() || !normalDurable() || startViewPending) return;
        if (catchingUpToNewerView()) return;
        while (!requestQueue.isEmpty() && log.op() - commit < config.pipelinePrepareCountMax()) {
            // The batch's size is counted as the codec writes the body (Entry.bodySizeBytes), and
            // batchSizeBytesMax is at most the journal's body limit (ClusterConfig), so every
            // prepare fits every replica's journal. Every queued request fits a batch on its own
            // (ignoreRequest), so the batch is never empty.
            List<Request> batch = new ArrayList<>();
            int bodySizeBytes = 0;
            while (!requestQueue.isEmpty() && batch.size() < config.batchRequestCountMax()) {
                Request next = requestQueue.peekFirst();
                if (bodySizeBytes + next.sizeBytes() > config.batchSizeBytesMax()) break;
                batch.add(requestQueue.pollFirst());
                bodySizeBytes += next.sizeBytes();
            }
            Check.that(!batch.isEmpty(), "a batch holds at least one request");
            Entry entry = Entry.create(view, log.op() + 1, log.checksumAt(log.op()), timestampNext(), batch);
            Check.that(entry.bodySizeBytes() <= config.batchSizeBytesMax(), "batch within batchSizeBytesMax",
                    entry.bodySizeBytes(), config.batchSizeBytesMax());
            log.append(entry);
            out.persistPrepare(entry);
            if (config.canary(Canary.ACK_BEFORE_DURABLE)) opDurable = entry.op();
            sendToOthers(new Prepare(view, commitMax, log.checksumAt(commitMax), entry, replicaIndex), out);
            if (!prepareTimeout.running()) prepareTimeout.start(now, config.prepareRetransmitTicks());
        }
        Check.that(log.op() - commit <= config.pipelinePrepareCountMax(), "pipeline within its maximum");
    }

    /** The primary's monotonic cluster timestamp: later prepares never get a smaller one. */
    private long timestampNext() {
        long last = log.op() == 0 ? 0 : log.entry(log.op()).timestamp();
        return Math.max(last + 1, now);
    }

    /** VRR 4.1 step 4: a backup appends prepares in op order, and acknowledges once durable. */
    private void onPrepare(Prepare message, Output out) {
        if (message.view() < view && config.canary(Canary.ACCEPT_PREPARE_FROM_OLDER_VIEW)) {
            canaryAcceptOlderPrepare(message, out);
            return;
        }
        if (ignorePrepare(message)) return;
        if (catchUpIfNewerView(message.view(), message.replica(), out)) return;
        Check.that(status == Status.NORMAL, "status normal");
        Check.that(!isPrimary(), "backup");
        Check.that(message.view() == view, "same view");

        normalTimeout.start(now, config.normalTimeoutTicks());
        if (logDamaged()) {
            // Neither append nor acknowledge: the repair timer fills the log from peers.
            learnCommit(message.commit(), message.commit(), message.commitChecksum());
            executeCommitted(out);
            return;
        }
        Entry entry = message.entry();
        if (entry.op() <= log.op()) {
            // A retransmission: our acknowledgement may have been lost, so send it again. The hash
            // chain proves our log equal to the primary's up to this op, and no further.
            if (log.checksumAt(entry.op()) != entry.checksum()) {
                ignore("prepare: conflicts with our log in the same view", message);
                return;
            }
            sendPrepareOk(Math.min(opDurable, entry.op()), out);
        } else if (log.chains(entry)) {
            log.append(entry);
            out.persistPrepare(entry);
            if (config.canary(Canary.ACK_BEFORE_DURABLE)) {
                opDurable = entry.op();
                sendPrepareOk(opDurable, out);
            }
        } else {
            // A gap (an earlier prepare was lost): fetch the missing entries within this view.
            startCatchUp(view, message.replica(), out);
        }
        learnCommit(message.commit(), message.commit(), message.commitChecksum());
        executeCommitted(out);
    }

    private boolean ignorePrepare(Prepare message) {
        if (message.view() < view) return ignore("prepare: older view", message);
        if (message.replica() != config.primaryIndex(message.view())) return ignore("prepare: not from the primary", message);
        if (message.replica() == replicaIndex) return ignore("prepare: from ourselves", message);
        if (!message.entry().valid()) return ignore("prepare: entry checksum mismatch", message);
        if (message.entry().view() > message.view()) return ignore("prepare: entry from a future view", message);
        if (message.view() == view && catchingUpToNewerView()) return ignore("prepare: a newer view exists", message);
        return false;
    }

    /** Canary {@link Canary#ACCEPT_PREPARE_FROM_OLDER_VIEW}: appends and acks an older view's prepare. */
    private void canaryAcceptOlderPrepare(Prepare message, Output out) {
        Entry entry = message.entry();
        if (!entry.valid() || !log.chains(entry)) return;
        log.append(entry);
        out.persistPrepare(entry);
        out.send(message.replica(), new PrepareOk(message.view(), entry.op(), replicaIndex, crashVector[replicaIndex]));
    }

    /**
     * A Prepare or Commit of a view newer than ours (or of ours while we are still in view change)
     * means that view has started without us. DESIGN 2: catch up to it without changing view or
     * logView (no truncation to the commit number, unlike VRR 5.2). Returns true when handled so.
     */
    private boolean catchUpIfNewerView(long messageView, int from, Output out) {
        if (config.canary(Canary.TRUNCATE_ON_NEWER_VIEW) && canaryTruncateToNewerView(messageView, from, out)) return true;
        if (messageView <= view && status != Status.VIEW_CHANGE) return false;
        startCatchUp(messageView, from, out);
        return true;
    }

    /**
     * Canary {@link Canary#TRUNCATE_ON_NEWER_VIEW}: VRR 5.2 as published. The log is cut back to
     * the commit number and the newer view becomes the log view before the missing entries arrive.
     */
    private boolean canaryTruncateToNewerView(long messageView, int from, Output out) {
        boolean newer = messageView > view || (messageView == view && status == Status.VIEW_CHANGE);
        if (!newer || isPrimaryOf(messageView)) return false;
        // The paper's commit-number is the highest op known committed; every op up to it is held.
        log.truncateAfter(commitMax);
        transitionToNormalBackup(messageView, commitMax + 1, out);
        startCatchUp(view, from, out);
        return true;
    }

    /** VRR 4.1 step 5: the primary commits the prefix that f + 1 replicas hold durably. */
    private void onPrepareOk(PrepareOk message, Output out) {
        if (ignorePrepareOk(message)) return;
        Check.that(status == Status.NORMAL, "status normal");
        Check.that(isPrimary(), "primary");
        Check.that(message.view() == view, "same view");

        // A PrepareOk for op n also acknowledges every earlier op, because backups prepare in
        // order; so acknowledgements are a per-replica high-water mark.
        ackedOp[message.replica()] = Math.max(ackedOp[message.replica()], Math.min(message.op(), log.op()));
        primaryCommit(out);
    }

    private boolean ignorePrepareOk(PrepareOk message) {
        if (message.view() != view) return ignore("prepare_ok: other view", message);
        if (status != Status.NORMAL) return ignore("prepare_ok: status " + status, message);
        if (!isPrimary()) return ignore("prepare_ok: not primary", message);
        if (message.replica() == replicaIndex) return ignore("prepare_ok: from ourselves", message);
        return false;
    }

    private void primaryCommit(Output out) {
        if (status != Status.NORMAL || !isPrimary() || !normalDurable() || catchingUpToNewerView()) return;
        ackedOp[replicaIndex] = opDurable;
        int quorum = config.canary(Canary.COMMIT_WITH_F_ACKS) ? Math.max(1, config.quorum() - 1) : config.quorum();
        long[] sorted = ackedOp.clone();
        Arrays.sort(sorted);
        long quorumOp = sorted[sorted.length - quorum];
        if (quorumOp > commitMax) {
            commitMax = quorumOp;
            executeCommitted(out);
            if (commit == log.op()) prepareTimeout.stop();
        }
        primaryPrepareQueued(out);
    }

    /** VRR 4.1 step 6: the primary sends its commit number every interval, busy or idle; it doubles as the heartbeat. */
    private void onCommitTimeout(Output out) {
        if (status != Status.NORMAL || !isPrimary()) return;
        commitTimeout.start(now, config.commitIntervalTicks());
        if (!normalDurable() || startViewPending || catchingUpToNewerView()) return;
        sendToOthers(new Commit(view, commitMax, log.checksumAt(commitMax), replicaIndex, crashVectorToSend()), out);
    }

    /** VRR 4.1 step 7: backups execute what the primary says is committed. */
    private void onCommit(Commit message, Output out) {
        if (ignoreCommit(message)) return;
        if (catchUpIfNewerView(message.view(), message.replica(), out)) return;
        Check.that(status == Status.NORMAL, "status normal");
        Check.that(!isPrimary(), "backup");

        normalTimeout.start(now, config.normalTimeoutTicks());
        if (logDamaged()) {
            learnCommit(message.commit(), message.commit(), message.commitChecksum());
            executeCommitted(out);
            return;
        }
        if (message.commit() <= log.op() && log.checksumAt(message.commit()) != message.commitChecksum()) {
            ignore("commit: our entry at the commit number differs from the primary's", message);
            return;
        }
        learnCommit(message.commit(), message.commit(), message.commitChecksum());
        executeCommitted(out);
        if (message.commit() > log.op()) startCatchUp(view, message.replica(), out);
    }

    private boolean ignoreCommit(Commit message) {
        if (message.view() < view) return ignore("commit: older view", message);
        if (message.replica() != config.primaryIndex(message.view())) return ignore("commit: not from the primary", message);
        if (message.replica() == replicaIndex) return ignore("commit: from ourselves", message);
        if (message.view() == view && catchingUpToNewerView()) return ignore("commit: a newer view exists", message);
        return false;
    }

    /** Resends prepares that some backup has not acknowledged. */
    private void onPrepareTimeout(Output out) {
        if (status != Status.NORMAL || !isPrimary()) return;
        // Keep the timer running while we wait for durability: a PrepareOk lost meanwhile would
        // otherwise never be asked for again (seed 1654).
        prepareTimeout.start(now, config.prepareRetransmitTicks());
        if (!normalDurable() || startViewPending || catchingUpToNewerView()) return;
        if (config.canary(Canary.SKIP_PREPARE_RETRANSMIT)) return;
        boolean pending = false;
        for (int replica = 0; replica < config.replicaCount(); replica++) {
            if (replica == replicaIndex || ackedOp[replica] >= log.op()) continue;
            pending = true;
            long from = Math.max(ackedOp[replica], log.op() - config.pipelinePrepareCountMax());
            for (long op = from + 1; op <= log.op(); op++) {
                out.send(replica, new Prepare(view, commitMax, log.checksumAt(commitMax), log.entry(op), replicaIndex));
            }
        }
        if (!pending) prepareTimeout.stop();
    }

    /**
     * Executes committed entries in op order (VRR 4.1 steps 5 and 7). The primary replies to the
     * clients; backups only update their state and client table.
     */
    private void executeCommitted(Output out) {
        proveCommitClaim();
        while (commit < commitMax) {
            Entry entry = log.entry(commit + 1);
            for (Request request : entry.requests()) execute(entry, request, out);
            commit++;
            if (status == Status.NORMAL) viewChangeAttempts = 0;
        }
    }

    private void execute(Entry entry, Request request, Output out) {
        boolean replying = status == Status.NORMAL && isPrimary();
        ClientTable.Session session = clientTable.get(request.clientId());
        if (request.isRegister()) {
            // The session's base is one below the op that registers it, and its requests are
            // numbered above the base. Every executed request of an earlier, evicted session of
            // this client has a number at or below it (a request's number is below the op that
            // executed it, and the eviction and this registration come no earlier), so a stale
            // copy of the registration cannot make one of them run again: it gets EVICTED.
            if (session == null) {
                clientTable.update(request.clientId(), entry.op() - 1, new byte[0], entry.op());
                session = clientTable.get(request.clientId());
            }
            if (replying) {
                out.reply(new Reply(view, request.clientId(), Request.REGISTER, Reply.Status.OK,
                        Request.encodeBase(session.base), replicaIndex));
            }
            return;
        }
        if (session == null || request.requestNumber() <= session.base) {
            // Evicted (or never registered): the request is not executed, and the client is told
            // so explicitly. Every replica decides this identically at the same op.
            if (replying) {
                out.reply(new Reply(view, request.clientId(), request.requestNumber(), Reply.Status.EVICTED, new byte[0],
                        replicaIndex));
            }
            return;
        }
        boolean duplicate = request.requestNumber() <= session.requestNumber;
        if (duplicate && !config.canary(Canary.SKIP_DUPLICATE_CHECK)) {
            // The same request can be prepared twice across a view change; it executes once.
            duplicateRequestCount++;
            return;
        }
        byte[] result = stateMachine.execute(entry.op(), entry.timestamp(), request.operation());
        if (!duplicate) clientTable.update(request.clientId(), request.requestNumber(), result, entry.op());
        if (replying) {
            out.reply(new Reply(view, request.clientId(), request.requestNumber(), Reply.Status.OK, result, replicaIndex));
        }
    }

    /** Acknowledges {@code op}, which must be durable, and with it every earlier op (VRR 4.1 step 4). */
    private void sendPrepareOk(long op, Output out) {
        if (status != Status.NORMAL || isPrimary() || !normalDurable() || op == 0 || logDamaged()) return;
        if (catchingUpToNewerView()) return;
        Check.that(logView == view, "log view is the current view");
        Check.that(op <= opDurable, "acknowledge only durable ops", op, opDurable);
        // The incarnation a restart would come back with: one learned but not yet durable could be
        // forgotten by a crash, after which the primary would discard every later ack as older.
        out.send(config.primaryIndex(view), new PrepareOk(view, op, replicaIndex, crashVectorDurable[replicaIndex]));
    }

    /**
     * A write completed: do what waited for it. The first messages of a view go out only now
     * (DESIGN 2): StartViewChange once the view is durable, StartView and PrepareOk once the log
     * view is.
     */
    private void afterDurable(Output out) {
        if (status == Status.VIEW_CHANGE) {
            if (viewDurable < view || startViewChangeSent) return;
            startViewChangeSent = true;
            sendToOthers(new StartViewChange(view, replicaIndex, crashVectorToSend()), out);
            sendDoViewChangeIfReady(out);
            // A DoViewChange that arrived before our view was durable still needs our own.
            if (isPrimaryOf(view) && countDoViewChanges() > 0 && doViewChangeFrom[replicaIndex] == null) {
                sendDoViewChange(out);
            }
        } else if (isPrimary()) {
            if (startViewPending && normalDurable()) {
                startViewPending = false;
                sendToOthers(startView(), out);
            }
            primaryCommit(out);
        } else {
            sendPrepareOk(opDurable, out);
        }
    }

    /** True when the current view and log view are durable, so normal-status messages may go out. */
    private boolean normalDurable() {
        return logViewDurable >= view;
    }

    /**
     * True when this normal replica may hand out its log as its view's log: the choice is durable
     * (a primary-elect that crashed before that could choose differently on restart, leaving two
     * logs with one log view), and it knows of no newer view (its log may then hold entries of
     * that view).
     */
    private boolean servesItsView() {
        return status == Status.NORMAL && normalDurable() && !startViewPending && !catchingUpToNewerView() && !logDamaged();
    }

    // ---------------------------------------------------------------------------------------------
    // View change (VRR 4.2).

    /** VRR 4.2: a backup that has not heard from the primary starts a view change. */
    private void onNormalTimeout(Output out) {
        if (status != Status.NORMAL || isPrimary()) return;
        transitionToViewChange(view + 1, out);
    }

    /** The view change did not finish in time: try the next view, with a longer timeout. */
    private void onViewChangeTimeout(Output out) {
        if (status != Status.VIEW_CHANGE) return;
        viewChangeAttempts++;
        transitionToViewChange(view + 1, out);
    }

    private void onViewChangeRetransmitTimeout(Output out) {
        if (status != Status.VIEW_CHANGE) return;
        viewChangeRetransmitTimeout.start(now, config.viewChangeRetransmitTicks());
        if (viewDurable < view) return;
        sendToOthers(new StartViewChange(view, replicaIndex, crashVectorToSend()), out);
        if (doViewChangeSent && !isPrimaryOf(view)) out.send(config.primaryIndex(view), doViewChange());
        if (isPrimaryOf(view)) primaryStartViewIfReady(out);
    }

    /**
     * VRR 4.2 step 1. The new view is persisted before any message of it goes out (DESIGN 2):
     * {@link #afterDurable} sends the StartViewChange.
     */
    private void transitionToViewChange(long viewNew, Output out) {
        Check.that(viewNew > view, "view change to a higher view", viewNew, view);
        if (config.canary(Canary.THROW_ON_VIEW_CHANGE)) {
            throw new IllegalStateException("canary THROW_ON_VIEW_CHANGE: replica " + replicaIndex + " into view "
                    + viewNew);
        }
        status = Status.VIEW_CHANGE;
        view = viewNew;
        Arrays.fill(startViewChangeFrom, false);
        Arrays.fill(doViewChangeFrom, null);
        Arrays.fill(ackedOp, 0);
        doViewChangeSent = false;
        startViewPending = false;
        startViewChangeSent = false;
        requestQueue.clear();
        if (catchUpView <= view) stopCatchUp();
        normalTimeout.stop();
        commitTimeout.stop();
        prepareTimeout.stop();
        startViewChangeTimers();
        persistView(out);
    }

    private void startViewChangeTimers() {
        // Exponential back-off with seeded jitter, so competing replicas stop colliding; the
        // attempt count survives entering the new view and resets only once ops commit again.
        long base = config.viewChangeTimeoutTicks();
        long backoff = base << Math.min(viewChangeAttempts, config.viewChangeBackoffExponentMax());
        viewChangeTimeout.start(now, backoff + prng.between(0, base));
        viewChangeRetransmitTimeout.start(now, config.viewChangeRetransmitTicks());
    }

    private void persistView(Output out) {
        // While a damaged log is being filled, the superblock must keep naming the journal's
        // whole log (whose holes it alone may know by header): views wait, and so do votes.
        if (repair != null) return;
        viewPersisted = view;
        out.persistState(stateToPersist(), log.op(), log.checksumAt(log.op()), List.of());
    }

    /** VRR 4.2 step 1: adopt a higher view; count votes only for exactly the current view. */
    private void onStartViewChange(StartViewChange message, Output out) {
        if (ignoreStartViewChange(message, out)) return;
        if (message.view() > view) transitionToViewChange(message.view(), out);
        Check.that(status == Status.VIEW_CHANGE, "status view change");
        Check.that(message.view() == view, "same view");

        startViewChangeFrom[message.replica()] = true;
        sendDoViewChangeIfReady(out);
    }

    private boolean ignoreStartViewChange(StartViewChange message, Output out) {
        if (message.replica() == replicaIndex) return ignore("start_view_change: from ourselves", message);
        if (message.view() < view) return ignore("start_view_change: older view", message);
        if (message.view() == view && status == Status.NORMAL) {
            // The sender missed our StartView: send it again.
            if (isPrimary() && servesItsView()) out.send(message.replica(), startView());
            return ignore("start_view_change: view already started", message);
        }
        return false;
    }

    /** VRR 4.2 step 2: after f StartViewChange votes from others, send DoViewChange. */
    private void sendDoViewChangeIfReady(Output out) {
        if (status != Status.VIEW_CHANGE || viewDurable < view || doViewChangeSent) return;
        int votes = 0;
        for (int replica = 0; replica < config.replicaCount(); replica++) {
            if (replica != replicaIndex && startViewChangeFrom[replica]) votes++;
        }
        if (votes >= config.faultsMax()) sendDoViewChange(out);
    }

    private void sendDoViewChange(Output out) {
        doViewChangeSent = true;
        DoViewChange message = doViewChange();
        if (isPrimaryOf(view)) onDoViewChange(message, out);
        else out.send(config.primaryIndex(view), message);
    }

    private DoViewChange doViewChange() {
        if (logDamaged()) {
            // A vote without a log: it says which ops it may lack (docs/STORAGE.md, rule 6).
            return new DoViewChange(view, logView, log.op(), commitMax, 0, log.checksumAt(0), List.of(), replicaIndex,
                    damagedOpMax, crashVectorToSend());
        }
        // DoViewChange and StartView ship the log after an op known committed, at most a pipeline
        // behind the last op (DESIGN 2: a bounded suffix).
        long anchor = opCommittedKnown();
        return new DoViewChange(view, logView, log.op(), commitMax, anchor, log.checksumAt(anchor),
                log.slice(anchor, log.op()), replicaIndex, DoViewChange.WHOLE, crashVectorToSend());
    }

    /** VRR 4.2 step 3: the new primary collects f + 1 DoViewChange messages, its own included. */
    private void onDoViewChange(DoViewChange message, Output out) {
        if (ignoreDoViewChange(message, out)) return;
        if (message.view() > view) transitionToViewChange(message.view(), out);
        Check.that(status == Status.VIEW_CHANGE, "status view change");
        Check.that(isPrimaryOf(view), "primary of the new view");
        Check.that(message.view() == view, "same view");

        doViewChangeFrom[message.replica()] = message;
        // A DoViewChange from another replica means f replicas voted for this view: add our own.
        if (doViewChangeFrom[replicaIndex] == null && viewDurable >= view) sendDoViewChange(out);
        primaryStartViewIfReady(out);
    }

    private boolean ignoreDoViewChange(DoViewChange message, Output out) {
        if (message.view() < view) return ignore("do_view_change: older view", message);
        if (!isPrimaryOf(message.view())) return ignore("do_view_change: not the primary of that view", message);
        if (message.view() == view && status == Status.NORMAL) {
            if (message.replica() != replicaIndex && servesItsView()) {
                out.send(message.replica(), startView());
            }
            return ignore("do_view_change: view already started", message);
        }
        if (!chainValid(message.anchorChecksum(), message.anchorOp(), message.suffix())) {
            return ignore("do_view_change: suffix does not chain", message);
        }
        return false;
    }

    private int countDoViewChanges() {
        int count = 0;
        for (DoViewChange m : doViewChangeFrom) if (m != null) count++;
        return count;
    }

    /**
     * VRR 4.2 step 3: with f + 1 DoViewChange messages, take the log with the greatest
     * (logView, op) and the greatest commit number, become normal and announce the view.
     */
    private void primaryStartViewIfReady(Output out) {
        if (status != Status.VIEW_CHANGE || !isPrimaryOf(view) || doViewChangeFrom[replicaIndex] == null) return;
        if (countDoViewChanges() < config.quorum()) return;
        if (catchingUpToNewerView()) return; // A newer view exists: starting this one is pointless.

        DoViewChange best = null;
        for (DoViewChange m : doViewChangeFrom) {
            if (m == null || m.damaged()) continue;
            if (best == null || newer(m, best)) best = m;
        }
        if (best == null) return; // only damaged logs so far: nothing to choose from
        // A damaged vote counts only where the chosen log covers every op its sender may have
        // acknowledged and lost: a newer log view holds all ops committed before it, and a log of
        // the same view that reaches its bound holds all of that view's ops up to it. Then any
        // committed op the damaged sender held is in the chosen log too (docs/STORAGE.md, rule 6).
        int counted = 0;
        for (DoViewChange m : doViewChangeFrom) {
            if (m != null && (!m.damaged() || covers(best, m))) counted++;
        }
        if (counted < config.quorum()) return;
        if (!log.holds(best.anchorOp(), best.anchorChecksum())) {
            // We lack committed entries below the chosen suffix: fetch them from its sender
            // first (they are committed, so installing them is always safe), then retry.
            startCatchUp(view, best.replica(), out);
            return;
        }
        long anchor = best.anchorOp();
        if (!keepsCommitted(anchor, best.suffix()) && !config.canary(Canary.PICK_LOG_BY_OP_ONLY)) {
            // We hold committed ops (learned by state transfer) that this view's log lacks, so they
            // were committed in a later view: this view is stale, and the view-change timeout moves on.
            ignore("do_view_change: the chosen log lacks committed ops we hold", best);
            return;
        }
        long firstChanged = log.replaceAfter(anchor, best.suffix());
        status = Status.NORMAL;
        logView = view;
        damagedOpMax = -1; // our log is now the chosen one, of a newer view than any we held
        // A commit number speaks only about the log it came from (fact 1), and a DoViewChange's
        // sender may know of ops committed in a view newer than this one, which the chosen log
        // need not hold. So take from each DoViewChange only its committed anchor, and only when
        // the chosen log holds that very entry (hash chain): then the chosen log is identical to
        // the sender's up to it.
        long commitMaxNew = Math.max(commitMax, anchor);
        for (DoViewChange m : doViewChangeFrom) {
            if (m != null && log.holds(m.anchorOp(), m.anchorChecksum())) {
                commitMaxNew = Math.max(commitMaxNew, m.anchorOp());
            }
        }
        commitMax = commitMaxNew;
        opDurable = Math.min(opDurable, firstChanged - 1);
        Arrays.fill(ackedOp, 0);
        stopCatchUp();
        viewChangeTimeout.stop();
        viewChangeRetransmitTimeout.stop();
        startPrimaryTimers();
        startViewPending = true;
        persistLogChange(firstChanged, out);
        executeCommitted(out);
    }

    private static boolean covers(DoViewChange whole, DoViewChange damaged) {
        return whole.logView() > damaged.logView()
                || (whole.logView() == damaged.logView() && whole.op() >= damaged.damagedOpMax());
    }

    private boolean newer(DoViewChange a, DoViewChange b) {
        if (config.canary(Canary.PICK_LOG_BY_OP_ONLY)) return a.op() > b.op();
        if (a.logView() != b.logView()) return a.logView() > b.logView();
        return a.op() > b.op();
    }

    private StartView startView() {
        // DoViewChange and StartView ship the log after an op known committed, at most a pipeline
        // behind the last op (DESIGN 2: a bounded suffix).
        long anchor = opCommittedKnown();
        return new StartView(view, log.op(), commitMax, anchor, log.checksumAt(anchor), log.slice(anchor, log.op()),
                replicaIndex);
    }

    /**
     * VRR 4.2 step 5: a backup adopts the new primary's log and view. Accepted only for a higher
     * view, or the same view while in view change (DESIGN 2).
     */
    private void onStartView(StartView message, Output out) {
        if (ignoreStartView(message)) return;
        if (!log.holds(message.anchorOp(), message.anchorChecksum())) {
            // We lack the committed prefix the suffix builds on: state transfer first.
            startCatchUp(message.view(), message.replica(), out);
            return;
        }
        if (!keepsCommitted(message.anchorOp(), message.suffix())) {
            ignore("start_view: the view's log lacks committed ops we hold (a stale view)", message);
            return;
        }
        long firstChanged = log.replaceAfter(message.anchorOp(), message.suffix());
        transitionToNormalBackup(message.view(), firstChanged, out);
        // The primary's commit number is at most its anchor, an entry we hold (we checked).
        learnCommit(message.commit(), message.anchorOp(), message.anchorChecksum());
        executeCommitted(out);
    }

    private boolean ignoreStartView(StartView message) {
        if (message.view() < view) return ignore("start_view: older view", message);
        if (message.view() == view && status == Status.NORMAL) return ignore("start_view: view already normal", message);
        if (message.replica() != config.primaryIndex(message.view())) return ignore("start_view: not from the primary", message);
        if (message.replica() == replicaIndex) return ignore("start_view: from ourselves", message);
        if (!chainValid(message.anchorChecksum(), message.anchorOp(), message.suffix())) {
            return ignore("start_view: suffix does not chain", message);
        }
        return false;
    }

    /** Enters {@code viewNew} as a normal backup whose log changed from {@code firstChanged} on. */
    private void transitionToNormalBackup(long viewNew, long firstChanged, Output out) {
        Check.that(viewNew >= view, "views never decrease", viewNew, view);
        Check.that(!isPrimaryOf(viewNew), "backup of the new view");
        // A newer view's log holds every op committed before that view, including any this
        // replica acknowledged and then lost: adopting it makes a damaged log whole.
        if (viewNew > logView) damagedOpMax = -1;
        status = Status.NORMAL;
        view = viewNew;
        logView = viewNew;
        opDurable = Math.min(opDurable, firstChanged - 1);
        Arrays.fill(startViewChangeFrom, false);
        Arrays.fill(doViewChangeFrom, null);
        doViewChangeSent = false;
        requestQueue.clear();
        startViewPending = false;
        if (catchUpView <= view) stopCatchUp();
        viewChangeTimeout.stop();
        viewChangeRetransmitTimeout.stop();
        commitTimeout.stop();
        prepareTimeout.stop();
        normalTimeout.start(now, config.normalTimeoutTicks());
        // PrepareOk for the adopted log follows once this write completes (onStateDurable).
        persistLogChange(firstChanged, out);
    }

    /** Persists the view, the log view and the log from {@code firstChanged} on, in one write. */
    private void persistLogChange(long firstChanged, Output out) {
        long anchor = Math.min(firstChanged - 1, log.op());
        repair = null; // the log is no longer the chain the journal held
        viewPersisted = view;
        out.persistState(stateToPersist(), anchor, log.checksumAt(anchor), log.slice(anchor, log.op()));
    }

    private void startPrimaryTimers() {
        normalTimeout.stop();
        commitTimeout.start(now, config.commitIntervalTicks());
        prepareTimeout.start(now, config.prepareRetransmitTicks());
    }

    // ---------------------------------------------------------------------------------------------
    // State transfer (VRR 5.2, with the truncation fix of DESIGN 2).

    /**
     * Starts (or continues) catching up towards {@code targetView}. For the current view the
     * replica asks for entries after its last op; for a newer view, after the last op it knows to
     * be committed, because its own uncommitted suffix may not be in that view's log.
     */
    private void startCatchUp(long targetView, int from, Output out) {
        if (targetView < catchUpView) return;
        boolean started = catchUpView == CATCH_UP_NONE || targetView > catchUpView;
        catchUpView = targetView;
        // Keep the peer the retransmission timer has moved on to: resetting it to the same
        // unresponsive sender on every reminder would never reach anyone else.
        if (started) catchUpReplica = from;
        if (started || !stateTransferTimeout.running()) requestState(out);
    }

    private void stopCatchUp() {
        catchUpView = CATCH_UP_NONE;
        stateTransferTimeout.stop();
    }

    private void requestState(Output out) {
        boolean sameView = status == Status.NORMAL && catchUpView == view;
        long fromOp = sameView ? log.op() : opCommittedKnown();
        if (catchUpReplica != replicaIndex) {
            out.send(catchUpReplica, new GetState(catchUpView, fromOp, replicaIndex, requestNonce));
        }
        stateTransferTimeout.start(now, config.stateTransferRetransmitTicks());
    }

    private void onStateTransferTimeout(Output out) {
        if (catchUpView == CATCH_UP_NONE) return;
        if (catchUpView < view) {
            stopCatchUp();
            return;
        }
        // Ask the next replica: the one we asked may be down or partitioned away.
        catchUpReplica = peerAfter(catchUpReplica);
        requestState(out);
    }

    /**
     * VRR 5.2: answer with entries after {@code fromOp}. The whole rest of the log goes out (and is
     * marked complete) only when this replica is normal and the rest fits in one message;
     * otherwise only entries this replica knows to be committed.
     */
    private void onGetState(GetState message, Output out) {
        if (ignoreGetState(message)) return;
        Check.that(message.fromOp() >= 0, "fromOp is an op", message.fromOp(), 0);
        Check.that(message.fromOp() <= log.op(), "we hold fromOp", message.fromOp(), log.op());

        long fromOp = message.fromOp();
        long limit = fromOp + config.stateTransferOpsMax();
        long committedOp = opCommittedKnown();
        if (status == Status.NORMAL && servesItsView() && log.op() <= limit) {
            out.send(message.replica(), new NewState(view, log.op(), committedOp, fromOp, log.checksumAt(fromOp), true,
                    log.slice(fromOp, log.op()), replicaIndex, message.nonce()));
            return;
        }
        long toOp = Math.min(committedOp, limit);
        if (toOp <= fromOp) {
            ignore("get_state: no committed entries after fromOp", message);
            return;
        }
        out.send(message.replica(), new NewState(view, log.op(), committedOp, fromOp, log.checksumAt(fromOp), false,
                log.slice(fromOp, toOp), replicaIndex, message.nonce()));
    }

    private boolean ignoreGetState(GetState message) {
        if (message.replica() == replicaIndex) return ignore("get_state: from ourselves", message);
        if (message.fromOp() > log.op()) return ignore("get_state: we hold nothing after fromOp", message);
        if (message.fromOp() < 0) return ignore("get_state: negative fromOp", message);
        return false;
    }

    /**
     * VRR 5.2, with the truncation fix: committed entries are installed wherever they fit the hash
     * chain; the sender's uncommitted entries (and its view, as our log view) are adopted only
     * from a complete NewState for a view newer than our log view, or for our own view.
     */
    private void onNewState(NewState message, Output out) {
        if (ignoreNewState(message)) return;
        Check.that(log.holds(message.fromOp(), message.anchorChecksum()), "the entries chain to our log");

        long opBefore = log.op();
        long headBefore = log.checksumAt(opBefore);

        boolean sameView = status == Status.NORMAL && message.view() == view && catchUpView == view;
        boolean newerView = message.view() > view || (message.view() == view && status == Status.VIEW_CHANGE);
        if (message.complete() && newerView && !isPrimaryOf(message.view())
                && keepsCommitted(message.fromOp(), message.entries())) {
            long firstChanged = log.replaceAfter(message.fromOp(), message.entries());
            transitionToNormalBackup(message.view(), firstChanged, out);
            long lastOp = message.fromOp() + message.entries().size();
            learnCommit(Math.min(message.committedOp(), lastOp), lastOp, lastChecksum(message));
        } else if (sameView) {
            // Our log and the sender's are both prefixes of this view's primary's log.
            mergeEntries(message.entries(), out);
            // The sender's commit number speaks about its own log, which we share only up to the
            // last entry it sent, and only if the merge took it: a sender that is not serving its
            // view may hold committed entries of a newer view beyond that, where this view's log differs.
            long lastOp = message.fromOp() + message.entries().size();
            learnCommit(Math.min(message.committedOp(), lastOp), lastOp, lastChecksum(message));
            if (logDamaged()) clearDamageIfWholeFromPrimary(message, out);
            if (log.op() >= message.op() && catchUpView == view) stopCatchUp();
        } else {
            List<Entry> committed = committedPrefix(message.entries(), message.committedOp());
            mergeEntries(committed, out);
            if (!committed.isEmpty()) {
                Entry last = committed.get(committed.size() - 1);
                learnCommit(last.op(), last.op(), last.checksum());
            }
        }
        executeCommitted(out);
        if (status == Status.NORMAL && !isPrimary()) sendPrepareOk(opDurable, out);
        if (status == Status.VIEW_CHANGE && isPrimaryOf(view)) primaryStartViewIfReady(out);
        // Ask again at once only when the answer moved the log: an answer with nothing usable (a
        // stale primary's uncommitted entries, say) leaves the retransmission timer to move on to
        // the next replica, instead of asking the same one for ever (review 4, finding 2).
        boolean progressed = log.op() != opBefore || log.checksumAt(opBefore) != headBefore;
        if (catchUpView != CATCH_UP_NONE && !message.entries().isEmpty() && progressed) requestState(out);
    }

    private boolean ignoreNewState(NewState message) {
        if (message.replica() == replicaIndex) return ignore("new_state: from ourselves", message);
        // A normal replica that is not catching up takes no state: its log is a prefix of its
        // primary's, and changing it under the primary's feet would break that.
        if (status == Status.NORMAL && catchUpView == CATCH_UP_NONE) return ignore("new_state: not catching up", message);
        if (status == Status.NORMAL && catchUpView < view) return ignore("new_state: catch-up is stale", message);
        if (!chainValid(message.anchorChecksum(), message.fromOp(), message.entries())) {
            return ignore("new_state: entries do not chain", message);
        }
        if (!log.holds(message.fromOp(), message.anchorChecksum())) {
            return ignore("new_state: our entry at fromOp differs", message);
        }
        return false;
    }

    /**
     * True when replacing our log after {@code anchorOp} with {@code suffix} keeps every entry we
     * know to be committed: up to {@code commitMax} (within our log), not only what we executed,
     * because a restarted replica executes nothing at first but still holds committed entries.
     */
    private boolean keepsCommitted(long anchorOp, List<Entry> suffix) {
        long committed = commitMax;
        if (anchorOp + suffix.size() < committed) return false;
        for (Entry entry : suffix) {
            if (entry.op() > committed) break;
            if (log.checksumAt(entry.op()) != entry.checksum()) return false;
        }
        return true;
    }

    private static List<Entry> committedPrefix(List<Entry> entries, long committedOp) {
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
    private void mergeEntries(List<Entry> entries, Output out) {
        long firstChanged = log.op() + 1;
        long committed = commitMax;
        for (Entry entry : entries) {
            if (entry.op() <= log.op()) {
                if (log.checksumAt(entry.op()) == entry.checksum()) continue;
                if (entry.op() <= committed) {
                    // Our entry here is committed and theirs differs, so their log is not the
                    // committed one here: for example a delayed same-view NewState that arrives
                    // after we installed a newer view's committed entries. Never cut what is committed.
                    break;
                }
                log.truncateAfter(entry.op() - 1);
            }
            if (!log.chains(entry)) break;
            firstChanged = Math.min(firstChanged, entry.op());
            log.append(entry);
        }
        if (firstChanged <= log.op()) {
            opDurable = Math.min(opDurable, firstChanged - 1);
            persistLogChange(firstChanged, out);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Repair of a log that came back damaged from a crash (docs/STORAGE.md; the idea of
    // protocol-aware recovery, Alagappan et al., FAST 2018, in our own form).

    /** Loads the intact prefix of a damaged log and starts filling the rest from peers. */
    private void startRepair(Damage damage) {
        damagedOpMax = damage.opMax();
        repair = new Repair(damage, replicaIndex);
        repairAdvance(null);
        repairTimeout.start(now, 1);
    }

    private void onRepairTimeout(Output out) {
        if (!logDamaged()) return;
        repairTimeout.start(now, config.stateTransferRetransmitTicks());
        if (repair != null && repair.requestsWithoutProgress >= 2 * config.replicaCount()) {
            // No peer holds what is missing: those entries were never committed and have been
            // replaced. Give up the journal's chain (the log stays damaged), so the replica takes
            // part in view changes again and is made whole by the next view's log.
            repair = null;
            if (viewPersisted < view) persistView(out);
        }
        if (repair != null) {
            if (log.op() < repair.headOp) requestRepair(out);
            else finishRepairIfDone(out);
        } else if (status == Status.NORMAL && !isPrimary() && catchUpView == CATCH_UP_NONE) {
            // Whole as far as the journal knows, but it may have lost acknowledged ops beyond:
            // only the whole log of our view's primary (or a newer view's log) settles that.
            startCatchUp(view, config.primaryIndex(view), out);
        }
    }

    /**
     * Asks the next peer for the lowest missing run of entries, named by the checksum of its last
     * entry. Below a broken chain that is the lowest op whose checksum is known, so the chain is
     * rebuilt downwards, a batch at a time.
     */
    private void requestRepair(Output out) {
        long missing = log.op() + 1;
        long toOp;
        long fromOp;
        if (missing < repair.knownFromOp) {
            toOp = repair.knownFromOp;
            fromOp = Math.max(missing - 1, toOp - config.stateTransferOpsMax());
        } else {
            toOp = missing;
            while (toOp < repair.headOp && repair.entry(toOp + 1) == null && toOp - missing + 1 < config.stateTransferOpsMax()) {
                toOp++;
            }
            fromOp = missing - 1;
        }
        repair.requestsWithoutProgress++;
        repair.peer = peerAfter(repair.peer);
        if (repair.peer != replicaIndex) {
            out.send(repair.peer, new GetEntries(fromOp, toOp, repair.checksum(toOp), replicaIndex));
        }
    }

    /** Any replica that holds the entry asked for answers, whatever its status: the chain authenticates it. */
    private void onGetEntries(GetEntries message, Output out) {
        if (ignoreGetEntries(message)) return;
        Check.that(message.toOp() <= log.op(), "the entry asked for is held", message.toOp(), log.op());
        Check.that(message.fromOp() < message.toOp(), "a range of at least one entry", message.fromOp(), message.toOp());

        out.send(message.replica(), new Entries(log.slice(message.fromOp(), message.toOp()), replicaIndex));
    }

    private boolean ignoreGetEntries(GetEntries message) {
        if (message.replica() == replicaIndex) return ignore("get_entries: from ourselves", message);
        if (message.fromOp() < 0) return ignore("get_entries: bad range", message);
        if (message.toOp() <= message.fromOp()) return ignore("get_entries: bad range", message);
        if (message.toOp() - message.fromOp() > config.stateTransferOpsMax()) return ignore("get_entries: bad range", message);
        if (!log.holds(message.toOp(), message.toChecksum())) return ignore("get_entries: we do not hold that entry", message);
        return false;
    }

    private void onEntries(Entries message, Output out) {
        if (ignoreEntries(message)) return;
        Check.that(repair != null, "entries only fill a repair");
        Check.that(logDamaged(), "a repair only while damaged");

        repair.requestsWithoutProgress = 0;
        List<Entry> entries = message.entries();
        for (Entry entry : entries) {
            Entry held = repair.entry(entry.op());
            if (held == null || held.checksum() != entry.checksum()) {
                repair.entries[(int) (entry.op() - 1)] = entry;
                repair.fromPeer.set((int) entry.op());
            }
            repair.checksums[(int) (entry.op() - 1)] = entry.checksum();
        }
        long fromOp = entries.get(0).op() - 1;
        if (fromOp >= 1) repair.checksums[(int) (fromOp - 1)] = entries.get(0).parent();
        repair.knownFromOp = Math.min(repair.knownFromOp, Math.max(1, fromOp));
        repair.extendKnownDown();
        repairAdvance(out);
        if (repair != null) Check.that(log.op() <= repair.headOp, "a repair stays within the journal's log", log.op(), repair.headOp);
    }

    private boolean ignoreEntries(Entries message) {
        if (repair == null) return ignore("entries: nothing to repair", message);
        List<Entry> entries = message.entries();
        if (entries.isEmpty()) return ignore("entries: empty", message);
        Entry last = entries.get(entries.size() - 1);
        long firstOp = entries.get(0).op();
        if (firstOp < 1 || last.op() > repair.headOp || last.op() < repair.knownFromOp) {
            return ignore("entries: not what we asked for", message);
        }
        if (last.checksum() != repair.checksum(last.op())) return ignore("entries: not our chain", message);
        if (!chainValid(entries.get(0).parent(), firstOp - 1, entries)) return ignore("entries: do not chain", message);
        if (firstOp == 1 && entries.get(0).parent() != log.checksumAt(0)) return ignore("entries: another cluster's root", message);
        return false;
    }

    /**
     * Appends the entries that now continue the intact prefix. Those a peer sent are written to the
     * journal; those our journal held were durable all along. {@code out} is null at construction,
     * where only the journal's own entries can be appended.
     */
    private void repairAdvance(Output out) {
        long before = log.op();
        while (log.op() < repair.headOp) {
            long op = log.op() + 1;
            Entry entry = repair.entry(op);
            if (op < repair.knownFromOp || entry == null || entry.checksum() != repair.checksum(op) || !log.chains(entry)) break;
            if (repair.fromPeer.get((int) op)) {
                if (out == null) break;
                log.append(entry);
                out.persistPrepare(entry);
                repairedEntryCount++;
            } else {
                log.append(entry);
                if (opDurable == op - 1) opDurable = op;
            }
        }
        if (log.op() > before) repair.requestsWithoutProgress = 0;
        if (out != null) finishRepairIfDone(out);
    }

    /**
     * The journal's whole log is back and durable: when it reaches every op the replica may have
     * acknowledged, the replica is whole again and says so durably; otherwise it waits for a
     * primary's whole log.
     */
    private void finishRepairIfDone(Output out) {
        if (repair == null || log.op() < repair.headOp || opDurable < repair.headOp) return;
        repair = null;
        if (log.op() >= damagedOpMax) damagedOpMax = -1;
        persistView(out);
    }

    /**
     * A complete same-view NewState from the primary of our view, in answer to a request of this
     * process, now merged: our log is that primary's whole log as of after our restart, which holds
     * every op it ever sent us, so nothing we acknowledged in this view is missing.
     */
    private void clearDamageIfWholeFromPrimary(NewState message, Output out) {
        if (!message.complete() || message.replica() != config.primaryIndex(view)) return;
        // A delayed answer to a request sent before the crash may predate acknowledgements the
        // damaged log lost; only an answer to this process's request is sure to hold them.
        if (message.nonce() != requestNonce) return;
        long lastOp = message.fromOp() + message.entries().size();
        long lastChecksum = message.entries().isEmpty() ? message.anchorChecksum()
                : message.entries().get(message.entries().size() - 1).checksum();
        if (lastOp != message.op() || log.op() != lastOp || !log.holds(lastOp, lastChecksum)) return;
        damagedOpMax = -1;
        repair = null;
        persistView(out);
    }

    // ---------------------------------------------------------------------------------------------
    // Recovery of a replica that lost its disk, with crash vectors (DESIGN 2; message.Recovery).

    /** A log that may lack any op: what a replica that lost its disk holds. */
    static final long DAMAGED_ALL = Long.MAX_VALUE / 2;

    private void startRecovery() {
        recoveryNonce = prng.nextLong();
        recoveryAnnouncing = false;
        Arrays.fill(recoveryFrom, null);
        recoveryTimeout.start(now, 1);
    }

    private void onRecoveryTimeout(Output out) {
        recoveryTimeout.start(now, config.viewChangeRetransmitTicks());
        sendToOthers(new Recovery(recoveryNonce, crashVector, replicaIndex), out);
    }

    /**
     * Any replica that is not itself recovering answers, whatever its status, once its crash
     * vector, with the sender's new incarnation merged in, is durable: from then on it discards
     * the sender's older votes and acknowledgements, even across its own restart.
     */
    private void onRecovery(Recovery message, Output out) {
        if (ignoreRecovery(message)) return;
        Check.that(status != Status.RECOVERING, "a recovering replica answers no recovery");

        mergeCrashVector(message.crashVector());
        int sender = message.replica();
        if (crashVectorDurable[sender] < message.crashVector()[sender]) {
            boolean writing = false;
            for (Output.ReplicaState inFlight : statesInFlight) {
                writing |= inFlight.crashVector()[sender] >= message.crashVector()[sender];
            }
            if (!writing) persistView(out);
            ignore("recovery: answered once the merged crash vector is durable", message);
            return;
        }
        Check.that(crashVectorDurable[sender] >= message.crashVector()[sender], "answered once the sender's incarnation is durable",
                crashVectorDurable[sender], message.crashVector()[sender]);
        out.send(sender, new RecoveryResponse(message.nonce(), crashVector, view, replicaIndex));
    }

    private boolean ignoreRecovery(Recovery message) {
        if (message.replica() == replicaIndex) return ignore("recovery: from ourselves", message);
        if (message.replica() < 0 || message.replica() >= config.replicaCount()) return ignore("recovery: no such replica", message);
        if (message.crashVector().length != crashVector.length) return ignore("recovery: malformed crash vector", message);
        return false;
    }

    /**
     * Two rounds, each waiting for f + 1 answers: the first learns the highest incarnation anyone
     * knows of this replica, and it takes the next; the second makes f + 1 replicas learn that
     * incarnation. Then every later quorum holds a replica that discards this replica's older
     * votes, and the answers' views bound every view this replica may have voted for and forgotten.
     */
    private void onRecoveryResponse(RecoveryResponse message, Output out) {
        if (ignoreRecoveryResponse(message)) return;
        Check.that(status == Status.RECOVERING, "only a recovering replica takes recovery responses");

        if (recoveryAnnouncing && message.crashVector()[replicaIndex] > crashVector[replicaIndex]) {
            // An earlier try of ours announced a higher incarnation: announce the next above it.
            announceIncarnation(message.crashVector()[replicaIndex] + 1, out);
            return;
        }
        if (recoveryAnnouncing && message.crashVector()[replicaIndex] != crashVector[replicaIndex]) {
            ignore("recovery_response: has not learned our incarnation", message);
            return;
        }
        recoveryFrom[message.replica()] = message;
        int count = 0;
        for (RecoveryResponse m : recoveryFrom) if (m != null) count++;
        if (count < config.quorum()) return;
        long incarnationKnown = crashVector[replicaIndex];
        for (RecoveryResponse m : recoveryFrom) {
            if (m == null) continue;
            for (int r = 0; r < crashVector.length; r++) {
                if (r != replicaIndex) crashVector[r] = Math.max(crashVector[r], m.crashVector()[r]);
            }
            incarnationKnown = Math.max(incarnationKnown, m.crashVector()[replicaIndex]);
        }
        if (!recoveryAnnouncing) {
            announceIncarnation(incarnationKnown + 1, out);
            return;
        }
        finishRecovery(out);
    }

    private boolean ignoreRecoveryResponse(RecoveryResponse message) {
        if (message.nonce() != recoveryNonce) return ignore("recovery_response: not ours", message);
        if (message.replica() == replicaIndex) return ignore("recovery_response: from ourselves", message);
        if (message.replica() < 0 || message.replica() >= config.replicaCount()) {
            return ignore("recovery_response: no such replica", message);
        }
        if (message.crashVector().length != crashVector.length) return ignore("recovery_response: malformed", message);
        return false;
    }

    /** The second round: makes f + 1 replicas learn {@code incarnation} as this replica's. */
    private void announceIncarnation(long incarnation, Output out) {
        crashVector[replicaIndex] = incarnation;
        recoveryAnnouncing = true;
        recoveryNonce = prng.nextLong();
        Arrays.fill(recoveryFrom, null);
        sendToOthers(new Recovery(recoveryNonce, crashVector, replicaIndex), out);
        recoveryTimeout.start(now, config.viewChangeRetransmitTicks());
    }

    /**
     * Rejoins as a damaged replica that may lack any op, in the highest view the answers told of:
     * it acknowledges nothing and its vote counts for nothing until its view's primary hands it the
     * whole log, or it adopts a newer view's log (docs/STORAGE.md, rule 6).
     */
    private void finishRecovery(Output out) {
        long viewMax = view;
        for (RecoveryResponse m : recoveryFrom) if (m != null) viewMax = Math.max(viewMax, m.view());
        Arrays.fill(recoveryFrom, null);
        recoveryTimeout.stop();
        view = viewMax;
        logView = viewMax;
        damagedOpMax = DAMAGED_ALL;
        if (isPrimaryOf(view)) {
            // Its view may still have prepares it sent and forgot: never lead it again.
            status = Status.VIEW_CHANGE;
            view = view + 1;
            startViewChangeTimers();
        } else {
            status = Status.NORMAL;
            normalTimeout.start(now, config.normalTimeoutTicks());
        }
        persistView(out);
        repairTimeout.start(now, 1);
    }

    /** Learns newer incarnations, and forgets the votes and acknowledgements of the older ones. */
    private void mergeCrashVector(long[] other) {
        if (other == null || other.length != crashVector.length) return;
        for (int r = 0; r < crashVector.length; r++) learnIncarnation(r, other[r]);
    }

    private void learnIncarnation(int replica, long incarnation) {
        if (incarnation <= crashVector[replica]) return;
        if (replica == replicaIndex) {
            // An earlier recovery of ours that never finished announced a higher incarnation to
            // a replica our finished one missed. That incarnation never voted or acknowledged;
            // take the next above it, so nothing of ours is discarded as older (review 2).
            crashVector[replica] = incarnation + 1;
            return;
        }
        crashVector[replica] = incarnation;
        startViewChangeFrom[replica] = false;
        doViewChangeFrom[replica] = null;
        ackedOp[replica] = 0;
    }

    /** Merges what the message says of incarnations; true when it comes from an older incarnation of its sender. */
    private boolean staleIncarnation(Message message) {
        int sender;
        long incarnation;
        switch (message) {
            case StartViewChange m -> {
                mergeCrashVector(m.crashVector());
                sender = m.replica();
                incarnation = CrashVectors.incarnationOf(m.crashVector(), sender);
            }
            case DoViewChange m -> {
                mergeCrashVector(m.crashVector());
                sender = m.replica();
                incarnation = CrashVectors.incarnationOf(m.crashVector(), sender);
            }
            case PrepareOk m -> {
                sender = m.replica();
                incarnation = m.incarnation();
                // A newer incarnation acknowledges: what the older one acknowledged no longer counts.
                if (sender >= 0 && sender < crashVector.length) learnIncarnation(sender, incarnation);
            }
            case Commit m -> {
                // Not a vote: it only teaches incarnations, among them a newer one of this replica.
                mergeCrashVector(m.crashVector());
                return false;
            }
            default -> {
                return false;
            }
        }
        if (sender < 0 || sender >= crashVector.length || incarnation >= crashVector[sender]) return false;
        return ignore("from an older incarnation of replica " + sender, message);
    }

    /** The crash vector for an outgoing vote: null while nobody ever recovered, as in a cluster that never lost a disk. */
    private long[] crashVectorToSend() {
        for (long incarnation : crashVector) if (incarnation != 0) return crashVector.clone();
        return null;
    }

    /** The state a persistState records; what it carries is remembered until the write completes. */
    private Output.ReplicaState stateToPersist() {
        // The commit number speaks about the log the write leaves, which is this log.
        Output.ReplicaState state = new Output.ReplicaState(view, logView, commitMax, log.checksumAt(commitMax),
                damagedOpMax, crashVector);
        statesInFlight.addLast(state);
        return state;
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers.

    /**
     * The highest op of our log known to be committed: what {@link #commitMax} says, or a
     * pipeline below our last op (fact 2 in the class comment), whichever is higher.
     */
    private long opCommittedKnown() {
        return Math.max(commitMax, Math.max(0, log.op() - config.pipelinePrepareCountMax()));
    }

    /**
     * True while this replica knows of a newer view than its own but has not caught up: it then
     * takes no part in its old view (no prepare, commit or acknowledgement), because installing
     * committed entries may change its log, and a primary or backup whose log changed under its
     * view would break the rule that backups hold prefixes of their primary's log.
     */
    private boolean catchingUpToNewerView() {
        return catchUpView > view;
    }

    /**
     * Learns that ops up to {@code op} are committed in the chain whose entry at {@code proofOp}
     * (at or above {@code op}) has {@code proofChecksum}. It raises {@link #commitMax} now if this
     * log holds that entry, so its prefix is that chain's; otherwise it is kept as the pending
     * claim (the highest wins) until the log holds it. Commit numbers only move forward (DESIGN 2).
     */
    private void learnCommit(long op, long proofOp, long proofChecksum) {
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
    private void proveCommitClaim() {
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
    private static long lastChecksum(NewState message) {
        List<Entry> entries = message.entries();
        return entries.isEmpty() ? message.anchorChecksum() : entries.get(entries.size() - 1).checksum();
    }

    private static boolean chainValid(long anchorChecksum, long anchorOp, List<Entry> entries) {
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
    private int peerAfter(int replica) {
        int next = (replica + 1) % config.replicaCount();
        return next == replicaIndex ? (next + 1) % config.replicaCount() : next;
    }

    private boolean isPrimary() {
        return isPrimaryOf(view);
    }

    private boolean isPrimaryOf(long v) {
        return config.primaryIndex(v) == replicaIndex;
    }

    private void sendToOthers(Message message, Output out) {
        for (int replica = 0; replica < config.replicaCount(); replica++) {
            if (replica != replicaIndex) out.send(replica, message);
        }
    }

    private boolean ignore(String reason, Message message) {
        if (LOG.isLoggable(Level.DEBUG)) LOG.log(Level.DEBUG, "replica {0} view {1}: ignore {2}: {3}", replicaIndex, view, reason, message);
        if (ignoreListener != null) ignoreListener.ignored(reason, message);
        return true;
    }

    /** Hears why each message was ignored, for a trace; {@link #onIgnore}. */
    @FunctionalInterface
    public interface IgnoreListener {
        void ignored(String reason, Message message);
    }

    /**
     * Tells {@code listener} why each message this replica ignores was ignored (null: nobody). The
     * simulator's {@code --trace} prints it, so a trace says why a message changed nothing.
     */
    public void onIgnore(IgnoreListener listener) {
        this.ignoreListener = listener;
    }

    /** The invariants of the fields' Javadoc, checked after every step and tick. */
    private void checkInvariants() {
        Check.that(commit <= log.op(), "commit <= op", commit, log.op());
        Check.that(commit <= commitMax, "commit <= commitMax", commit, commitMax);
        Check.that(commitMax <= log.op(), "commitMax <= op: a commit number speaks only about entries held",
                commitMax, log.op());
        Check.that(commitMax >= commitMaxPrevious, "commitMax never decreases", commitMax, commitMaxPrevious);
        commitMaxPrevious = commitMax;
        Check.that(commit >= commitPrevious, "commit never decreases", commit, commitPrevious);
        commitPrevious = commit;
        Check.that(view >= logView, "view >= logView", view, logView);
        if (status == Status.NORMAL) Check.that(view == logView, "normal implies view == logView", view, logView);
        if (status == Status.VIEW_CHANGE) Check.that(view > logView, "view change implies view > logView", view, logView);
        Check.that(opDurable <= log.op(), "opDurable <= op", opDurable, log.op());
        Check.that(viewDurable <= view, "viewDurable <= view", viewDurable, view);
        if (status == Status.NORMAL && isPrimary()) {
            Check.that(log.op() - commit <= config.pipelinePrepareCountMax(), "pipeline within its maximum",
                    log.op() - commit, config.pipelinePrepareCountMax());
        }
        Check.that(requestQueue.size() <= config.requestQueueCountMax(), "request queue within its maximum");
        if (repair != null) Check.that(logDamaged(), "a repair only while damaged");
        if (repair != null) Check.that(log.op() <= repair.headOp, "a repair stays within the journal's log", log.op(), repair.headOp);
        if (logDamaged() && status == Status.NORMAL) Check.that(!isPrimary(), "a damaged log never leads a view");
        if (status == Status.RECOVERING) Check.that(log.op() == 0, "a recovering replica holds no log", log.op(), 0);
        if (status == Status.RECOVERING) Check.that(repair == null, "a recovering replica repairs nothing");
        if (Verify.ENABLED && commit < log.op()) {
            // The uncommitted suffix is where logs change; recheck its chain after every step.
            for (long op = Math.max(1, commit); op <= log.op(); op++) {
                Check.that(log.entry(op).parent() == log.checksumAt(op - 1), "log is hash-chained");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Read-only accessors for drivers, checkers and tests.

    public int replicaIndex() { return replicaIndex; }
    public Status status() { return status; }
    public long view() { return view; }
    public long logView() { return logView; }
    public long op() { return log.op(); }
    public long commit() { return commit; }
    public long commitMax() { return commitMax; }
    public long opDurable() { return opDurable; }
    public boolean isPrimaryNormal() { return status == Status.NORMAL && isPrimary(); }
    public boolean catchingUp() { return catchUpView != CATCH_UP_NONE; }
    public long checksumAt(long op) { return log.checksumAt(op); }
    public Entry entry(long op) { return log.entry(op); }
    public long duplicateRequestCount() { return duplicateRequestCount; }
    public long clientTableEvictions() { return clientTable.evictions(); }
    /** True while the log may lack ops this replica acknowledged: it neither acks nor votes. */
    public boolean logDamaged() { return damagedOpMax >= 0; }
    /** -1 while the log is whole; else the highest op this replica may have acknowledged and lost. */
    public long damagedOpMax() { return damagedOpMax; }
    /** True while a restart now would find the log damaged: the last completed write said so. */
    public boolean logDamagedDurably() { return damagedOpMaxDurable >= 0; }
    /** Entries this replica fetched from peers by checksum to fill its damaged log. */
    public long repairedEntryCount() { return repairedEntryCount; }
    /** This replica's incarnation: how many times it rejoined after losing its state. */
    public long incarnation() { return crashVector[replicaIndex]; }
    /** The latest incarnation this replica knows of each replica. */
    public long[] crashVector() { return crashVector.clone(); }

    /** A checksum of the replicated state: the service's state and the client table. */
    public long stateChecksum() {
        return stateMachine.stateChecksum() * 31 + clientTable.checksum();
    }

    @Override
    public String toString() {
        return "replica " + replicaIndex + " " + status + " view=" + view + " logView=" + logView + " op=" + log.op()
                + " commit=" + commit + " commitMax=" + commitMax + (logDamaged() ? " damaged<=" + damagedOpMax : "");
    }
}
