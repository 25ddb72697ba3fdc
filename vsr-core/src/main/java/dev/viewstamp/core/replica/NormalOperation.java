package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Normal operation (VRR 4.1): requests, prepares, acknowledgements, commits and execution, and the
 * first messages of a view once it is durable.
 */
final class NormalOperation extends SubProtocol {

    NormalOperation(ProtocolState s) {
        super(s);
    }

    /** VRR 4.1 steps 1-3: the primary checks the client table and queues the request for a prepare. */
    void onRequest(Request request, Output out) {
        if (ignoreRequest(request, out)) return;
        Check.that(s.status == Status.NORMAL, "status normal");
        Check.that(s.isPrimary(), "primary");

        s.requestQueue.addLast(request);
        primaryPrepareQueued(out);
        Check.that(inPipelineOrQueue(request), "the request is queued or being prepared");
    }

    boolean ignoreRequest(Request request, Output out) {
        if (s.status != Status.NORMAL) return s.ignore("request: status " + s.status, request);
        if (!s.isPrimary()) return s.ignore("request: not primary", request);
        if (s.catchingUpToNewerView()) return s.ignore("request: a newer view exists", request);
        if (!s.normalDurable()) return s.ignore("request: view not durable yet", request);
        if (!s.config.canary(Canary.SKIP_DUPLICATE_CHECK)) {
            ClientTable.Session session = s.clientTable.get(request.clientId());
            if (session != null && request.isRegister()) {
                // A retried (or stale) registration: the session exists, so tell its base again.
                s.duplicateRequestCount++;
                out.reply(new Reply(s.view, request.clientId(), Request.REGISTER, Reply.Status.OK,
                        Request.encodeBase(session.base), s.replicaIndex));
                return true;
            }
            if (session != null && request.requestNumber() <= session.base) {
                // A request of an earlier session of this client, evicted since: the client
                // registered again (a stale registration), and this request must not run again.
                out.reply(new Reply(s.view, request.clientId(), request.requestNumber(), Reply.Status.EVICTED,
                        new byte[0], s.replicaIndex));
                return true;
            }
            if (session != null && request.requestNumber() < session.requestNumber) {
                return s.ignore("request: older than the latest executed", request);
            }
            if (session != null && request.requestNumber() == session.requestNumber) {
                // VRR 4.1 step 2: a duplicate of the latest request gets the cached reply again.
                s.duplicateRequestCount++;
                out.reply(new Reply(s.view, request.clientId(), request.requestNumber(), Reply.Status.OK,
                        session.reply, s.replicaIndex));
                return true;
            }
        }
        if (inPipelineOrQueue(request)) return s.ignore("request: already being prepared", request);
        if (request.operation().length > s.config.batchSizeBytesMax() - Request.OVERHEAD_SIZE_BYTES) {
            // Deviation 16 (docs/PROTOCOL.md); VRR has no sizes. A request that fits no batch
            // would be dropped here on every retry, for ever. Every primary of the cluster refuses
            // it alike (the limit is the same on every replica), so it never executes, and the
            // client is told so explicitly, like an eviction. (Compared without adding, so no
            // size overflows.)
            out.reply(new Reply(s.view, request.clientId(), request.requestNumber(), Reply.Status.TOO_LARGE,
                    new byte[0], s.replicaIndex));
            return true;
        }
        if (s.requestQueue.size() >= s.config.requestQueueCountMax()) return s.ignore("request: queue full", request);
        return false;
    }

