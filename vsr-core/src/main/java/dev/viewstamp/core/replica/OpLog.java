package dev.viewstamp.core.replica;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The replica's log: entries for ops 1..{@link #op()}, contiguous, each chained to its
 * predecessor by checksum. Op 0 is a virtual root whose checksum depends only on the cluster id,
 * so the first entry of every log of a cluster chains to the same root.
 *
 * <p>Invariant: for every op n in 1..op, {@code entry(n).op() == n} and
 * {@code entry(n).parent() == checksumAt(n - 1)}. It is checked on every append.
 */
public final class OpLog {
    private final long rootChecksum;
    private final ArrayList<Entry> entries = new ArrayList<>();

    OpLog(long clusterId) {
        this.rootChecksum = rootChecksum(clusterId);
    }

    public static long rootChecksum(long clusterId) {
        return new Checksum().add(0x7673722d726f6f74L).add(clusterId).value();
    }

    /** The last op in the log; 0 when empty. */
    public long op() {
        return entries.size();
    }

    public Entry entry(long op) {
        Check.that(op >= 1, "entry op is positive", op, op());
        Check.that(op <= op(), "entry op in log", op, op());
        return entries.get((int) (op - 1));
    }

    /** The checksum of the entry at {@code op}; the root checksum for op 0. */
    public long checksumAt(long op) {
        return op == 0 ? rootChecksum : entry(op).checksum();
    }

    /** True when this log holds an entry at {@code op} with checksum {@code checksum}. */
    public boolean holds(long op, long checksum) {
        return op >= 0 && op <= op() && checksumAt(op) == checksum;
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
        Check.that(op >= 0, "truncate at or above the root", op, op());
        Check.that(op <= op(), "truncate within log", op, op());
        while (entries.size() > op) entries.remove(entries.size() - 1);
    }

    /** Entries {@code fromOp + 1 .. toOp} (inclusive), as an immutable list. */
    public List<Entry> slice(long fromOp, long toOp) {
        Check.that(fromOp >= 0, "slice from at or above the root", fromOp, toOp);
        Check.that(fromOp <= toOp, "slice from before its end", fromOp, toOp);
        Check.that(toOp <= op(), "slice within log", toOp, op());
        return List.copyOf(entries.subList((int) fromOp, (int) toOp));
    }

    /**
     * Replaces everything after {@code anchorOp} with {@code suffix}, which must chain to the entry
     * at {@code anchorOp}. Returns the first op whose entry changed (or {@code op() + 1} when the
     * log is unchanged), so the caller knows how much of its durable log is still valid.
     */
    long replaceAfter(long anchorOp, List<Entry> suffix) {
        long firstChanged = anchorOp + 1;
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
