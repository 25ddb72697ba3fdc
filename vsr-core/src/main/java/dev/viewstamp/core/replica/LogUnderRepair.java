package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import java.util.BitSet;

/**
 * A damaged log being filled: the chain it must become, and what is known of it. It covers ops
 * {@code anchorOp + 1 .. headOp}; the log below is the checkpoint's (or nothing, at anchor 0).
 */
final class LogUnderRepair {
    final long anchorOp;
    final long headOp;
    private final long[] checksums;
    private final Entry[] entries;
    /** Ops whose body came from a peer, so must be written before it counts as durable (bit op - anchorOp). */
    private final BitSet fromPeer = new BitSet();
    long knownFromOp;
    int peer;
    /** Requests sent since the log last grew; after asking every peer twice, the target is given up. */
    int requestsWithoutProgress;

    LogUnderRepair(Replica.Damage damage, int replicaIndex) {
        anchorOp = damage.anchorOp();
        headOp = damage.headOp();
        checksums = damage.checksums();
        entries = damage.entries();
        knownFromOp = damage.knownFromOp();
        peer = replicaIndex;
    }

    private int index(long op) {
        return (int) (op - anchorOp - 1);
    }

    Entry entry(long op) { return entries[index(op)]; }
    long checksum(long op) { return checksums[index(op)]; }

    /** A peer sent the entry at its op: it must be written before it counts as durable. */
    void fillFromPeer(Entry entry) {
        entries[index(entry.op())] = entry;
        fromPeer.set(index(entry.op()) + 1);
    }

    void knowChecksum(long op, long checksum) {
        checksums[index(op)] = checksum;
    }

    boolean fromPeer(long op) {
        return fromPeer.get(index(op) + 1);
    }

    /** Extends the known checksums down through intact entries whose own checksum is now known. */
    void extendKnownDown() {
        while (knownFromOp > anchorOp + 1) {
            Entry entry = entry(knownFromOp);
            if (entry == null) return;
            if (entry.checksum() != checksum(knownFromOp)) {
                entries[index(knownFromOp)] = null; // a stale record in that slot, not this chain's
                return;
            }
            checksums[index(knownFromOp - 1)] = entry.parent();
            knownFromOp--;
        }
    }
}
