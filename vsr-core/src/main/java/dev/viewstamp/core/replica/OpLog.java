package dev.viewstamp.core.replica;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The replica's log: entries for ops {@code anchorOp() + 1 .. op()}, contiguous, each chained to
 * its predecessor by checksum. The anchor is the op the log starts after: op 0, a virtual root
 * whose checksum depends only on the cluster id (so the first entry of every log of a cluster
 * chains to the same root), or the op of a durable checkpoint the log was compacted to, whose
 * entry's checksum and timestamp it keeps (docs/CHECKPOINTS.md).
 *
 * <p>Invariant: for every op n in {@code anchorOp() + 1 .. op()}, {@code entry(n).op() == n} and
 * {@code entry(n).parent() == checksumAt(n - 1)}. It is checked on every append. Ops at or below
 * the anchor are not held: asking for their entries is a bug, and {@link #holds} says no.
 */
public final class OpLog {
    private final long rootChecksum;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long anchorOp;
    private long anchorChecksum;
    private long anchorTimestamp;

    OpLog(long clusterId) {
        this.rootChecksum = rootChecksum(clusterId);
        this.anchorChecksum = rootChecksum;
    }

    public static long rootChecksum(long clusterId) {
        return new Checksum().add(0x7673722d726f6f74L).add(clusterId).value();
    }

    /** The last op in the log; the anchor's op when no entry follows it (0 for an empty log). */
    public long op() {
        return anchorOp + entries.size();
    }

    /** The op the log starts after: 0, or the checkpoint it was compacted to. */
    public long anchorOp() {
        return anchorOp;
    }

    public Entry entry(long op) {
        Check.that(op > anchorOp, "entry op above the anchor", op, anchorOp);
        Check.that(op <= op(), "entry op in log", op, op());
        return entries.get((int) (op - anchorOp - 1));
    }

    /** The checksum of the entry at {@code op}; the anchor's checksum (the root's for op 0) at the anchor. */
    public long checksumAt(long op) {
        return op == anchorOp ? anchorChecksum : entry(op).checksum();
    }

    /** The timestamp of the last entry, or of the anchor's entry when none follows it (0 at the root). */
    public long lastTimestamp() {
        return entries.isEmpty() ? anchorTimestamp : entries.get(entries.size() - 1).timestamp();
    }

    /** True when this log holds an entry at {@code op} (or anchors at it) with checksum {@code checksum}. */
    public boolean holds(long op, long checksum) {
        return op >= anchorOp && op <= op() && checksumAt(op) == checksum;
    }

    /** True when {@code entry} can be appended: it is the next op and chains to the last entry. */
    public boolean chains(Entry entry) {
        return entry.op() == op() + 1 && entry.parent() == checksumAt(op());
    }

    void append(Entry entry) {
        Check.that(entry.op() == op() + 1, "append next op", entry.op(), op());
        Check.that(entry.parent() == checksumAt(op()), "append chains to last entry");
        entries.add(entry);
    }

    void truncateAfter(long op) {
        Check.that(op >= anchorOp, "truncate at or above the anchor", op, anchorOp);
        Check.that(op <= op(), "truncate within log", op, op());
        entries.subList((int) (op - anchorOp), entries.size()).clear();
    }

    /**
     * Drops the entries up to {@code op}, which becomes the anchor: a durable checkpoint covers
     * them. Costs the number of entries kept, once per checkpoint.
     */
    void compactTo(long op) {
        Check.that(op >= anchorOp, "compact forwards", op, anchorOp);
        Check.that(op <= op(), "compact within log", op, op());
        if (op == anchorOp) return;
        Entry anchor = entry(op);
        entries.subList(0, (int) (op - anchorOp)).clear();
        anchorOp = op;
        anchorChecksum = anchor.checksum();
        anchorTimestamp = anchor.timestamp();
        Check.that(op() >= anchorOp, "the log keeps the entries after the anchor", op(), anchorOp);
    }

    /**
     * Replaces the whole log by an anchor alone, at a checkpoint installed from elsewhere (a
     * restart's, or one fetched from a peer): the entry at {@code op} had {@code checksum} and
     * {@code timestamp}.
     */
    void resetTo(long op, long checksum, long timestamp) {
        Check.that(op >= 0, "an anchor is an op", op, 0);
        entries.clear();
        anchorOp = op;
        anchorChecksum = op == 0 ? rootChecksum : checksum;
        anchorTimestamp = op == 0 ? 0 : timestamp;
    }

    /** Entries {@code fromOp + 1 .. toOp} (inclusive), as an immutable list. */
    public List<Entry> slice(long fromOp, long toOp) {
        Check.that(fromOp >= anchorOp, "slice from at or above the anchor", fromOp, anchorOp);
        Check.that(fromOp <= toOp, "slice from before its end", fromOp, toOp);
        Check.that(toOp <= op(), "slice within log", toOp, op());
        return List.copyOf(entries.subList((int) (fromOp - anchorOp), (int) (toOp - anchorOp)));
    }

    /**
     * Replaces everything after {@code afterOp} with {@code suffix}, which must chain to the entry
     * at {@code afterOp}. Returns the first op whose entry changed (or {@code op() + 1} when the
     * log is unchanged), so the caller knows how much of its durable log is still valid.
     */
    long replaceAfter(long afterOp, List<Entry> suffix) {
        long firstChanged = afterOp + 1;
        int i = 0;
        // Keep the common prefix: entries that already match need no rewrite.
        while (i < suffix.size() && firstChanged <= op() && entry(firstChanged).checksum() == suffix.get(i).checksum()) {
            firstChanged++;
            i++;
        }
        // The new log ends where the suffix ends: what we hold beyond it goes, and the rest of the
        // suffix is appended (when the suffix matched entirely, nothing is, and nothing beyond it
        // changes: firstChanged is then op() + 1).
        truncateAfter(firstChanged - 1);
        for (; i < suffix.size(); i++) append(suffix.get(i));
        return firstChanged;
    }
}
