package dev.viewstamp.storage;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.storage.Journal.Fault;
import dev.viewstamp.storage.Journal.Layout;
import dev.viewstamp.storage.Journal.Recovery;
import java.util.ArrayList;
import java.util.List;

/**
 * The second half of journal recovery ({@link Journal#recover}): from every slot as the
 * {@link SlotClassifier} found it, the log the superblock names, the faults in it, and the highest
 * op that may have been acknowledged.
 */
final class LogRebuild {

    private LogRebuild() {}

    /**
     * Rebuilds the log the superblock names: back from its head by parent checksums down to the
     * checkpoint it names (or to the cluster's root without one), then forward with records
     * written after it, up to the last op the ring may hold. A log change may cut the log back
     * below the checkpoint (its anchor lies in the committed prefix, which the checkpoint holds),
     * and a replica runs on past its last log change: the log then starts at the checkpoint.
     *
     * <p>Every op this reads lies in the live window (checkpoint, checkpoint + slotCount], which
     * maps one to one onto the slots ({@link RingWindow}), and the classifier rests a slot on no
     * header of another lap: so a slot's header, when there is one, is the header of the window's
     * op there, and a slot that does not hold the op the walk expects holds nothing of it.
     */
    static Recovery rebuild(SlotClassifier.Slot[] slots, Layout layout, Superblock.State superblock) {
        CheckpointReference checkpoint = superblock.checkpoint();
        long anchorOp = checkpoint.op();
        long rootChecksum = OpLog.rootChecksum(superblock.clusterId());
        long anchorChecksum = checkpoint.present() ? checkpoint.entryChecksum() : rootChecksum;
        long head = Math.max(superblock.logHeadOp(), anchorOp);
        long headChecksum = superblock.logHeadOp() < anchorOp ? anchorChecksum
                : superblock.logHeadOp() == 0 ? rootChecksum : superblock.logHeadChecksum();
        RingWindow window = new RingWindow(anchorOp, layout.slotCount());
        Check.that(head <= window.opMax(), "the superblock names no op beyond the ring's window", head, window.opMax());
        Chain chain = new Chain(anchorOp, head);
        walkBack(slots, layout, superblock, chain, headChecksum, anchorChecksum);

        // Forward from the head with records written after the superblock, to the window's end.
        long parent = headChecksum;
        long op = head + 1;
        int slotCount = layout.slotCount();
        List<Fault> faults = chain.faults;
        List<Long> checksums = chain.checksums;
        List<Entry> entries = chain.entries;
        for (; op <= window.opMax(); op++) {
            SlotClassifier.Slot slot = slots[SlotClassifier.slotOf(op, slotCount)];
            if (slot.header() == null || slot.header().op() != op || slot.header().parent() != parent
                    || slot.header().sequence() <= superblock.journalSequence()) {
                break;
            }
            checksums.add(slot.header().entryChecksum());
            entries.add(slot.entry());
            if (slot.entry() == null) {
                faults.add(new Fault(Fault.Kind.REPAIR, op, slot.header().entryChecksum(), "slot " + slot.slot() + ": "
                        + slot.detail()));
            }
            parent = slot.header().entryChecksum();
        }
        long headOp = op - 1;

        // A redundant header written after the superblock for an op past the break means the break
        // is damage, not a torn tail: that header went out only once its prepare was durable, so
        // ops from the break on may have been acknowledged. (A prepare alone proves nothing: it may
        // be a write that survived a crash without ever being synced.) An unreadable header may
        // have been such a proof, so its slot counts too.
        long writtenOpMax = headOp;
        SlotClassifier.Slot evidence = null;
        for (SlotClassifier.Slot slot : slots) {
            long acknowledged = acknowledgedOpMax(slot, superblock.journalSequence(), window);
            if (acknowledged > writtenOpMax) {
                writtenOpMax = acknowledged;
                evidence = slot;
            }
        }
        if (evidence != null) {
            String holds = evidence.headerCopy() == SlotClassifier.HeaderCopy.VALID
                    ? " holds op " + writtenOpMax + ", written after the superblock,"
                    : " has an unreadable copy and may hold op " + writtenOpMax + " (" + evidence.detail() + "),";
            faults.add(new Fault(Fault.Kind.DAMAGED_SUFFIX, headOp + 1, 0, "slot " + evidence.slot() + holds
                    + " beyond the break at op " + (headOp + 1)));
        }
        long[] checksumArray = checksums.stream().mapToLong(Long::longValue).toArray();
        return new Recovery(anchorOp, headOp, checksumArray, entries.toArray(Entry[]::new), List.copyOf(faults),
                List.of(slots), writtenOpMax);
    }

