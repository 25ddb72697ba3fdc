package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.service.StateMachine;
import java.util.ArrayList;
import java.util.List;

/** An {@link Output} that records every effect of a replica's steps, in order, for tests to inspect. */
final class RecordingOutput implements Output {

    sealed interface Event {}

    record Sent(int replica, Message message) implements Event {}

    record Replied(Reply reply) implements Event {}

    record PersistedPrepare(Entry entry) implements Event {}

    record PersistedState(long view, long logView, long anchorOp, long anchorChecksum, List<Entry> suffix,
            long damagedOpMax) implements Event {

        PersistedState(long view, long logView, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            this(view, logView, anchorOp, anchorChecksum, suffix, -1);
        }

        /** The last op the write covers: the last of its suffix, or its anchor. */
        long lastOp() {
            return suffix.isEmpty() ? anchorOp : suffix.get(suffix.size() - 1).op();
        }

        long lastChecksum() {
            return suffix.isEmpty() ? anchorChecksum : suffix.get(suffix.size() - 1).checksum();
        }
    }

    record PersistedCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) implements Event {}

    record ServedSyncChunk(int to, long checkpointOp, long identity, long offset) implements Event {}

    record StagedSyncChunk(long checkpointOp, long offset, byte[] bytes) implements Event {}

    record AskedInstall(long checkpointOp, long identity, long sizeBytes, long fileChecksum, ReplicaState state)
            implements Event {}

    final List<Event> events = new ArrayList<>();

    @Override
    public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        events.add(new PersistedCheckpoint(checkpoint, snapshot));
    }

    @Override
    public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
        events.add(new ServedSyncChunk(to, checkpointOp, identity, offset));
    }

    @Override
    public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
        events.add(new StagedSyncChunk(checkpointOp, offset, bytes.clone()));
    }

    @Override
    public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, ReplicaState state) {
        events.add(new AskedInstall(checkpointOp, identity, sizeBytes, fileChecksum, state));
    }

    @Override
    public void send(int replica, Message message) {
        events.add(new Sent(replica, message));
    }

    @Override
    public void reply(Reply reply) {
        events.add(new Replied(reply));
    }

    @Override
    public void persistPrepare(Entry entry) {
        events.add(new PersistedPrepare(entry));
    }

    @Override
    public void persistState(ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        events.add(new PersistedState(state.view(), state.logView(), anchorOp, anchorChecksum, List.copyOf(suffix),
                state.damagedOpMax()));
    }

    void clear() {
        events.clear();
    }

    /** Every message of {@code type} sent, in order. */
    <T extends Message> List<T> sent(Class<T> type) {
        List<T> messages = new ArrayList<>();
        for (Event event : events) {
            if (event instanceof Sent s && type.isInstance(s.message())) messages.add(type.cast(s.message()));
        }
        return messages;
    }

    /** The replicas that messages of {@code type} went to, in order. */
    List<Integer> recipients(Class<? extends Message> type) {
        List<Integer> replicas = new ArrayList<>();
        for (Event event : events) {
            if (event instanceof Sent s && type.isInstance(s.message())) replicas.add(s.replica());
        }
        return replicas;
    }

    List<Reply> replies() {
        List<Reply> replies = new ArrayList<>();
        for (Event event : events) if (event instanceof Replied r) replies.add(r.reply());
        return replies;
    }

    List<Entry> persistedPrepares() {
        List<Entry> entries = new ArrayList<>();
        for (Event event : events) if (event instanceof PersistedPrepare p) entries.add(p.entry());
        return entries;
    }

    List<PersistedState> persistedStates() {
        List<PersistedState> states = new ArrayList<>();
        for (Event event : events) if (event instanceof PersistedState s) states.add(s);
        return states;
    }

    /** The position of the first event of {@code type}, or -1. */
    int indexOfFirst(Class<? extends Event> type) {
        for (int i = 0; i < events.size(); i++) if (type.isInstance(events.get(i))) return i;
        return -1;
    }

    /** The position of the first message of {@code type} sent, or -1. */
    int indexOfFirstSent(Class<? extends Message> type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Sent s && type.isInstance(s.message())) return i;
        }
        return -1;
    }
}
