package dev.viewstamp.core.replica;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.check.Verify;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.GetSyncChunk;
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
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.message.SyncOffer;
import dev.viewstamp.core.service.StateMachine;
import java.util.List;

/**
 * One VR replica as a deterministic state machine. The driver feeds it messages ({@link #step}),
 * ticks ({@link #tick}) and durability completions ({@link #onPrepareDurable},
 * {@link #onStateDurable}); the replica answers through an {@link Output}. It has no threads, no
 * clock, no I/O and no randomness but the injected {@link Prng}, so the simulator and the runtime
 * drive exactly this code, and one seed reproduces one run.
 *
 * <p>This class is the public face: it dispatches messages and ticks, takes the durability
 * callbacks and checks the invariants. The protocol itself is one class per sub-protocol, over the
 * shared {@link ProtocolState}: {@link NormalOperation} (VRR 4.1), {@link ViewChange} (VRR 4.2),
 * {@link StateTransfer} (VRR 5.2), {@link JournalRepair} (a journal that came back damaged),
 * {@link LostDiskRecovery} (in place of VRR 4.3) and {@link Incarnations} (the crash vectors).
 * docs/PROTOCOL.md maps each step of the paper to its method, and lists the deviations from the
 * paper, which are also commented where they are made.
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
    private final ProtocolState s = new ProtocolState();
    private final NormalOperation normal = new NormalOperation(s);
    private final ViewChange viewChange = new ViewChange(s);
    private final StateTransfer transfer = new StateTransfer(s);
    private final JournalRepair repairs = new JournalRepair(s);
    private final LostDiskRecovery recovery = new LostDiskRecovery(s);
    private final Incarnations incarnations = new Incarnations(s);
    private final Checkpoints checkpoints = new Checkpoints(s);
    private final StateSync sync = new StateSync(s);

    {
        SubProtocol.wire(normal, viewChange, transfer, repairs, recovery, incarnations, checkpoints, sync);
    }

    /**
     * What survives a crash: the superblock's views and the journal's log. When the journal came
     * back damaged, {@code damage} describes it and {@code log} is empty.
     *
     * <p>{@code commitMax} and {@code commitChecksum}: the last write's claim that ops up to
     * {@code commitMax} are committed, in the chain whose entry there has {@code commitChecksum};
     * it holds for the log only if the log holds that entry. {@code pipelinePrepareCountMax}: the
     * pipeline depth the disk was formatted for, or {@link #PIPELINE_UNRECORDED}.
     * {@code checkpoint}: the newest durable checkpoint, or null; the driver restored the service
     * from its snapshot, and {@code log} holds the entries after its op. {@code checkpointLost}: the
     * superblock names {@code checkpoint} but its file is gone or damaged, so the service starts
     * empty and {@code checkpoint} carries only what the superblock knows (op, entry, identity; no
     * client table): the replica keeps its log and its promises, executes nothing, and fetches a
     * checkpoint at least as new from a peer (docs/CHECKPOINTS.md, section 5).
     */
    public record Durable(long view, long logView, List<Entry> log, Damage damage, long[] crashVector,
            boolean recovering, long commitMax, long commitChecksum, int pipelinePrepareCountMax,
            Checkpoint checkpoint, boolean checkpointLost) {
        /** For a durable state that was never formatted (a test's in-memory state): nothing to check. */
        public static final int PIPELINE_UNRECORDED = 0;
        public static final Durable EMPTY = new Durable(0, 0, List.of());
        /** Nothing survived (a lost disk, or any restart in the diskless mode): recover from the cluster. */
        public static final Durable LOST = builder().recovering().build();

        /** A test's durable state: views and an intact log, nothing else recorded. */
        public Durable(long view, long logView, List<Entry> log) {
            this(view, logView, log, null);
        }

        /** A test's durable state: views and a log, intact or ({@code damage}) damaged, nothing else recorded. */
        public Durable(long view, long logView, List<Entry> log, Damage damage) {
            this(view, logView, log, damage, null, false, 0, 0, PIPELINE_UNRECORDED, null, false);
        }

        /** A durable state built one component at a time; what is not set is empty, zero or absent. */
        public static DurableBuilder builder() {
            return new DurableBuilder();
        }

        /** A builder that starts from this state: a test changes one component of what a disk held. */
        public DurableBuilder toBuilder() {
            DurableBuilder b = new DurableBuilder().views(view, logView).log(log).damage(damage).crashVector(crashVector)
                    .commit(commitMax, commitChecksum).pipelinePrepareCountMax(pipelinePrepareCountMax);
            if (recovering) b.recovering();
            return checkpointLost ? b.checkpointLost(checkpoint) : b.checkpoint(checkpoint);
        }

        public Durable {
            log = List.copyOf(log);
            crashVector = crashVector == null ? null : crashVector.clone();
            if (damage != null) Check.that(log.isEmpty(), "a damaged log comes as its damage");
            if (recovering) Check.that(log.isEmpty(), "a recovering replica has no log");
            if (recovering) Check.that(damage == null, "a recovering replica has no damage to repair");
            Check.that(commitMax >= 0, "a commit number is an op");
            if (recovering) Check.that(checkpoint == null, "a recovering replica has no checkpoint");
            if (checkpointLost) Check.that(checkpoint != null, "a lost checkpoint is one the superblock names");
            if (damage != null) {
                Check.that(damage.anchorOp() == (checkpoint == null ? 0 : checkpoint.op()),
                        "a damaged log starts at the checkpoint", damage.anchorOp(), checkpoint == null ? 0 : checkpoint.op());
            }
        }
    }

    /**
     * A log that came back damaged from a crash (docs/STORAGE.md): ops {@code anchorOp + 1..headOp}
     * ({@code anchorOp}: 0, or the checkpoint the log starts after), whose checksums are known from
     * {@code knownFromOp} on ({@code checksums[op - anchorOp - 1]}; the journal's redundant headers
     * and the superblock say what each op must be), with the entries whose bodies are intact
     * ({@code entries[op - anchorOp - 1]}, null where missing). Below {@code knownFromOp} the chain
     * broke and nothing is known. {@code opMax} is the highest op the replica may have
     * acknowledged in its log view (at least {@code headOp}: the journal's redundant headers of ops
     * past a break, or an earlier run's damage, can say more). Filling the holes clears the damage
     * only when it reaches {@code opMax}; otherwise a whole log from a primary does.
     */
    public record Damage(long headOp, long knownFromOp, long[] checksums, Entry[] entries, long opMax, long anchorOp) {
        /** A damaged log from op 1 on: no checkpoint below it. */
        public Damage(long headOp, long knownFromOp, long[] checksums, Entry[] entries, long opMax) {
            this(headOp, knownFromOp, checksums, entries, opMax, 0);
        }

        public Damage {
            Check.that(opMax >= headOp, "damage covers at least the journal's log", opMax, headOp);
            Check.that(headOp >= anchorOp, "a damaged log's head is at or above its anchor", headOp, anchorOp);
            Check.that(anchorOp >= 0, "an anchor is an op", anchorOp, 0);
            Check.that(checksums.length == headOp - anchorOp, "a checksum per op of the damaged log", checksums.length,
                    headOp - anchorOp);
            Check.that(entries.length == headOp - anchorOp, "an entry slot per op of the damaged log", entries.length,
                    headOp - anchorOp);
            Check.that(knownFromOp >= anchorOp + 1, "known checksums start above the anchor", knownFromOp, anchorOp);
            Check.that(knownFromOp <= headOp + 1, "known checksums within the log", knownFromOp, headOp);
            checksums = checksums.clone();
            entries = entries.clone();
        }
    }

    /** A replica of a new cluster: view 0, empty log; replica 0 is the primary. */
    public static Replica create(ClusterConfig config, int replicaIndex, StateMachine stateMachine, Prng prng) {
        return new Replica(config, replicaIndex, stateMachine, prng, Durable.EMPTY, false);
    }

    /**
     * A replica restarting from what its disk held. The state machine starts empty, or restored by
     * the driver from the snapshot of {@code durable.checkpoint()}: the log after it is
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
        Check.that(replicaIndex < config.replicaCount(), "replica index in cluster", replicaIndex,
                config.replicaCount());
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
        s.config = config;
        s.replicaIndex = replicaIndex;
        s.stateMachine = stateMachine;
        s.prng = prng;
        s.clientTable = new ClientTable(config.clientTableSessionsMax());
        s.log = new OpLog(config.clusterId());
        if (durable.checkpointLost()) checkpoints.restoreLost(durable.checkpoint());
        else if (durable.checkpoint() != null) checkpoints.restoreFrom(durable.checkpoint());
        for (Entry entry : durable.log()) s.log.append(entry);
        if (durable.damage() != null) repairs.startRepair(durable.damage());
        s.damagedOpMaxDurable = durable.recovering() ? ProtocolState.DAMAGED_ALL : s.damagedOpMax;
        long headOp = durable.damage() != null ? durable.damage().headOp() : s.log.op();
        s.ackedOp = new long[config.replicaCount()];
        s.startViewChangeFrom = new boolean[config.replicaCount()];
        s.doViewChangeFrom = new DoViewChange[config.replicaCount()];
        s.recoveryFrom = new RecoveryResponse[config.replicaCount()];
        s.requestNonce = prng.nextLong() | 1;
        s.crashVector = new long[config.replicaCount()];
        if (durable.crashVector() != null) {
            Check.that(durable.crashVector().length == config.replicaCount(), "crash vector has an entry per replica");
            System.arraycopy(durable.crashVector(), 0, s.crashVector, 0, s.crashVector.length);
        }
        s.crashVectorDurable = s.crashVector.clone();
        s.view = durable.view();
        s.logView = durable.logView();
        s.viewDurable = durable.view();
        s.logViewDurable = durable.logView();
        s.viewPersisted = durable.view();
        s.opDurable = s.log.op();
        learnCommitFromDisk(durable, headOp);
        startIn(durable, restarting);
        checkInvariants();
    }

    /**
     * Entries a pipeline below the last op held are committed (fact 2), and so is what the last
     * write knew to be committed, where this log holds the entry it named (fact 1). A damaged
     * journal holds only the intact prefix of its chain: what its head ({@code headOp}) and its
     * last write prove about the rest is a claim that waits until repair brings that chain back,
     * and dies if another chain completes the log (issue 7, bug 3).
     */
    private void learnCommitFromDisk(Durable durable, long headOp) {
        s.commitMax = Math.max(s.log.anchorOp(), s.log.op() - s.config.pipelinePrepareCountMax());
        s.learnCommit(durable.commitMax(), durable.commitMax(), durable.commitChecksum());
        if (durable.damage() != null && headOp >= durable.damage().knownFromOp()) {
            s.learnCommit(Math.max(0, headOp - s.config.pipelinePrepareCountMax()), headOp,
                    durable.damage().checksums()[(int) (headOp - durable.damage().anchorOp() - 1)]);
        }
    }

    /** The status a replica starts in, from what its disk held, and the timers of that status. */
    private void startIn(Durable durable, boolean restarting) {
        if (durable.recovering()) {
            s.status = Status.RECOVERING;
            recovery.startRecovery();
        } else if (s.view > s.logView) {
            s.status = Status.VIEW_CHANGE;
            viewChange.startViewChangeTimers();
        } else if (restarting && s.isPrimaryOf(s.view)) {
            viewChange.leaveOwnViewAfterRestart();
        } else {
            if (s.isPrimary()) {
                s.status = Status.NORMAL;
                normal.startPrimaryTimers();
            } else {
                normal.enterAsBackup();
            }
        }
    }

    /** Handles one message from a replica or a client. */
    public void step(Message message, Output out) {
        if (s.status == Status.RECOVERING) {
            if (message instanceof RecoveryResponse m) recovery.onRecoveryResponse(m, out);
            else s.ignore("recovering", message);
            checkInvariants();
            return;
        }
        if (sync.installing()) {
            // The install cuts the log: nothing may speak about the log it replaces meanwhile.
            s.ignore("installing a checkpoint", message);
            checkInvariants();
            return;
        }
        if (incarnations.staleIncarnation(message)) {
            checkInvariants();
            return;
        }
        switch (message) {
            case Request m -> normal.onRequest(m, out);
            case Prepare m -> normal.onPrepare(m, out);
            case PrepareOk m -> normal.onPrepareOk(m, out);
            case Commit m -> normal.onCommit(m, out);
            case StartViewChange m -> viewChange.onStartViewChange(m, out);
            case DoViewChange m -> viewChange.onDoViewChange(m, out);
            case StartView m -> viewChange.onStartView(m, out);
            case GetState m -> transfer.onGetState(m, out);
            case NewState m -> transfer.onNewState(m, out);
            case GetEntries m -> repairs.onGetEntries(m, out);
            case Entries m -> repairs.onEntries(m, out);
            case Recovery m -> recovery.onRecovery(m, out);
            case SyncOffer m -> sync.onSyncOffer(m, out);
            case GetSyncChunk m -> sync.onGetSyncChunk(m, out);
            case SyncChunk m -> sync.onSyncChunk(m, out);
            case RecoveryResponse m -> s.ignore("recovery_response: not recovering", m);
            case Reply m -> s.ignore("reply: replicas do not take replies", m);
        }
        incarnations.persistIncarnationIfLearned(out);
        checkInvariants();
    }

    /**
     * The host's wall clock, in milliseconds since the Unix epoch: as primary, this replica stamps
     * its next prepares with it (never below the last stamp plus one), and the service sees the
     * stamp as {@code timestamp} in {@code StateMachine.execute}, the same on every replica: a key
     * with a time to live expires at the same op everywhere. The clock is an input, as messages
     * are; a clock that steps back only slows the stamps. Without it, stamps count ticks.
     */
    public void realtime(long millis) {
        s.realtime = millis;
    }

    /** Advances time by one tick and fires due timeouts. */
    public void tick(Output out) {
        s.now++;
        if (s.status == Status.RECOVERING) {
            if (s.recoveryTimeout.fired(s.now)) recovery.onRecoveryTimeout(out);
            checkInvariants();
            return;
        }
        if (s.syncTimeout.fired(s.now)) sync.onSyncTimeout(out);
        if (sync.installing()) {
            // The protocol's timers wait: their writes would speak about the log the install replaces.
            checkInvariants();
            return;
        }
        if (s.viewPersisted < s.view) s.persistView(out);
        if (s.normalTimeout.fired(s.now)) viewChange.onNormalTimeout(out);
        if (s.commitTimeout.fired(s.now)) normal.onCommitTimeout(out);
        if (s.prepareTimeout.fired(s.now)) normal.onPrepareTimeout(out);
        if (s.viewChangeTimeout.fired(s.now)) viewChange.onViewChangeTimeout(out);
        if (s.viewChangeRetransmitTimeout.fired(s.now)) viewChange.onViewChangeRetransmitTimeout(out);
        if (s.stateTransferTimeout.fired(s.now)) transfer.onStateTransferTimeout(out);
        if (s.repairTimeout.fired(s.now)) repairs.onRepairTimeout(out);
        checkInvariants();
    }

    /** The journal made {@code op} (with {@code checksum}) durable, and every write before it. */
    public void onPrepareDurable(long op, long checksum, Output out) {
        if (s.log.holds(op, checksum)) s.opDurable = Math.max(s.opDurable, op);
        if (sync.installing()) {
            checkInvariants();
            return; // see afterDurable
        }
        if (s.repair != null) {
            // Entries after it that came from our own journal were durable all along.
            while (s.opDurable < s.log.op() && !s.repair.fromPeer(s.opDurable + 1)) s.opDurable++;
            repairs.finishRepairIfDone(out);
        }
        afterDurable(out);
        checkInvariants();
    }

    /**
     * The checkpoint at {@code op} is durable ({@link Output#persistCheckpoint}): the superblock
     * names it. The log before it is compacted away.
     */
    public void onCheckpointDurable(long op, Output out) {
        checkpoints.onDurable(op);
        // The compaction freed journal slots: a primary prepares what waited for them.
        if (!sync.installing()) normal.primaryPrepareQueued(out);
        checkInvariants();
    }

    /** A staged chunk of a state sync is durable, and the staged file is whole up to {@code end} ({@link Output#writeSyncChunk}). */
    public void onSyncChunkDurable(long checkpointOp, long end, Output out) {
        sync.onChunkDurable(checkpointOp, end, out);
        checkInvariants();
    }

    /**
     * The driver installed {@code checkpoint} ({@link Output#installSync}): the service holds its
     * state, and the superblock names it.
     */
    public void onSyncInstalled(Checkpoint checkpoint, Output out) {
        sync.onInstalled(checkpoint, out);
        checkInvariants();
    }

    /** The staged checkpoint failed a check at install ({@link Output#installSync}); nothing changed. */
    public void onSyncFailed(long checkpointOp, String reason, Output out) {
        sync.onInstallFailed(checkpointOp, reason, out);
        checkInvariants();
    }

    /**
     * A {@link Output#persistState} write completed, and every write before it. {@code lastOp} and
     * {@code lastChecksum} name the last entry the write covered: the last of its suffix, or its
     * anchor when the suffix was empty.
     */
    public void onStateDurable(long view, long logView, long lastOp, long lastChecksum, Output out) {
        Output.ReplicaState written = s.statesInFlight.pollFirst();
        if (written != null) {
            s.damagedOpMaxDurable = written.damagedOpMax();
            long[] vector = written.crashVector();
            for (int r = 0; r < vector.length; r++) {
                s.crashVectorDurable[r] = Math.max(s.crashVectorDurable[r], vector[r]);
            }
        }
        s.viewDurable = Math.max(s.viewDurable, view);
        s.logViewDurable = Math.max(s.logViewDurable, logView);
        if (s.log.holds(lastOp, lastChecksum)) s.opDurable = Math.max(s.opDurable, lastOp);
        afterDurable(out);
        checkInvariants();
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
        s.ignoreListener = listener;
    }

    /**
     * A write completed: do what waited for it. The first messages of a view go out only now
     * (DESIGN 2): StartViewChange once the view is durable, StartView and PrepareOk once the log
     * view is.
     */
    private void afterDurable(Output out) {
        // A write asked for before an install may complete while the install runs: what it made
        // durable is recorded, but nothing is acted on (no view started, no op executed or
        // acknowledged), as for messages and timers; the install replaces the log it speaks about.
        if (sync.installing()) return;
        if (s.status == Status.VIEW_CHANGE) viewChange.afterViewDurable(out);
        else if (s.isPrimary()) normal.afterDurableAsPrimary(out);
        else normal.sendPrepareOk(s.opDurable, out);
    }

    /** The invariants of the fields' Javadoc, checked after every step and tick. */
    private void checkInvariants() {
        Check.that(s.commit <= s.log.op(), "commit <= op", s.commit, s.log.op());
        Check.that(s.log.anchorOp() == (s.checkpointDurable == null ? 0 : s.checkpointDurable.op()),
                "the log starts at the durable checkpoint", s.log.anchorOp(), s.commit);
        if (s.checkpoint != null) {
            Check.that(s.checkpoint.op() <= s.commit, "a checkpoint of executed ops", s.checkpoint.op(), s.commit);
        }
        Check.that(s.commit <= s.commitMax, "commit <= commitMax", s.commit, s.commitMax);
        Check.that(s.commitMax <= s.log.op(), "commitMax <= op: a commit number speaks only about entries held",
                s.commitMax, s.log.op());
        Check.that(s.commitMax >= s.commitMaxPrevious, "commitMax never decreases", s.commitMax, s.commitMaxPrevious);
        s.commitMaxPrevious = s.commitMax;
        Check.that(s.commit >= s.commitPrevious, "commit never decreases", s.commit, s.commitPrevious);
        s.commitPrevious = s.commit;
        Check.that(s.view >= s.logView, "view >= logView", s.view, s.logView);
        if (s.status == Status.NORMAL) {
            Check.that(s.view == s.logView, "normal implies view == logView", s.view, s.logView);
        }
        if (s.status == Status.VIEW_CHANGE) {
            Check.that(s.view > s.logView, "view change implies view > logView", s.view, s.logView);
        }
        Check.that(s.opDurable <= s.log.op(), "opDurable <= op", s.opDurable, s.log.op());
        Check.that(s.viewDurable <= s.view, "viewDurable <= view", s.viewDurable, s.view);
        if (s.status == Status.NORMAL && s.isPrimary()) {
            Check.that(s.log.op() - s.commit <= s.config.pipelinePrepareCountMax(), "pipeline within its maximum",
                    s.log.op() - s.commit, s.config.pipelinePrepareCountMax());
        }
        Check.that(s.requestQueue.size() <= s.config.requestQueueCountMax(), "request queue within its maximum");
        if (s.repair != null) Check.that(s.logDamaged(), "a repair only while damaged");
        if (s.repair != null) {
            Check.that(s.log.op() <= s.repair.headOp, "a repair stays within the journal's log", s.log.op(), s.repair.headOp);
        }
        if (s.logDamaged() && s.status == Status.NORMAL) Check.that(!s.isPrimary(), "a damaged log never leads a view");
        if (s.status == Status.RECOVERING) {
            Check.that(s.log.op() == 0, "a recovering replica holds no log", s.log.op(), 0);
        }
        if (s.status == Status.RECOVERING) Check.that(s.repair == null, "a recovering replica repairs nothing");
        if (Verify.ENABLED && s.commit < s.log.op()) {
            // The uncommitted suffix is where logs change; recheck its chain after every step.
            for (long op = Math.max(s.log.anchorOp() + 1, s.commit); op <= s.log.op(); op++) {
                Check.that(s.log.entry(op).parent() == s.log.checksumAt(op - 1), "log is hash-chained");
            }
        }
    }

    public int replicaIndex() { return s.replicaIndex; }

    public Status status() { return s.status; }

    public long view() { return s.view; }

    public long logView() { return s.logView; }

    public long op() { return s.log.op(); }

    public long commit() { return s.commit; }

    public long commitMax() { return s.commitMax; }

    public long opDurable() { return s.opDurable; }

    /** Whether a state write (views, a log change, damage, incarnations) was issued and has not completed. */
    public boolean stateWriteInFlight() { return !s.statesInFlight.isEmpty(); }

    public boolean isPrimaryNormal() { return s.status == Status.NORMAL && s.isPrimary(); }

    public boolean catchingUp() { return s.catchUpView != ProtocolState.CATCH_UP_NONE; }

    /** The view this replica catches up to (state transfer), or -1 when it does not. */
    public long catchUpView() { return s.catchUpView; }

    public long checksumAt(long op) { return s.log.checksumAt(op); }

    /** The op the log starts after: 0, or the durable checkpoint it was compacted to. */
    public long logAnchorOp() { return s.log.anchorOp(); }

    /** The newest checkpoint taken, or null (docs/CHECKPOINTS.md). */
    public Checkpoint checkpoint() { return s.checkpoint; }

    /** The newest durable checkpoint, or null. */
    public Checkpoint checkpointDurable() { return s.checkpointDurable; }

    /** How many checkpoints this replica took. */
    public long checkpointCount() { return s.checkpointsTakenCount; }

    /** How many checkpoints became durable here, each compacting the log. */
    public long compactionCount() { return s.checkpointsDurableCount; }

    /** How many state syncs installed a peer's checkpoint here. */
    public long syncCount() { return s.syncsInstalledCount; }

    public Entry entry(long op) { return s.log.entry(op); }

    public long duplicateRequestCount() { return s.duplicateRequestCount; }

    public long clientTableEvictions() { return s.clientTable.evictions(); }

    /** True while the log may lack ops this replica acknowledged: it neither acks nor votes. */
    public boolean logDamaged() { return s.logDamaged(); }

    /** -1 while the log is whole; else the highest op this replica may have acknowledged and lost. */
    public long damagedOpMax() { return s.damagedOpMax; }

    /** True while a restart now would find the log damaged: the last completed write said so. */
    public boolean logDamagedDurably() { return s.damagedOpMaxDurable >= 0; }

    /** Entries this replica fetched from peers by checksum to fill its damaged log. */
    public long repairedEntryCount() { return s.repairedEntryCount; }

    /** This replica's incarnation: how many times it rejoined after losing its state. */
    public long incarnation() { return s.crashVector[s.replicaIndex]; }

    /** The latest incarnation this replica knows of each replica. */
    public long[] crashVector() { return s.crashVector.clone(); }

    /** A checksum of the replicated state: the service's state and the client table. */
    public long stateChecksum() {
        return s.stateMachine.stateChecksum() * 31 + s.clientTable.checksum();
    }

    @Override
    public String toString() {
        return "replica " + s.replicaIndex + " " + s.status + " view=" + s.view + " logView=" + s.logView
                + " op=" + s.log.op() + " commit=" + s.commit + " commitMax=" + s.commitMax
                + (s.logDamaged() ? " damaged<=" + s.damagedOpMax : "");
    }
}
