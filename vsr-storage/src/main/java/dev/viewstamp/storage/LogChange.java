package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Output;
import java.util.ArrayList;
import java.util.List;

/**
 * One log change on its way to durability ({@link ReplicaStorage#persistState}; docs/STORAGE.md,
 * rule 2), and how far it got. It runs at its turn in the storage's queue, one step at a time
 * from where it stands:
 *
 * <ol>
 *   <li>{@link Step#START}: when the change cuts the log back, a first superblock cuts it to the
 *       anchor in the log view the replica still had; a change with no suffix is named at once.
 *   <li>{@link Step#SUFFIX}: the suffix entries go to their slots, then one sync.
 *   <li>{@link Step#NAME}: a superblock names the new head, views and suffix headers.
 *   <li>{@link Step#HEADERS}: the suffix's redundant headers, then one sync; then the storage
 *       reports the change durable.
 * </ol>
 *
 * Entries reach their slots before the superblock that names them, so a crash never leaves the
 * new log with holes; the cut-back superblock names the old log view, so that a crash while the
 * new entries land leaves that shorter log (the cut entries were never committed, or the new log
 * would hold them), extended at most by new entries that chain to it. A crash at any point thus
 * leaves the old log, the old log cut back (possibly extended by new entries that chain to it), or
 * the new log, never one with holes.
 *
 * <p>A full disk can stop it at any write; {@link ReplicaStorage#resume} then continues from the
 * step that failed, never from the top: once the superblock names the new log, running the change
 * again would take the new log for the old one and cut it back in the new log view (seed
 * 320020279 lost committed op 28 that way).
 */
final class LogChange implements ReplicaStorage.Pending {

    /** The steps of a log change, in order; each is done once, and a resumed change starts at the one that failed. */
    enum Step {
        /** Nothing written yet: decide whether to cut back first. */
        START,
        /** Writing the suffix entries to their slots, then one sync. */
        SUFFIX,
        /** Entries durable: the superblock names the new log. */
        NAME,
        /** The new log is named: its redundant headers, then one sync. */
        HEADERS
    }

    private final ReplicaStorage storage;
    private final Output.ReplicaState state;
    private final long anchorOp;
    private final long anchorChecksum;
    private final List<Entry> suffix;
    private Step step = Step.START;
    /** Suffix entries written so far, the first with journal sequence {@code firstSequence}. */
    private int written;
    private long firstSequence;

    LogChange(ReplicaStorage storage, Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        this.storage = storage;
        this.state = state;
        this.anchorOp = anchorOp;
        this.anchorChecksum = anchorChecksum;
        this.suffix = suffix;
    }

    private long headOp() {
        return anchorOp + suffix.size();
    }

    private long headChecksum() {
        return suffix.isEmpty() ? anchorChecksum : suffix.get(suffix.size() - 1).checksum();
    }

    /** Runs the change's current step: the storage's queue reached it, or the step before completed. */
    void run() {
        switch (step) {
            case START -> {
                if (suffix.isEmpty()) {
                    writeSuperblock(state, headOp(), headChecksum(), carriedSuffix(headOp(), headChecksum()),
                            this::complete);
                } else if (anchorOp < storage.logHeadOp()) {
                    // The superblock still names the old log, so the cut-back names the old log view.
                    writeSuperblock(cutBack(state), anchorOp, anchorChecksum, carriedSuffix(anchorOp, anchorChecksum),
                            () -> advance(Step.SUFFIX));
                } else {
                    advance(Step.SUFFIX);
                }
            }
            case SUFFIX -> {
                if (written == suffix.size()) {
                    storage.syncJournal(() -> advance(Step.NAME));
                    return;
                }
                storage.appendToJournal(suffix.get(written), () -> {
                    if (written == 0) firstSequence = storage.journalSequence();
                    written++;
                    run();
                });
            }
            case NAME -> writeSuperblock(state, headOp(), headChecksum(), suffixHeaders(), () -> advance(Step.HEADERS));
            case HEADERS -> storage.writeHeaders(suffix, firstSequence, 0, this::complete);
        }
    }

    /**
     * Forgets how far the change got, so that {@link ReplicaStorage#resume} runs it from the top:
     * the bug {@link dev.viewstamp.core.replica.Canary#RESUME_LOG_CHANGE_FROM_START} plants. Tests only.
     */
    void startOverForCanary() {
        step = Step.START;
        written = 0;
    }

    private void advance(Step next) {
        Check.that(next.ordinal() > step.ordinal(), "a log change only moves forward", next.ordinal(), step.ordinal());
        step = next;
        run();
    }

    /** The headers of the suffix as its records carry them, for the superblock that names it. */
    private List<EntryCodec.Header> suffixHeaders() {
        long clusterId = storage.superblock().clusterId();
        List<EntryCodec.Header> headers = new ArrayList<>();
        for (int i = 0; i < suffix.size(); i++) {
            byte[] record = EntryCodec.encode(suffix.get(i), clusterId, firstSequence + i);
            try {
                headers.add(EntryCodec.decodeHeader(record, 0, clusterId, Integer.MAX_VALUE));
            } catch (CodecException e) {
                throw new AssertionError("a header we just encoded does not decode", e);
            }
        }
        return headers;
    }

    /** The current superblock's suffix headers up to {@code headOp}, when they end at that very entry. */
    private List<EntryCodec.Header> carriedSuffix(long headOp, long headChecksum) {
        List<EntryCodec.Header> carried = new ArrayList<>();
        for (EntryCodec.Header header : storage.superblock().suffix()) if (header.op() <= headOp) carried.add(header);
        if (carried.isEmpty()) return carried;
        EntryCodec.Header last = carried.get(carried.size() - 1);
        return last.op() == headOp && last.entryChecksum() == headChecksum ? carried : List.of();
    }

    /**
     * The state of the cut-back superblock: the new view and crash vector, but the log view and
     * damage the replica still has. The commit claim may be the new one: it names its entry, and
     * a restart trusts it only for a log that holds that entry.
     */
    private Output.ReplicaState cutBack(Output.ReplicaState next) {
        Superblock.State current = storage.superblock();
        return new Output.ReplicaState(next.view(), current.logView(), next.commitMax(), next.commitChecksum(),
                current.damagedOpMax(), next.crashVector());
    }

    private void writeSuperblock(Output.ReplicaState named, long headOp, long headChecksum,
            List<EntryCodec.Header> headers, Runnable then) {
        // The journal sequence covers every record written so far: anything older than it past the
        // new head is a leftover of a replaced log and never extends it.
        Superblock.State next = storage.superblock().successor().view(named.view()).logView(named.logView())
                .damagedOpMax(named.damagedOpMax()).crashVector(named.crashVector())
                .commit(named.commitMax(), named.commitChecksum()).logHead(headOp, headChecksum, headers)
                .journalSequence(storage.journalSequence()).build();
        storage.writeLogSuperblock(next, headOp, then);
    }

    private void complete() {
        storage.completeHead(listener -> listener.onStateDurable(state.view(), state.logView(), headOp(), headChecksum()));
    }
}
