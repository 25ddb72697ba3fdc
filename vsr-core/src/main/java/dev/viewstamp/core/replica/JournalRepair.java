package dev.viewstamp.core.replica;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.NewState;
import java.util.List;

/**
 * Repair of a journal that came back damaged from a crash (docs/STORAGE.md; protocol-aware
 * recovery in our own form): holes filled by op and checksum from peers.
 */
final class JournalRepair extends SubProtocol {

    JournalRepair(ProtocolState s) {
        super(s);
    }

    // protocol-aware recovery, Alagappan et al., FAST 2018, in our own form).

    /**
     * The log is about to become another chain than the journal held (a newer view's log, the
     * chosen log, or entries merged in catch-up): the repair of the journal's chain ends. The
     * damage stays until that log makes it whole.
     */
    void abandon() {
        s.repair = null;
    }

    /**
     * A log that may lack any op and has no journal chain to repair (a replica that recovered from
     * a lost disk): the repair timer asks its view's primary for the whole log.
     */
    void startFromNothing() {
        s.damagedOpMax = ProtocolState.DAMAGED_ALL;
        awaitWholeLog();
    }

    /**
     * A damaged log with no journal chain to repair (after a lost disk, or a checkpoint installed
     * over acknowledged ops): the repair timer asks the view's primary for its whole log.
     */
    void awaitWholeLog() {
        s.repairTimeout.start(s.now, 1);
    }

    /** Loads the intact prefix of a damaged log and starts filling the rest from peers. */
    void startRepair(Replica.Damage damage) {
        s.damagedOpMax = damage.opMax();
        s.repair = new LogUnderRepair(damage, s.replicaIndex);
        repairAdvance(null);
        s.repairTimeout.start(s.now, 1);
    }

    void onRepairTimeout(Output out) {
        if (!s.logDamaged()) return;
        s.repairTimeout.start(s.now, s.config.stateTransferRetransmitTicks());
        if (s.repair != null && s.repair.requestsWithoutProgress >= 2 * s.config.replicaCount()) {
            // No peer holds what is missing: those entries were never committed and have been
            // replaced. Give up the journal's chain (the log stays damaged), so the replica takes
            // part in view changes again and is made whole by the next view's log.
            s.repair = null;
            if (s.viewPersisted < s.view) s.persistView(out);
        }
        if (s.repair != null) {
            if (s.log.op() < s.repair.headOp) requestRepair(out);
            else finishRepairIfDone(out);
            Check.that(s.repairTimeout.running() || !s.logDamaged(), "a damaged log keeps being repaired");
        } else if (s.status == Status.NORMAL && !s.isPrimary() && s.catchUpView == ProtocolState.CATCH_UP_NONE) {
            // Whole as far as the journal knows, but it may have lost acknowledged ops beyond:
            // only the whole log of our view's primary (or a newer view's log) settles that.
            transfer.startCatchUp(s.view, s.config.primaryIndex(s.view), out);
        }
    }

    /**
     * Asks the next peer for the lowest missing run of entries, named by the checksum of its last
     * entry. Below a broken chain that is the lowest op whose checksum is known, so the chain is
     * rebuilt downwards, a batch at a time.
     */
    void requestRepair(Output out) {
        long missing = s.log.op() + 1;
        long toOp;
        long fromOp;
        if (missing < s.repair.knownFromOp) {
            toOp = s.repair.knownFromOp;
            fromOp = Math.max(missing - 1, toOp - s.config.stateTransferOpsMax());
        } else {
            toOp = missing;
            while (toOp < s.repair.headOp && s.repair.entry(toOp + 1) == null
                    && toOp - missing + 1 < s.config.stateTransferOpsMax()) {
                toOp++;
            }
            fromOp = missing - 1;
        }
        s.repair.requestsWithoutProgress++;
        s.repair.peer = s.peerAfter(s.repair.peer);
        if (s.repair.peer != s.replicaIndex) {
            out.send(s.repair.peer, new GetEntries(fromOp, toOp, s.repair.checksum(toOp), s.replicaIndex));
        }
    }

    /** Any replica that holds the entry asked for answers, whatever its status: the chain authenticates it. */
    void onGetEntries(GetEntries message, Output out) {
        if (ignoreGetEntries(message)) return;
        Check.that(message.toOp() <= s.log.op(), "the entry asked for is held", message.toOp(), s.log.op());
        Check.that(message.fromOp() < message.toOp(), "a range of at least one entry", message.fromOp(),
                message.toOp());

        List<Entry> entries = s.log.slice(message.fromOp(), message.toOp());
        out.send(message.replica(), new Entries(entries, s.replicaIndex));
        Check.that(entries.get(entries.size() - 1).checksum() == message.toChecksum(), "the entry asked for, by checksum");
    }

