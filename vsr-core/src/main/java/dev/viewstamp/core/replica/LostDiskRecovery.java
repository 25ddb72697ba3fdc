package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import java.util.Arrays;

/**
 * Recovery of a replica that lost its disk (in place of VRR 4.3), with crash vectors: two quorum
 * rounds, then a rejoin as a damaged log.
 */
final class LostDiskRecovery extends SubProtocol {

    LostDiskRecovery(ProtocolState s) {
        super(s);
    }

    void startRecovery() {
        s.recoveryNonce = s.prng.nextLong();
        s.recoveryAnnouncing = false;
        Arrays.fill(s.recoveryFrom, null);
        s.recoveryTimeout.start(s.now, 1);
    }

    void onRecoveryTimeout(Output out) {
        Check.that(s.status == Status.RECOVERING, "only a recovering replica asks to recover");
        s.recoveryTimeout.start(s.now, s.config.viewChangeRetransmitTicks());
        s.sendToOthers(new Recovery(s.recoveryNonce, s.crashVector, s.replicaIndex), out);
    }

    /**
     * Any replica that is not itself recovering answers, whatever its status, once its crash
     * vector, with the sender's new incarnation merged in, is durable: from then on it discards
     * the sender's older votes and acknowledgements, even across its own restart.
     */
    void onRecovery(Recovery message, Output out) {
        if (ignoreRecovery(message)) return;
        Check.that(s.status != Status.RECOVERING, "a recovering replica answers no recovery");

        incarnations.mergeCrashVector(message.crashVector());
        int sender = message.replica();
        if (s.crashVectorDurable[sender] < message.crashVector()[sender]) {
            if (!s.incarnationBeingWritten(sender, message.crashVector()[sender])) s.persistView(out);
            s.ignore("recovery: answered once the merged crash vector is durable", message);
            return;
        }
        Check.that(s.crashVectorDurable[sender] >= message.crashVector()[sender],
                "answered once the sender's incarnation is durable",
                s.crashVectorDurable[sender], message.crashVector()[sender]);
        out.send(sender, new RecoveryResponse(message.nonce(), s.crashVector, s.view, s.replicaIndex));
    }

    boolean ignoreRecovery(Recovery message) {
        if (message.replica() == s.replicaIndex) return s.ignore("recovery: from ourselves", message);
        if (message.replica() < 0 || message.replica() >= s.config.replicaCount()) {
            return s.ignore("recovery: no such replica", message);
        }
        if (message.crashVector().length != s.crashVector.length) {
            return s.ignore("recovery: malformed crash vector", message);
        }
        return false;
    }

    /**
     * Two rounds, each waiting for f + 1 answers: the first learns the highest incarnation anyone
     * knows of this replica, and it takes the next; the second makes f + 1 replicas learn that
     * incarnation. Then every later quorum holds a replica that discards this replica's older
     * votes, and the answers' views bound every view this replica may have voted for and forgotten.
     */
    void onRecoveryResponse(RecoveryResponse message, Output out) {
        if (ignoreRecoveryResponse(message)) return;
        Check.that(s.status == Status.RECOVERING, "only a recovering replica takes recovery responses");

        if (s.recoveryAnnouncing && message.crashVector()[s.replicaIndex] > s.crashVector[s.replicaIndex]) {
            // An earlier try of ours announced a higher incarnation: announce the next above it.
            announceIncarnation(message.crashVector()[s.replicaIndex] + 1, out);
            return;
        }
        if (s.recoveryAnnouncing && message.crashVector()[s.replicaIndex] != s.crashVector[s.replicaIndex]) {
            s.ignore("recovery_response: has not learned our incarnation", message);
            return;
        }
        s.recoveryFrom[message.replica()] = message;
        int count = 0;
        for (RecoveryResponse m : s.recoveryFrom) if (m != null) count++;
        if (count < s.config.quorum()) return;
        long incarnationKnown = s.crashVector[s.replicaIndex];
        for (RecoveryResponse m : s.recoveryFrom) {
            if (m == null) continue;
            for (int r = 0; r < s.crashVector.length; r++) {
                if (r != s.replicaIndex) s.crashVector[r] = Math.max(s.crashVector[r], m.crashVector()[r]);
            }
            incarnationKnown = Math.max(incarnationKnown, m.crashVector()[s.replicaIndex]);
        }
        if (!s.recoveryAnnouncing) {
            announceIncarnation(incarnationKnown + 1, out);
            return;
        }
        finishRecovery(out);
    }

    boolean ignoreRecoveryResponse(RecoveryResponse message) {
        if (message.nonce() != s.recoveryNonce) return s.ignore("recovery_response: not ours", message);
        if (message.replica() == s.replicaIndex) return s.ignore("recovery_response: from ourselves", message);
        if (message.replica() < 0 || message.replica() >= s.config.replicaCount()) {
            return s.ignore("recovery_response: no such replica", message);
        }
        if (message.crashVector().length != s.crashVector.length) {
            return s.ignore("recovery_response: malformed", message);
        }
        return false;
    }

    /** The second round: makes f + 1 replicas learn {@code incarnation} as this replica's. */
    void announceIncarnation(long incarnation, Output out) {
        s.crashVector[s.replicaIndex] = incarnation;
        s.recoveryAnnouncing = true;
        s.recoveryNonce = s.prng.nextLong();
        Arrays.fill(s.recoveryFrom, null);
        s.sendToOthers(new Recovery(s.recoveryNonce, s.crashVector, s.replicaIndex), out);
        s.recoveryTimeout.start(s.now, s.config.viewChangeRetransmitTicks());
    }

    /**
     * Rejoins as a damaged replica that may lack any op, in the highest view the answers told of:
     * it acknowledges nothing and its vote counts for nothing until its view's primary hands it the
     * whole log, or it adopts a newer view's log (docs/STORAGE.md, rule 6).
     */
    void finishRecovery(Output out) {
        long viewMax = s.view;
        for (RecoveryResponse m : s.recoveryFrom) if (m != null) viewMax = Math.max(viewMax, m.view());
        Arrays.fill(s.recoveryFrom, null);
        s.recoveryTimeout.stop();
        s.view = viewMax;
        s.logView = viewMax;
        repairs.startFromNothing();
        if (s.isPrimaryOf(s.view)) {
            viewChange.leaveOwnViewAfterRestart();
        } else {
            normal.enterAsBackup();
        }
        s.persistView(out);
    }
}