    /** The log being rebuilt: ops {@code anchorOp + 1} on, their checksums and intact entries, and the faults found. */
    private static final class Chain {
        final long anchorOp;
        final List<Long> checksums = new ArrayList<>();
        final List<Entry> entries = new ArrayList<>();
        final List<Fault> faults = new ArrayList<>();

        Chain(long anchorOp, long headOp) {
            this.anchorOp = anchorOp;
            for (long op = anchorOp; op < headOp; op++) {
                checksums.add(0L);
                entries.add(null);
            }
        }

        int index(long op) {
            return (int) (op - anchorOp - 1);
        }
    }

    /**
     * Back from the head (whose entry has {@code headChecksum}) by parent checksums, down to the
     * chain's anchor. Within the suffix of the last log change the superblock's own headers say
     * what each op must be, even where its slot was never written. Below a checkpoint nothing is
     * read: the walk must arrive at the checkpoint's entry ({@code anchorChecksum}).
     */
    private static void walkBack(SlotClassifier.Slot[] slots, Layout layout, Superblock.State superblock, Chain chain,
            long headChecksum, long anchorChecksum) {
        long head = chain.anchorOp + chain.checksums.size();
        long suffixFirstOp = superblock.logHeadOp() - superblock.suffix().size() + 1;
        long expected = headChecksum;
        for (long op = head; op > chain.anchorOp; op--) {
            SlotClassifier.Slot slot = slots[SlotClassifier.slotOf(op, layout.slotCount())];
            boolean slotMatches = slot.header() != null && slot.header().op() == op
                    && slot.header().entryChecksum() == expected;
            EntryCodec.Header known = slotMatches ? slot.header()
                    : op >= suffixFirstOp ? superblock.suffix().get((int) (op - suffixFirstOp)) : null;
            if (known == null || known.entryChecksum() != expected) {
                chain.faults.add(new Fault(Fault.Kind.BROKEN_CHAIN, op, expected, "slot " + slot.slot()
                        + " does not hold op " + op + " with the expected checksum (" + slot.decision() + ")"));
                return;
            }
            chain.checksums.set(chain.index(op), expected);
            if (slotMatches && slot.entry() != null) {
                chain.entries.set(chain.index(op), slot.entry());
            } else {
                chain.faults.add(new Fault(Fault.Kind.REPAIR, op, expected, "slot " + slot.slot() + ": "
                        + (slotMatches ? slot.detail() : "not yet written for the superblock's log change")));
            }
            expected = known.parent();
        }
        if (chain.anchorOp > 0 && expected != anchorChecksum) {
            // Never from a crash or a fault the checksums miss: a log change never replaces the
            // committed entry a checkpoint was taken at.
            chain.faults.add(new Fault(Fault.Kind.BROKEN_CHAIN, chain.anchorOp, anchorChecksum,
                    "the log after the checkpoint at op " + chain.anchorOp + " does not chain to its entry "
                            + Long.toHexString(anchorChecksum)));
        }
    }

    /**
     * The highest op that {@code slot} shows may have been acknowledged since the superblock (whose
     * journal sequence is {@code journalSequence}) was written, or 0 when it shows none.
     *
     * <ul>
     *   <li>An intact redundant header written after the superblock proves its op durable (rule 5),
     *       unless a newer prepare has replaced it since.
     *   <li>An unreadable redundant header may have been such a proof, so the op of an intact
     *       prepare written after the superblock under it may have been acknowledged.
     *   <li>A slot whose copies are both damaged, one of them unreadable (LOST), may hold an
     *       acknowledged op, of any sequence: the one op of the live {@code window} in that slot
     *       (any other op it may have held is one of an earlier lap, which the checkpoint covers).
     * </ul>
     *
     * A header the classifier rests the slot on is always of the window's op there: one of an
     * earlier lap, written after the superblock or not, proves nothing about the live log.
     */
    static long acknowledgedOpMax(SlotClassifier.Slot slot, long journalSequence, RingWindow window) {
        if (slot.decision() == SlotClassifier.Decision.LOST) return window.op(slot.slot());
        EntryCodec.Header header = slot.header();
        boolean afterSuperblock = header != null && header.sequence() > journalSequence;
        return switch (slot.headerCopy()) {
            case VALID -> afterSuperblock && slot.relation() != SlotClassifier.Relation.PREPARE_NEWER ? header.op() : 0;
            case UNREADABLE -> afterSuperblock ? header.op() : 0;
            case EMPTY, MISDIRECTED, INVALID -> 0;
        };
    }
}
