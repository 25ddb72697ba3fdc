package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.CrashVectors;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.StartViewChange;

/**
 * Incarnations and crash vectors: what each replica knows of every replica's incarnation, and
 * discarding votes and acknowledgements of older ones.
 */
final class Incarnations extends SubProtocol {

    Incarnations(ProtocolState s) {
        super(s);
    }

    /**
     * A replica that learned a newer incarnation of itself (from a vote or a Commit that carried
     * one an unfinished recovery of its announced) makes it durable, so that its acknowledgements,
     * which carry the durable one, count again (review 4, finding 1).
     */
    void persistIncarnationIfLearned(Output out) {
        if (s.crashVector[s.replicaIndex] <= s.crashVectorDurable[s.replicaIndex]
                || s.status == Status.RECOVERING) return;
        if (!s.incarnationBeingWritten(s.replicaIndex, s.crashVector[s.replicaIndex])) s.persistView(out);
    }

    /** Learns newer incarnations, and forgets the votes and acknowledgements of the older ones. */
    void mergeCrashVector(long[] other) {
        if (other == null || other.length != s.crashVector.length) return;
        for (int r = 0; r < s.crashVector.length; r++) learnIncarnation(r, other[r]);
    }

    void learnIncarnation(int replica, long incarnation) {
        if (incarnation <= s.crashVector[replica]) return;
        if (replica == s.replicaIndex) {
            // An earlier recovery of ours that never finished announced a higher incarnation to
            // a replica our finished one missed. That incarnation never voted or acknowledged;
            // take the next above it, so nothing of ours is discarded as older (review 2).
            s.crashVector[replica] = incarnation + 1;
            return;
        }
        s.crashVector[replica] = incarnation;
        // What its older incarnation voted and acknowledged no longer counts.
        viewChange.forgetVotesOf(replica);
        normal.forgetAcknowledgementsOf(replica);
    }

    /** Merges what the message says of incarnations; true when it comes from an older incarnation of its sender. */
    boolean staleIncarnation(Message message) {
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
                if (sender >= 0 && sender < s.crashVector.length) learnIncarnation(sender, incarnation);
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
        if (sender < 0 || sender >= s.crashVector.length || incarnation >= s.crashVector[sender]) return false;
        return s.ignore("from an older incarnation of replica " + sender, message);
    }

    /** The crash vector for an outgoing vote: null while nobody ever recovered, as in a cluster that never lost a disk. */
    long[] crashVectorToSend() {
        for (long incarnation : s.crashVector) if (incarnation != 0) return s.crashVector.clone();
        return null;
    }
}
