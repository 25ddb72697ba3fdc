package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import java.util.BitSet;

/** A damaged log being filled: the chain it must become, and what is known of it. */
final class LogUnderRepair {
    final long headOp;
    final long[] checksums;
    final Entry[] entries;
    /** Ops whose body came from a peer, so must be written before it counts as durable. */
    final BitSet fromPeer = new BitSet();
    long knownFromOp;
    int peer;
    /** Requests sent since the log last grew; after asking every peer twice, the target is given up. */
    int requestsWithoutProgress;

    LogUnderRepair(Replica.Damage damage, int replicaIndex) {
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