    boolean inPipelineOrQueue(Request request) {
        for (Request queued : s.requestQueue) {
            if (queued.clientId() == request.clientId() && queued.requestNumber() == request.requestNumber()) {
                return true;
            }
        }
        for (long op = s.commit + 1; op <= s.log.op(); op++) {
            for (Request prepared : s.log.entry(op).requests()) {
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
     * journal and send it to the backups in parallel. From {@code eagerPrepareCountMax} prepares
     * in flight on, only a full batch goes; a partial one waits for a commit (adaptive batching,
     * ClusterConfig).
     */
    void primaryPrepareQueued(Output out) {
        if (s.status != Status.NORMAL || !s.isPrimary() || !s.normalDurable() || s.startViewPending) return;
        if (s.catchingUpToNewerView()) return;
        while (!s.requestQueue.isEmpty() && s.log.op() - s.commit < s.config.pipelinePrepareCountMax()
                && s.log.op() < s.ringOpMax()) {
            if (s.log.op() - s.commit >= s.config.eagerPrepareCountMax() && !fullBatchQueued()) break;
            // The batch's size is counted as the codec writes the body (Entry.bodySizeBytes), and
            // batchSizeBytesMax is at most the journal's body limit (ClusterConfig), so every
            // prepare fits every replica's journal. Every queued request fits a batch on its own
            // (ignoreRequest), so the batch is never empty.
            List<Request> batch = new ArrayList<>();
            int bodySizeBytes = 0;
            while (!s.requestQueue.isEmpty() && batch.size() < s.config.batchRequestCountMax()) {
                Request next = s.requestQueue.peekFirst();
                if (bodySizeBytes + next.sizeBytes() > s.config.batchSizeBytesMax()) break;
                batch.add(s.requestQueue.pollFirst());
                bodySizeBytes += next.sizeBytes();
            }
            Check.that(!batch.isEmpty(), "a batch holds at least one request");
            Entry entry = Entry.create(s.view, s.log.op() + 1, s.log.checksumAt(s.log.op()), timestampNext(), batch);
            Check.that(entry.bodySizeBytes() <= s.config.batchSizeBytesMax(), "batch within batchSizeBytesMax",
                    entry.bodySizeBytes(), s.config.batchSizeBytesMax());
            s.log.append(entry);
            out.persistPrepare(entry);
            if (s.config.canary(Canary.ACK_BEFORE_DURABLE)) s.opDurable = entry.op();
            s.sendToOthers(new Prepare(s.view, s.commitMax, s.log.checksumAt(s.commitMax), entry, s.replicaIndex,
                    s.checkpointOpToAnnounce(), s.checkpointIdentityToAnnounce()), out);
            if (!s.prepareTimeout.running()) s.prepareTimeout.start(s.now, s.config.prepareRetransmitTicks());
        }
        Check.that(s.log.op() - s.commit <= s.config.pipelinePrepareCountMax(), "pipeline within its maximum");
    }

    /** True when the queue holds a batch no other request could join: a batch's count, or more than its bytes. */
    private boolean fullBatchQueued() {
        if (s.requestQueue.size() >= s.config.batchRequestCountMax()) return true;
        long bodySizeBytes = 0;
        for (Request queued : s.requestQueue) {
            bodySizeBytes += queued.sizeBytes();
            if (bodySizeBytes > s.config.batchSizeBytesMax()) return true;
        }
        return false;
    }

    /**
     * The primary's monotonic cluster timestamp: the host's clock when it gave one (else the tick
     * count), and never below the last prepare's stamp plus one, so later prepares never get a
     * smaller one, also across view changes between primaries whose clocks disagree.
     */
    long timestampNext() {
        long last = s.log.lastTimestamp();
        return Math.max(last + 1, s.realtime > 0 ? s.realtime : s.now);
    }

    /** VRR 4.1 step 4: a backup appends prepares in op order, and acknowledges once durable. */
    void onPrepare(Prepare message, Output out) {
        if (message.view() < s.view && s.config.canary(Canary.ACCEPT_PREPARE_FROM_OLDER_VIEW)) {
            canaryAcceptOlderPrepare(message, out);
            return;
        }
        if (ignorePrepare(message)) return;
        if (catchUpIfNewerView(message.view(), message.replica(), out)) return;
        Check.that(s.status == Status.NORMAL, "status normal");
        Check.that(!s.isPrimary(), "backup");
        Check.that(message.view() == s.view, "same view");

        s.normalTimeout.start(s.now, s.config.normalTimeoutTicks());
        checkpoints.onAnnounced(message.checkpointOp(), message.checkpointIdentity());
        // A damaged log neither appends nor acknowledges: the repair timer fills it from peers.
        if (!s.logDamaged() && !appendOrAcknowledge(message, out)) return;
        s.learnCommit(message.commit(), message.commit(), message.commitChecksum());
        executeCommitted(out);

        Check.that(s.status == Status.NORMAL, "still normal");
        Check.that(s.view == message.view(), "still in the prepare's view", s.view, message.view());
        Check.that(s.logDamaged() || s.log.holds(message.entry().op(), message.entry().checksum())
                || s.catchUpView >= s.view || message.entry().op() > s.ringOpMax(),
                "the prepare's entry is held, or the gap below it is being fetched, or it waits for a journal slot");
        Check.that(s.commit == s.commitMax || s.stateMissing,
                "executed every op known committed, unless the state to execute on is being fetched", s.commit,
                s.commitMax);
    }

    /**
     * Appends the prepare's entry, or acknowledges it again when already held, or starts fetching
     * the gap below it. Returns false when the entry conflicts with ours in the same view.
     */
    boolean appendOrAcknowledge(Prepare message, Output out) {
        Entry entry = message.entry();
        if (entry.op() < s.log.anchorOp()) {
            s.ignore("prepare: an op our checkpoint covers", message);
            return false;
        }
        if (entry.op() > s.ringOpMax()) {
            // Its slot still holds an op our durable checkpoint does not cover: neither written nor
            // acknowledged until that checkpoint is durable; the primary retransmits.
            s.ignore("prepare: no journal slot until our next checkpoint is durable", message);
            return true; // its commit number still lets us execute towards that checkpoint
        }
        if (entry.op() <= s.log.op()) {
            // A retransmission: our acknowledgement may have been lost, so send it again. The hash
            // chain proves our log equal to the primary's up to this op, and no further.
            if (s.log.checksumAt(entry.op()) != entry.checksum()) {
                s.ignore("prepare: conflicts with our log in the same view", message);
                return false;
            }
            sendPrepareOk(Math.min(s.opDurable, entry.op()), out);
        } else if (s.log.chains(entry)) {
            s.log.append(entry);
            out.persistPrepare(entry);
            if (s.config.canary(Canary.ACK_BEFORE_DURABLE)) {
                s.opDurable = entry.op();
                sendPrepareOk(s.opDurable, out);
            }
        } else {
            // A gap (an earlier prepare was lost): fetch the missing entries within this view.
            transfer.startCatchUp(s.view, message.replica(), out);
        }
        return true;
    }

    boolean ignorePrepare(Prepare message) {
        if (message.view() < s.view) return s.ignore("prepare: older view", message);
        if (message.replica() != s.config.primaryIndex(message.view())) {
            return s.ignore("prepare: not from the primary", message);
        }
        if (message.replica() == s.replicaIndex) return s.ignore("prepare: from ourselves", message);
        if (!message.entry().valid()) return s.ignore("prepare: entry checksum mismatch", message);
        if (message.entry().view() > message.view()) return s.ignore("prepare: entry from a future view", message);
        if (message.view() == s.view && s.catchingUpToNewerView()) {
            return s.ignore("prepare: a newer view exists", message);
        }
        return false;
    }

    /** Canary {@link Canary#ACCEPT_PREPARE_FROM_OLDER_VIEW}: appends and acks an older view's prepare. */
    void canaryAcceptOlderPrepare(Prepare message, Output out) {
        Entry entry = message.entry();
        if (!entry.valid() || !s.log.chains(entry)) return;
        s.log.append(entry);
        out.persistPrepare(entry);
        out.send(message.replica(), new PrepareOk(message.view(), entry.op(), s.replicaIndex,
                s.crashVector[s.replicaIndex]));
    }

    /**
     * A Prepare or Commit of a view newer than ours (or of ours while we are still in view change)
     * means that view has started without us. DESIGN 2: catch up to it without changing view or
     * logView (no truncation to the commit number, unlike VRR 5.2). Returns true when handled so.
     */
    boolean catchUpIfNewerView(long messageView, int from, Output out) {
        if (s.config.canary(Canary.TRUNCATE_ON_NEWER_VIEW) && canaryTruncateToNewerView(messageView, from, out)) {
            return true;
        }
        if (messageView <= s.view && s.status != Status.VIEW_CHANGE) return false;
        transfer.startCatchUp(messageView, from, out);
        return true;
    }

    /**
     * Canary {@link Canary#TRUNCATE_ON_NEWER_VIEW}: VRR 5.2 as published. The log is cut back to
     * the commit number and the newer view becomes the log view before the missing entries arrive.
     */
    boolean canaryTruncateToNewerView(long messageView, int from, Output out) {
        boolean newer = messageView > s.view || (messageView == s.view && s.status == Status.VIEW_CHANGE);
        if (!newer || s.isPrimaryOf(messageView)) return false;
        // The paper's commit-number is the highest op known committed; every op up to it is held.
        s.log.truncateAfter(s.commitMax);
        viewChange.transitionToNormalBackup(messageView, s.commitMax + 1, out);
        transfer.startCatchUp(s.view, from, out);
        return true;
    }

    /** VRR 4.1 step 5: the primary commits the prefix that f + 1 replicas hold durably. */
    void onPrepareOk(PrepareOk message, Output out) {
        if (ignorePrepareOk(message)) return;
        Check.that(s.status == Status.NORMAL, "status normal");
        Check.that(s.isPrimary(), "primary");
        Check.that(message.view() == s.view, "same view");

        // A PrepareOk for op n also acknowledges every earlier op, because backups prepare in
        // order; so acknowledgements are a per-replica high-water mark.
        s.ackedOp[message.replica()] = Math.max(s.ackedOp[message.replica()], Math.min(message.op(), s.log.op()));
        primaryCommit(out);
        Check.that(s.ackedOp[message.replica()] <= s.log.op(), "an acknowledgement within our log",
                s.ackedOp[message.replica()], s.log.op());
    }

    boolean ignorePrepareOk(PrepareOk message) {
        if (message.view() != s.view) return s.ignore("prepare_ok: other view", message);
        if (s.status != Status.NORMAL) return s.ignore("prepare_ok: status " + s.status, message);
        if (!s.isPrimary()) return s.ignore("prepare_ok: not primary", message);
        if (message.replica() == s.replicaIndex) return s.ignore("prepare_ok: from ourselves", message);
        return false;
    }

    void primaryCommit(Output out) {
        if (s.status != Status.NORMAL || !s.isPrimary() || !s.normalDurable() || s.catchingUpToNewerView()) return;
        s.ackedOp[s.replicaIndex] = s.opDurable;
        int quorum = s.config.canary(Canary.COMMIT_WITH_F_ACKS) ? Math.max(1, s.config.quorum() - 1)
                : s.config.quorum();
        long[] sorted = s.ackedOp.clone();
        Arrays.sort(sorted);
        long quorumOp = sorted[sorted.length - quorum];
        if (quorumOp > s.commitMax) {
            s.commitMax = quorumOp;
            executeCommitted(out);
            if (s.commit == s.log.op()) s.prepareTimeout.stop();
        }
        primaryPrepareQueued(out);
    }

    /** VRR 4.1 step 6: the primary sends its commit number every interval, busy or idle; it doubles as the heartbeat. */
    void onCommitTimeout(Output out) {
        if (s.status != Status.NORMAL || !s.isPrimary()) return;
        s.commitTimeout.start(s.now, s.config.commitIntervalTicks());
        if (!s.normalDurable() || s.startViewPending || s.catchingUpToNewerView()) return;
        s.sendToOthers(new Commit(s.view, s.commitMax, s.log.checksumAt(s.commitMax), s.replicaIndex,
                incarnations.crashVectorToSend(), s.checkpointOpToAnnounce(), s.checkpointIdentityToAnnounce()), out);
        Check.that(s.commitTimeout.running(), "a primary's heartbeat never stops");
    }

    /** VRR 4.1 step 7: backups execute what the primary says is committed. */
    void onCommit(Commit message, Output out) {
        if (ignoreCommit(message)) return;
        if (catchUpIfNewerView(message.view(), message.replica(), out)) return;
        Check.that(s.status == Status.NORMAL, "status normal");
        Check.that(!s.isPrimary(), "backup");

        s.normalTimeout.start(s.now, s.config.normalTimeoutTicks());
        checkpoints.onAnnounced(message.checkpointOp(), message.checkpointIdentity());
        boolean differs = message.commit() <= s.log.op() && message.commit() >= s.log.anchorOp()
                && s.log.checksumAt(message.commit()) != message.commitChecksum();
        if (!s.logDamaged() && differs) {
            s.ignore("commit: our entry at the commit number differs from the primary's", message);
            return;
        }
        s.learnCommit(message.commit(), message.commit(), message.commitChecksum());
        executeCommitted(out);
        if (!s.logDamaged() && message.commit() > s.log.op()) transfer.startCatchUp(s.view, message.replica(), out);

        Check.that(s.status == Status.NORMAL, "still normal");
        Check.that(s.view == message.view(), "still in the commit's view", s.view, message.view());
        Check.that(s.commitMax >= message.commit() || s.commitClaimOp >= message.commit(),
                "the primary's commit number is known, or claimed until its entry arrives", s.commitMax,
                message.commit());
        Check.that(s.commit == s.commitMax || s.stateMissing,
                "executed every op known committed, unless the state to execute on is being fetched", s.commit,
                s.commitMax);
    }

    boolean ignoreCommit(Commit message) {
        if (message.view() < s.view) return s.ignore("commit: older view", message);
        if (message.replica() != s.config.primaryIndex(message.view())) {
            return s.ignore("commit: not from the primary", message);
        }
        if (message.replica() == s.replicaIndex) return s.ignore("commit: from ourselves", message);
        if (message.view() == s.view && s.catchingUpToNewerView()) {
            return s.ignore("commit: a newer view exists", message);
        }
        return false;
    }

    /** Resends prepares that some backup has not acknowledged. */
    void onPrepareTimeout(Output out) {
        if (s.status != Status.NORMAL || !s.isPrimary()) return;
        // Keep the timer running while we wait for durability: a PrepareOk lost meanwhile would
        // otherwise never be asked for again (seed 1654).
        s.prepareTimeout.start(s.now, s.config.prepareRetransmitTicks());
        Check.that(s.prepareTimeout.running(), "the retransmission timer keeps running");
        if (!s.normalDurable() || s.startViewPending || s.catchingUpToNewerView()) return;
        if (s.config.canary(Canary.SKIP_PREPARE_RETRANSMIT)) return;
        boolean pending = false;
        for (int replica = 0; replica < s.config.replicaCount(); replica++) {
            if (replica == s.replicaIndex || s.ackedOp[replica] >= s.log.op()) continue;
            pending = true;
            // Below our anchor the entries are compacted: such a backup catches up by state transfer.
            long from = Math.max(Math.max(s.ackedOp[replica], s.log.op() - s.config.pipelinePrepareCountMax()),
                    s.log.anchorOp());
            for (long op = from + 1; op <= s.log.op(); op++) {
                out.send(replica, new Prepare(s.view, s.commitMax, s.log.checksumAt(s.commitMax),
                        s.log.entry(op), s.replicaIndex, s.checkpointOpToAnnounce(), s.checkpointIdentityToAnnounce()));
            }
        }
        if (!pending) s.prepareTimeout.stop();
    }

    /**
     * Executes committed entries in op order (VRR 4.1 steps 5 and 7). The primary replies to the
     * clients; backups only update their state and client table.
     */
    void executeCommitted(Output out) {
        s.proveCommitClaim();
        if (s.stateMissing) return; // the state to execute on is being fetched (Checkpoints.restoreLost)
        while (s.commit < s.commitMax) {
            Entry entry = s.log.entry(s.commit + 1);
            for (Request request : entry.requests()) execute(entry, request, out);
            s.commit++;
            checkpoints.afterExecute(entry, out);
            if (s.status == Status.NORMAL) viewChange.resetBackoff();
        }
    }

    void execute(Entry entry, Request request, Output out) {
        boolean replying = s.status == Status.NORMAL && s.isPrimary();
        ClientTable.Session session = s.clientTable.get(request.clientId());
        if (request.isRegister()) {
            // The session's base is one below the op that registers it, and its requests are
            // numbered above the base. Every executed request of an earlier, evicted session of
            // this client has a number at or below it (a request's number is below the op that
            // executed it, and the eviction and this registration come no earlier), so a stale
            // copy of the registration cannot make one of them run again: it gets EVICTED.
            if (session == null) {
                s.clientTable.update(request.clientId(), entry.op() - 1, new byte[0], entry.op());
                session = s.clientTable.get(request.clientId());
            }
            if (replying) {
                out.reply(new Reply(s.view, request.clientId(), Request.REGISTER, Reply.Status.OK,
                        Request.encodeBase(session.base), s.replicaIndex));
            }
            return;
        }
        if (session == null || request.requestNumber() <= session.base) {
            // Evicted (or never registered): the request is not executed, and the client is told
            // so explicitly. Every replica decides this identically at the same op.
            if (replying) {
                out.reply(new Reply(s.view, request.clientId(), request.requestNumber(), Reply.Status.EVICTED,
                        new byte[0], s.replicaIndex));
            }
            return;
        }
        boolean duplicate = request.requestNumber() <= session.requestNumber;
        if (duplicate && !s.config.canary(Canary.SKIP_DUPLICATE_CHECK)) {
            // The same request can be prepared twice across a view change; it executes once.
            s.duplicateRequestCount++;
            return;
        }
        byte[] result = s.stateMachine.execute(entry.op(), entry.timestamp(), request.operation());
        if (!duplicate) s.clientTable.update(request.clientId(), request.requestNumber(), result, entry.op());
        if (replying) {
            out.reply(new Reply(s.view, request.clientId(), request.requestNumber(), Reply.Status.OK, result,
                    s.replicaIndex));
        }
    }

    /** Acknowledges {@code op}, which must be durable, and with it every earlier op (VRR 4.1 step 4). */
    void sendPrepareOk(long op, Output out) {
        if (s.status != Status.NORMAL || s.isPrimary() || !s.normalDurable() || op == 0 || s.logDamaged()) return;
        if (s.catchingUpToNewerView()) return;
        Check.that(s.logView == s.view, "log view is the current view");
        Check.that(op <= s.opDurable, "acknowledge only durable ops", op, s.opDurable);
        // The incarnation a restart would come back with: one learned but not yet durable could be
        // forgotten by a crash, after which the primary would discard every later ack as older.
        out.send(s.config.primaryIndex(s.view), new PrepareOk(s.view, op, s.replicaIndex,
                s.crashVectorDurable[s.replicaIndex]));
    }

    /** Forgets what {@code replica} (an older incarnation of it) acknowledged. */
    void forgetAcknowledgementsOf(int replica) {
        s.ackedOp[replica] = 0;
    }

    /**
     * A write completed, the log view is durable, and this replica is the primary: a StartView
     * that waited for its log goes out, and what is now acknowledged commits.
     */
    void afterDurableAsPrimary(Output out) {
        if (s.startViewPending && s.normalDurable()) {
            s.startViewPending = false;
            s.sendToOthers(viewChange.startView(), out);
        }
        primaryCommit(out);
    }

    void startPrimaryTimers() {
        s.normalTimeout.stop();
        s.commitTimeout.start(s.now, s.config.commitIntervalTicks());
        s.prepareTimeout.start(s.now, s.config.prepareRetransmitTicks());
    }

    /**
     * The primary of a new view counts acknowledgements afresh (an old view's PrepareOk says
     * nothing about the new log) and starts its heartbeat and retransmission timers.
     */
    void enterAsPrimary() {
        Arrays.fill(s.ackedOp, 0);
        startPrimaryTimers();
    }

    /**
     * Normal operation as a backup of the current view: no queued requests, no primary timers, and
     * the primary's heartbeat awaited.
     */
    void enterAsBackup() {
        s.status = Status.NORMAL;
        s.requestQueue.clear();
        s.commitTimeout.stop();
        s.prepareTimeout.stop();
        s.normalTimeout.start(s.now, s.config.normalTimeoutTicks());
    }

    /**
     * Leaving the view for a view change: its acknowledgements and queued requests go (a client
     * retries with the new primary), and no normal-operation timer runs.
     */
    void leaveForViewChange() {
        Arrays.fill(s.ackedOp, 0);
        s.requestQueue.clear();
        s.normalTimeout.stop();
        s.commitTimeout.stop();
        s.prepareTimeout.stop();
    }
}
