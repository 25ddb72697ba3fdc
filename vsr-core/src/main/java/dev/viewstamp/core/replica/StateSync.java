package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.GetSyncChunk;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.message.SyncOffer;
import java.lang.System.Logger.Level;

/**
 * State sync (docs/CHECKPOINTS.md, section 7): a replica that needs ops its peers have compacted
 * away fetches a peer's newest checkpoint, chunk by chunk, stages it on its own disk, and installs
 * it in one durable step; then state transfer goes on from the checkpoint's op.
 *
 * <p>One chunk is asked for at a time. Silence, or a chunk that arrives damaged, moves the fetch
 * to the next peer at the same offset; a peer whose file of the same checkpoint has other bytes
 * starts it over from the first byte. While the checkpoint is being installed the replica takes
 * part in nothing else ({@link Replica#step} ignores every message): the install cuts its log, and
 * no write may go out that speaks about the log it is replacing.
 */
final class StateSync extends SubProtocol {

    /** What a sync fetches and how far it got. */
    static final class Progress {
        final long op;
        final long entryChecksum;
        final long entryTimestamp;
        final long identity;
        /** The peer asked last. */
        int peer;
        /** The file's size and checksum, as the peer that sent the first chunk gave them; -1 until then. */
        long sizeBytes = -1;
        long fileChecksum;
        /** Staged bytes that are durable: the next chunk starts here. */
        long received;
        /** A chunk write is outstanding. */
        boolean writing;
        /** The install was asked for; {@link #installState} is what it records. */
        boolean installing;
        Output.ReplicaState installState;
        int requestsWithoutProgress;

        Progress(SyncOffer offer) {
            this(offer.checkpointOp(), offer.entryChecksum(), offer.entryTimestamp(), offer.identity(), offer.replica());
        }

        Progress(long op, long entryChecksum, long entryTimestamp, long identity, int peer) {
            this.op = op;
            this.entryChecksum = entryChecksum;
            this.entryTimestamp = entryTimestamp;
            this.identity = identity;
            this.peer = peer;
        }

        /** Forgets the staged bytes: another peer's file of this checkpoint has other bytes. */
        void startOver() {
            sizeBytes = -1;
            fileChecksum = 0;
            received = 0;
        }
    }

    StateSync(ProtocolState s) {
        super(s);
    }

    boolean installing() {
        return s.sync != null && s.sync.installing;
    }

    /**
     * A restart found the file of its named checkpoint gone or damaged: fetch that very
     * checkpoint (by the identity the superblock kept), or a newer one a peer offers instead. The
     * first request goes out at the next tick.
     */
    void fetchLost(Checkpoint named) {
        s.sync = new Progress(named.op(), named.entryChecksum(), named.entryTimestamp(), named.identity(),
                s.replicaIndex);
        s.syncTimeout.start(s.now, 1);
    }

    /** Serving: a GetState asks from below our checkpoint, so we offer the checkpoint instead. */
    void offer(GetState message, Output out) {
        if (s.checkpointDurable == null || s.stateMissing) {
            s.ignore("get_state: compacted, and no durable checkpoint to offer", message);
            return;
        }
        out.send(message.replica(), offerOf(message.nonce()));
    }

    private SyncOffer offerOf(long nonce) {
        Checkpoint c = s.checkpointDurable;
        return new SyncOffer(s.view, c.op(), c.entryChecksum(), c.entryTimestamp(), c.identity(), s.replicaIndex, nonce);
    }

    /** The peer we asked for state compacted it: fetch its checkpoint. */
    void onSyncOffer(SyncOffer message, Output out) {
        if (ignoreSyncOffer(message)) return;
        Check.that(message.checkpointOp() > s.commit || s.stateMissing, "a checkpoint past what we executed",
                message.checkpointOp(), s.commit);

        s.sync = new Progress(message);
        requestChunk(out);
        Check.that(s.sync.op == message.checkpointOp(), "syncing to the offered checkpoint");
        Check.that(s.syncTimeout.running(), "a sync keeps asking until it ends");
    }

    boolean ignoreSyncOffer(SyncOffer message) {
        if (message.replica() == s.replicaIndex) return s.ignore("sync_offer: from ourselves", message);
        if (message.nonce() != s.requestNonce) return s.ignore("sync_offer: not an answer to this process", message);
        if (s.catchUpView == ProtocolState.CATCH_UP_NONE && !s.stateMissing) {
            return s.ignore("sync_offer: not catching up", message);
        }
        if (message.checkpointOp() < s.commit || (message.checkpointOp() == s.commit && !s.stateMissing)) {
            return s.ignore("sync_offer: we executed past it", message);
        }
        if (message.checkpointOp() == s.announcedCheckpointOp && message.identity() != s.announcedCheckpointIdentity) {
            return s.ignore("sync_offer: not the identity the primary announced for that op", message);
        }
        if (s.sync != null && s.sync.op >= message.checkpointOp()) {
            return s.ignore("sync_offer: already syncing to it or a newer one", message);
        }
        if (s.sync != null && (s.sync.installing || s.sync.writing)) {
            return s.ignore("sync_offer: busy with another checkpoint", message);
        }
        return false;
    }

