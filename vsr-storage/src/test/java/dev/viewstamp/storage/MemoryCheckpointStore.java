package dev.viewstamp.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntSupplier;

/**
 * A test checkpoint store in memory, every operation complete at once. It records what it does as
 * events stamped with the number of events some disk had recorded by then, so a crash test can
 * rebuild the files a crash at any point of the two would leave ({@link #replay}): a write is
 * two events, begun (a temporary file that is no checkpoint) and durable (the whole file under its
 * name). The staged file of a state sync: each staged write is one event holding the whole
 * staged file after it, a promotion and a discard one event each. Failures on demand: a full
 * disk, a failed sync, a failed delete.
 */
final class MemoryCheckpointStore implements CheckpointStore {

    enum Kind { WRITE_BEGUN, WRITE_DURABLE, DELETED, STAGED, PROMOTED, STAGE_DISCARDED }

    /** One operation's effect; {@code diskEvents}: how many events the disk had recorded before it. */
    record Event(int diskEvents, Kind kind, long op, byte[] file) {}

    final TreeMap<Long, byte[]> files = new TreeMap<>();
    /** Ops whose write began and never became durable: what a crash leaves of it. */
    final TreeSet<Long> leftovers = new TreeSet<>();
    /** The staged file and its op, or null and -1. */
    byte[] staged;
    long stagedOp = -1;
    final List<Event> events = new ArrayList<>();
    private final IntSupplier diskEvents;
    boolean full;
    boolean syncFails;
    boolean deleteFails;
    int writes;

    MemoryCheckpointStore() {
        this(() -> 0);
    }

    MemoryCheckpointStore(IntSupplier diskEvents) {
        this.diskEvents = diskEvents;
    }

    @Override
    public void write(long op, byte[] file, Disk.Completion completion) {
        writes++;
        if (full) {
            completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            return;
        }
        record(Kind.WRITE_BEGUN, op, null);
        if (syncFails) {
            completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            return;
        }
        record(Kind.WRITE_DURABLE, op, file.clone());
        completion.done(null);
    }

    @Override
    public void read(long op, ReadCompletion completion) {
        byte[] file = files.get(op);
        if (file == null) completion.done(null, new DiskError(DiskError.Kind.READ, "checkpoint file of op " + op + " is missing"));
        else completion.done(file.clone(), null);
    }

    @Override
    public void delete(long op, Disk.Completion completion) {
        if (deleteFails) {
            completion.done(new DiskError(DiskError.Kind.WRITE, "Permission denied"));
            return;
        }
        record(Kind.DELETED, op, null);
        completion.done(null);
    }

    @Override
    public void list(ListCompletion completion) {
        TreeSet<Long> ops = new TreeSet<>(files.keySet());
        ops.addAll(leftovers);
        completion.done(ops.stream().mapToLong(Long::longValue).toArray(), null);
    }

    @Override
    public void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion) {
        if (full) {
            completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            return;
        }
        if (syncFails) {
            completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            return;
        }
        byte[] before = offset == 0 || stagedOp != op || staged == null ? new byte[0] : staged;
        byte[] after = java.util.Arrays.copyOf(before, (int) offset + bytes.length);
        System.arraycopy(bytes, 0, after, (int) offset, bytes.length);
        record(Kind.STAGED, op, after);
        completion.done(null);
    }

    @Override
    public void readStaged(long op, ReadCompletion completion) {
        if (staged == null || stagedOp != op) completion.done(null, new DiskError(DiskError.Kind.READ, "nothing staged of op " + op));
        else completion.done(staged.clone(), null);
    }

    @Override
    public void promoteStaged(long op, Disk.Completion completion) {
        if (staged == null || stagedOp != op) {
            completion.done(new DiskError(DiskError.Kind.READ, "nothing staged of op " + op));
            return;
        }
        if (syncFails) {
            completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            return;
        }
        record(Kind.PROMOTED, op, null);
        completion.done(null);
    }

    @Override
    public void discardStaged(Disk.Completion completion) {
        if (staged != null) record(Kind.STAGE_DISCARDED, stagedOp, null);
        completion.done(null);
    }

    private void record(Kind kind, long op, byte[] file) {
        Event event = new Event(diskEvents.getAsInt(), kind, op, file);
        events.add(event);
        apply(event);
    }

    private void apply(Event event) {
        switch (event.kind()) {
            case WRITE_BEGUN -> leftovers.add(event.op());
            case WRITE_DURABLE -> {
                leftovers.remove(event.op());
                files.put(event.op(), event.file());
            }
            case DELETED -> {
                leftovers.remove(event.op());
                files.remove(event.op());
            }
            case STAGED -> {
                staged = event.file();
                stagedOp = event.op();
            }
            case PROMOTED -> {
                files.put(event.op(), staged);
                staged = null;
                stagedOp = -1;
            }
            case STAGE_DISCARDED -> {
                staged = null;
                stagedOp = -1;
            }
        }
    }

    /** The files after the first {@code count} of {@code events}: what a crash right then leaves. */
    static MemoryCheckpointStore replay(List<Event> events, int count) {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        for (int i = 0; i < count; i++) store.apply(events.get(i));
        return store;
    }
}
