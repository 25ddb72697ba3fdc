package dev.viewstamp.sim;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One replica's simulated durable storage for scripted scenarios, behind the core's durability
 * port: memory, with writes that complete in issue order after a drawn latency; a crash loses
 * every write that has not completed and keeps every one that has. (The simulator's seeds run the
 * real journal and superblock instead: {@link SimReplicaDisk}.)
 */
final class SimStorage {
    private static final Output.ReplicaState FORMATTED = new Output.ReplicaState(0, 0, 0, 0, -1, new long[0]);

    /** A write waiting for completion: a single prepare, or a log change with its state. */
    record Write(long completeTick, Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix,
            Entry prepare) {

        long lastOp() {
            if (prepare != null) return prepare.op();
            return suffix.isEmpty() ? anchorOp : suffix.get(suffix.size() - 1).op();
        }

        long lastChecksum() {
            if (prepare != null) return prepare.checksum();
            return suffix.isEmpty() ? anchorChecksum : suffix.get(suffix.size() - 1).checksum();
        }

        /** Tells {@code replica} that this write completed, through the matching durability callback. */
        void reportTo(Replica replica, Output out) {
            if (prepare != null) replica.onPrepareDurable(lastOp(), lastChecksum(), out);
            else replica.onStateDurable(state.view(), state.logView(), lastOp(), lastChecksum(), out);
        }
    }

    /** The state the last completed log change recorded. */
    private Output.ReplicaState state = FORMATTED;
    private boolean lost;
    private final ArrayList<Entry> log = new ArrayList<>();
    /** The pipeline depth this storage was "formatted" with, handed back at every restart. */
    private final int pipelinePrepareCountMax;

    SimStorage(int pipelinePrepareCountMax) {
        this.pipelinePrepareCountMax = pipelinePrepareCountMax;
    }
    private final ArrayDeque<Write> pending = new ArrayDeque<>();

    void appendPrepare(long completeTick, Entry entry) {
        pending.addLast(new Write(Math.max(completeTick, lastPendingTick()), null, 0, 0, null, entry));
    }

    void persistState(long completeTick, Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        pending.addLast(new Write(Math.max(completeTick, lastPendingTick()), state, anchorOp, anchorChecksum, suffix, null));
    }

    private long lastPendingTick() {
        return pending.isEmpty() ? 0 : pending.peekLast().completeTick();
    }

    /** The next write due at {@code now}, applied to the durable state; null when none is due. */
    Write complete(long now) {
        Write write = pending.peekFirst();
        if (write == null || write.completeTick() > now) return null;
        pending.pollFirst();
        if (write.prepare() != null) {
            if (write.prepare().op() <= log.size()) {
                // A repaired entry (see restartWith): this model's log never lost it.
                Check.that(log.get((int) write.prepare().op() - 1).checksum() == write.prepare().checksum(),
                        "a repair writes the entry the log holds");
            } else {
                // The core only appends the op after the last one it has written.
                Check.that(write.prepare().op() == log.size() + 1, "durable append is the next op");
                log.add(write.prepare());
            }
        } else {
            Check.that(write.anchorOp() <= log.size(), "durable anchor within the log");
            while (log.size() > write.anchorOp()) log.remove(log.size() - 1);
            log.addAll(write.suffix());
            state = write.state();
            lost = false;
        }
        return write;
    }

    /** True while some write has not completed. */
    boolean writing() {
        return !pending.isEmpty();
    }

    /** The disk is gone: a restart finds nothing and must recover from the cluster. */
    void lose() {
        crash();
        log.clear();
        state = FORMATTED;
        lost = true;
    }

    /** A crash: every write not yet complete is lost. */
    void crash() {
        pending.clear();
    }

    /**
     * What a restart reads. This model never damages what it holds, but it keeps the core's
     * damage: a log the core said was damaged comes back damaged as far as it said.
     */
    Replica.Durable durable() {
        if (lost) {
            return new Replica.Durable(0, 0, List.of(), null, null, true, 0, 0, pipelinePrepareCountMax);
        }
        long[] crashVector = state == FORMATTED ? null : state.crashVector();
        if (state.damagedOpMax() < 0) {
            return new Replica.Durable(state.view(), state.logView(), log, null, crashVector, false, state.commitMax(),
                    state.commitChecksum(), pipelinePrepareCountMax);
        }
        long[] checksums = new long[log.size()];
        for (int i = 0; i < log.size(); i++) checksums[i] = log.get(i).checksum();
        return new Replica.Durable(state.view(), state.logView(), List.of(),
                new Replica.Damage(log.size(), 1, checksums, log.toArray(Entry[]::new),
                        Math.max(log.size(), state.damagedOpMax())), crashVector, false, state.commitMax(),
                state.commitChecksum(), pipelinePrepareCountMax);
    }
}