    void requestChunk(Output out) {
        s.sync.requestsWithoutProgress++;
        out.send(s.sync.peer, new GetSyncChunk(s.sync.op, s.sync.identity, s.sync.received, s.replicaIndex,
                s.requestNonce));
        s.syncTimeout.start(s.now, s.config.stateTransferRetransmitTicks());
    }

    /** Silence: ask the next peer, at the same offset; give up when no peer answers. */
    void onSyncTimeout(Output out) {
        if (s.sync == null) return;
        s.syncTimeout.start(s.now, s.config.stateTransferRetransmitTicks());
        if (s.sync.installing || s.sync.writing) return; // waiting on our own disk
        if (s.sync.requestsWithoutProgress >= 2 * s.config.replicaCount() && !s.stateMissing) {
            // No peer serves it any more (each moved on to a newer checkpoint, or is down): state
            // transfer asks again and is offered what there is now. (A replica whose own state is
            // missing keeps asking: peers that moved on offer their newer checkpoint.)
            stop();
            return;
        }
        s.sync.peer = s.peerAfter(s.sync.peer);
        requestChunk(out);
        Check.that(s.syncTimeout.running(), "a sync keeps asking until it ends");
    }

    /** Serving: the bytes of our durable checkpoint, or an offer of a newer one. */
    void onGetSyncChunk(GetSyncChunk message, Output out) {
        if (ignoreGetSyncChunk(message)) return;
        Checkpoint ours = s.checkpointDurable;
        if (ours.op() > message.checkpointOp()) {
            out.send(message.replica(), offerOf(message.nonce()));
            return;
        }
        Check.that(ours.op() == message.checkpointOp() && ours.identity() == message.identity(),
                "serving the very checkpoint asked for");
        out.sendSyncChunk(message.replica(), ours.op(), ours.identity(), message.offset());
    }

    boolean ignoreGetSyncChunk(GetSyncChunk message) {
        if (message.replica() == s.replicaIndex) return s.ignore("get_sync_chunk: from ourselves", message);
        if (message.offset() < 0) return s.ignore("get_sync_chunk: negative offset", message);
        if (s.checkpointDurable == null) return s.ignore("get_sync_chunk: no durable checkpoint", message);
        if (s.stateMissing) return s.ignore("get_sync_chunk: our checkpoint's file is lost", message);
        if (s.checkpointDurable.op() < message.checkpointOp()) {
            return s.ignore("get_sync_chunk: a checkpoint newer than ours", message);
        }
        if (s.checkpointDurable.op() == message.checkpointOp() && s.checkpointDurable.identity() != message.identity()) {
            // Every correct replica computes the same identity for the same op.
            return s.ignore("get_sync_chunk: STATE DIVERGED: our checkpoint at that op has another identity", message);
        }
        return false;
    }

    /** Receiving: a chunk of the checkpoint we fetch; staged before the next is asked for. */
    void onSyncChunk(SyncChunk message, Output out) {
        if (ignoreSyncChunk(message)) return;
        Progress p = s.sync;
        if (p.sizeBytes >= 0 && (message.sizeBytes() != p.sizeBytes || message.fileChecksum() != p.fileChecksum)) {
            // Another peer's file of the same checkpoint, with other bytes: start over at its first byte.
            p.startOver();
            if (message.offset() != 0) {
                p.peer = message.replica();
                requestChunk(out);
                return;
            }
        }
        if (p.sizeBytes < 0) {
            p.sizeBytes = message.sizeBytes();
            p.fileChecksum = message.fileChecksum();
        }
        p.peer = message.replica();
        p.writing = true;
        p.requestsWithoutProgress = 0;
        out.writeSyncChunk(p.op, message.offset(), message.bytes());
        Check.that(p.received == message.offset(), "chunks are staged in order", p.received, message.offset());
    }

    boolean ignoreSyncChunk(SyncChunk message) {
        Progress p = s.sync;
        if (p == null) return s.ignore("sync_chunk: not syncing", message);
        if (message.checkpointOp() != p.op || message.identity() != p.identity) {
            return s.ignore("sync_chunk: another checkpoint", message);
        }
        if (p.writing || p.installing) return s.ignore("sync_chunk: busy staging", message);
        if (!message.intact()) return s.ignore("sync_chunk: damaged on its way", message);
        long length = message.bytes().length;
        if (message.sizeBytes() <= 0 || length == 0 || message.offset() + length > message.sizeBytes()) {
            return s.ignore("sync_chunk: a range outside the file", message);
        }
        boolean sameFile = p.sizeBytes == message.sizeBytes() && p.fileChecksum == message.fileChecksum();
        if (message.offset() != p.received && !(message.offset() == 0 && !sameFile)) {
            return s.ignore("sync_chunk: not the offset asked for", message);
        }
        if (p.sizeBytes < 0 && message.offset() != 0) return s.ignore("sync_chunk: a file not started", message);
        return false;
    }