    boolean ignoreGetEntries(GetEntries message) {
        if (message.replica() == s.replicaIndex) return s.ignore("get_entries: from ourselves", message);
        if (message.fromOp() < 0) return s.ignore("get_entries: bad range", message);
        if (message.fromOp() < s.log.anchorOp()) return s.ignore("get_entries: compacted by our checkpoint", message);
        if (message.toOp() <= message.fromOp()) return s.ignore("get_entries: bad range", message);
        if (message.toOp() - message.fromOp() > s.config.stateTransferOpsMax()) {
            return s.ignore("get_entries: bad range", message);
        }
        if (!s.log.holds(message.toOp(), message.toChecksum())) {
            return s.ignore("get_entries: we do not hold that entry", message);
        }
        return false;
    }

    void onEntries(Entries message, Output out) {
        if (ignoreEntries(message)) return;
        Check.that(s.repair != null, "entries only fill a repair");
        Check.that(s.logDamaged(), "a repair only while damaged");

        s.repair.requestsWithoutProgress = 0;
        List<Entry> entries = message.entries();
        for (Entry entry : entries) {
            Entry held = s.repair.entry(entry.op());
            if (held == null || held.checksum() != entry.checksum()) s.repair.fillFromPeer(entry);
            s.repair.knowChecksum(entry.op(), entry.checksum());
        }
        long fromOp = entries.get(0).op() - 1;
        if (fromOp > s.repair.anchorOp) s.repair.knowChecksum(fromOp, entries.get(0).parent());
        s.repair.knownFromOp = Math.min(s.repair.knownFromOp, Math.max(s.repair.anchorOp + 1, fromOp));
        s.repair.extendKnownDown();
        repairAdvance(out);
        if (s.repair != null) {
            Check.that(s.log.op() <= s.repair.headOp, "a repair stays within the journal's log", s.log.op(), s.repair.headOp);
        }
    }

    boolean ignoreEntries(Entries message) {
        if (s.repair == null) return s.ignore("entries: nothing to repair", message);
        List<Entry> entries = message.entries();
        if (entries.isEmpty()) return s.ignore("entries: empty", message);
        Entry last = entries.get(entries.size() - 1);
        long firstOp = entries.get(0).op();
        if (firstOp <= s.repair.anchorOp || last.op() > s.repair.headOp || last.op() < s.repair.knownFromOp) {
            return s.ignore("entries: not what we asked for", message);
        }
        if (last.checksum() != s.repair.checksum(last.op())) return s.ignore("entries: not our chain", message);
        if (!ProtocolState.chainValid(entries.get(0).parent(), firstOp - 1, entries)) {
            return s.ignore("entries: do not chain", message);
        }
        if (firstOp == s.repair.anchorOp + 1 && s.log.anchorOp() <= s.repair.anchorOp
                && entries.get(0).parent() != s.log.checksumAt(s.repair.anchorOp)) {
            return s.ignore("entries: do not chain to our anchor (another cluster's root, or another checkpoint)",
                    message);
        }
        return false;
    }

    /**
     * Appends the entries that now continue the intact prefix. Those a peer sent are written to the
     * journal; those our journal held were durable all along. {@code out} is null at construction,
     * where only the journal's own entries can be appended.
     */
    void repairAdvance(Output out) {
        long before = s.log.op();
        while (s.log.op() < s.repair.headOp) {
            long op = s.log.op() + 1;
            Entry entry = s.repair.entry(op);
            if (op < s.repair.knownFromOp || entry == null || entry.checksum() != s.repair.checksum(op)
                    || !s.log.chains(entry)) break;
            if (s.repair.fromPeer(op)) {
                if (out == null) break;
                s.log.append(entry);
                out.persistPrepare(entry);
                s.repairedEntryCount++;
            } else {
                s.log.append(entry);
                if (s.opDurable == op - 1) s.opDurable = op;
            }
        }
        if (s.log.op() > before) s.repair.requestsWithoutProgress = 0;
        if (out != null) finishRepairIfDone(out);
    }

    /**
     * The journal's whole log is back and durable: when it reaches every op the replica may have
     * acknowledged, the replica is whole again and says so durably; otherwise it waits for a
     * primary's whole log.
     */
    void finishRepairIfDone(Output out) {
        if (s.repair == null || s.log.op() < s.repair.headOp || s.opDurable < s.repair.headOp) return;
        s.repair = null;
        if (s.log.op() >= s.damagedOpMax) s.damagedOpMax = -1;
        s.persistView(out);
    }

    /**
     * A complete same-view NewState from the primary of our view, in answer to a request of this
     * process, now merged: our log is that primary's whole log as of after our restart, which holds
     * every op it ever sent us, so nothing we acknowledged in this view is missing.
     */
    void clearDamageIfWholeFromPrimary(NewState message, Output out) {
        if (!message.complete() || message.replica() != s.config.primaryIndex(s.view)) return;
        // A delayed answer to a request sent before the crash may predate acknowledgements the
        // damaged log lost; only an answer to this process's request is sure to hold them.
        if (message.nonce() != s.requestNonce) return;
        long lastOp = message.fromOp() + message.entries().size();
        long lastChecksum = message.entries().isEmpty() ? message.anchorChecksum()
                : message.entries().get(message.entries().size() - 1).checksum();
        if (lastOp != message.op() || s.log.op() != lastOp || !s.log.holds(lastOp, lastChecksum)) return;
        s.damagedOpMax = -1;
        s.repair = null;
        s.persistView(out);
    }
}