    /** A staged chunk is durable: ask for the next, or install once the file is whole. */
    void onChunkDurable(long op, long end, Output out) {
        Progress p = s.sync;
        if (p == null || p.op != op || !p.writing) return; // the sync ended meanwhile
        p.writing = false;
        p.received = end;
        if (s.commit >= p.op && !s.stateMissing) {
            // The log brought us past the checkpoint meanwhile: it is not needed any more.
            stop();
            return;
        }
        if (p.received < p.sizeBytes) {
            requestChunk(out);
            return;
        }
        p.installing = true;
        p.installState = installState();
        out.installSync(p.op, p.identity, p.sizeBytes, p.fileChecksum, p.installState);
        Check.that(installing(), "installing until the driver answers");
    }

    /**
     * What the install records: the checkpoint's op as the log's head and commit number, and the
     * damage. Our log may hold ops past the checkpoint that we acknowledged in our log view; the
     * install cuts them, so the durable ones (only those were acknowledged) count as damage, as
     * after a crash that lost them (docs/STORAGE.md, rule 6). Damage at or below the checkpoint's op is covered by it (every op there is committed).
     */
    private Output.ReplicaState installState() {
        long damagedOpMax = s.damagedOpMax > s.sync.op ? s.damagedOpMax : -1;
        if (s.opDurable > s.sync.op) damagedOpMax = Math.max(damagedOpMax, s.opDurable);
        return new Output.ReplicaState(s.view, s.logView, s.sync.op, s.sync.entryChecksum, damagedOpMax, s.crashVector);
    }

    /**
     * The driver installed the checkpoint: the service holds its state, and the superblock names
     * it with the log cut to its op. Catch-up goes on from there.
     */
    void onInstalled(Checkpoint installed, Output out) {
        Progress p = s.sync;
        Check.that(p != null && p.installing && installed.op() == p.op && installed.identity() == p.identity,
                "the driver installed the checkpoint it was asked to");
        ClientTable table = ClientTable.decode(installed.clientTable(), s.config.clientTableSessionsMax());
        Check.that(Checkpoint.identity(s.config.clusterId(), installed.op(), installed.entryChecksum(),
                s.stateMachine.stateChecksum(), table.checksum()) == p.identity, "the installed state is the checkpoint's");
        Check.that(s.commit < p.op || s.stateMissing, "an install moves the state forward", s.commit, p.op);

        Output.ReplicaState written = p.installState;
        s.clientTable = table;
        s.log.resetTo(installed.op(), installed.entryChecksum(), installed.entryTimestamp());
        s.commit = installed.op();
        // The install cut the log at the checkpoint, and a commit number speaks only about entries
        // held: what we knew committed past it (a restart that lost its checkpoint's file kept its
        // log and learned commits meanwhile) is learned again from the primary. The one place a
        // commitMax goes down; knowing less committed is never unsafe.
        s.commitMax = installed.op();
        s.commitMaxPrevious = s.commitMax;
        s.commitClaimOp = 0;
        s.opDurable = installed.op();
        s.damagedOpMax = written.damagedOpMax();
        s.damagedOpMaxDurable = written.damagedOpMax();
        repairs.abandon();
        if (s.logDamaged()) repairs.awaitWholeLog();
        s.checkpoint = installed;
        s.checkpointDurable = installed;
        s.syncsInstalledCount++;
        s.stateMissing = false;
        stop();
        ProtocolState.LOG.log(Level.DEBUG, "replica {0}: installed the checkpoint at op {1} from replica {2}",
                s.replicaIndex, installed.op(), p.peer);
        if (s.logDamaged() && s.status == Status.NORMAL && s.isPrimary()) {
            // A stale primary catching up to a newer view installed over ops it prepared and held
            // durable in its own view: its log is damaged, and a damaged log never leads a view
            // (docs/STORAGE.md, rule 6); nor may a primary that lost ops it may have sent lead its
            // view again (as after a restart: ViewChange.leaveOwnViewAfterRestart). It moves to the
            // next view's change, persisted before any message of it.
            viewChange.transitionToViewChange(s.view + 1, out);
        }
        if (s.catchUpView != ProtocolState.CATCH_UP_NONE) transfer.requestState(out);

        Check.that(s.log.anchorOp() == installed.op(), "the log starts at the installed checkpoint");
        Check.that(s.sync == null, "the sync ended");
        if (s.logDamaged()) Check.that(!(s.status == Status.NORMAL && s.isPrimary()), "a damaged log leads no view");
    }

    /** The staged file failed a check at install: nothing changed; fetch it again from the next peer. */
    void onInstallFailed(long op, String reason, Output out) {
        Progress p = s.sync;
        if (p == null || p.op != op || !p.installing) return;
        ProtocolState.LOG.log(Level.DEBUG, "replica {0}: the checkpoint at op {1} from replica {2} failed to install: {3}",
                s.replicaIndex, op, p.peer, reason);
        p.installing = false;
        p.installState = null;
        p.startOver();
        p.peer = s.peerAfter(p.peer);
        requestChunk(out);
        Check.that(!installing(), "the failed install is over");
    }

    void stop() {
        s.sync = null;
        s.syncTimeout.stop();
    }
}
