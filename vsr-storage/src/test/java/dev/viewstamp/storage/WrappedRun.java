package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.service.StateMachine;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A recorded run of {@link ReplicaStorage} through many laps of a small journal ring, driven the
 * way a replica drives it: group commits of several prepares (the disk completes late, so
 * prepares queue up behind the batch in flight), a checkpoint at every multiple of
 * {@value #INTERVAL} once that op is acknowledged, now and then a superblock that moves the log's
 * head forward (a view change that keeps the log), and never an op beyond the ring rule's limit
 * (the durable checkpoint plus {@value #SLOTS}). The log never forks, so every op has one entry.
 *
 * <p>It keeps every disk event, and when each op became acknowledged and each checkpoint durable,
 * so a test can rebuild the disk a crash at any point would leave and say what it must recover.
 */
final class WrappedRun {
    static final long CLUSTER = 11;
    static final int SECTOR = 512;
    static final int SLOTS = 32;
    static final int INTERVAL = 8;
    static final Journal.Layout LAYOUT = new Journal.Layout(CLUSTER, SLOTS, 256, SECTOR);

    /** A disk whose writes and syncs land at once, in order, but complete only when the test drains them. */
    static final class LateDisk implements Disk {
        final ImageDisk image = new ImageDisk((int) LAYOUT.sizeBytes(), SECTOR);
        private final ArrayDeque<Runnable> completions = new ArrayDeque<>();

        @Override public int sectorSizeBytes() { return SECTOR; }
        @Override public long sizeBytes() { return image.sizeBytes(); }

        @Override
        public void read(long offset, byte[] buffer, Completion completion) {
            image.read(offset, buffer, completion);
        }

        @Override
        public void write(long offset, byte[] data, Completion completion) {
            image.write(offset, data, error -> completions.addLast(() -> completion.done(error)));
        }

        @Override
        public void sync(Completion completion) {
            image.sync(error -> completions.addLast(() -> completion.done(error)));
        }

        /** Completes everything asked for, and everything those completions ask for in turn. */
        void drain() {
            for (Runnable next = completions.pollFirst(); next != null; next = completions.pollFirst()) next.run();
        }
    }

    /** Something that happened once the disk held {@code events} events: an op acknowledged, or a checkpoint durable. */
    record Mark(int events, long op) {}

    final LateDisk disk = new LateDisk();
    final MemoryCheckpointStore store = new MemoryCheckpointStore(() -> disk.image.events().size());
    final ReplicaStorage storage;
    /** Every op, in order: ops 1..n. */
    final List<Entry> log = new ArrayList<>();
    final List<Mark> acknowledged = new ArrayList<>();
    final List<Mark> checkpointsDurable = new ArrayList<>();
    /** Disk events of formatting, before the storage wrote anything. */
    final int formatEvents;
    private long acknowledgedOp;
    private long durableCheckpointOp;
    private long takenCheckpointOp;
    private long view;

    private WrappedRun() {
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).checkpointIntervalOps(INTERVAL).formatId(1).journalSlotCount(SLOTS)
                .journalBodySizeBytesMax(LAYOUT.bodySizeBytesMax()).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        disk.drain();
        formatEvents = disk.image.events().size();
        storage = new ReplicaStorage(disk, store, Journal.formatted(disk, LAYOUT), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override
                    public void onPrepareDurable(long op, long checksum) {
                        assertThat(checksum).isEqualTo(log.get((int) op - 1).checksum());
                        acknowledgedOp = Math.max(acknowledgedOp, op);
                        acknowledged.add(new Mark(disk.image.events().size(), acknowledgedOp));
                    }

                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }

                    @Override
                    public void onCheckpointDurable(long op) {
                        durableCheckpointOp = op;
                        checkpointsDurable.add(new Mark(disk.image.events().size(), op));
                    }

                    @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
                });
    }

    /** A run of {@code opCount} ops from {@code seed}. */
    static WrappedRun record(long seed, int opCount) {
        WrappedRun run = new WrappedRun();
        Prng prng = new Prng(seed);
        while (run.log.size() < opCount) {
            // The ring rule, as the core keeps it: no op beyond the durable checkpoint plus the ring.
            long opMax = Math.min(opCount, run.durableCheckpointOp + SLOTS);
            int batch = (int) Math.min(1 + prng.nextInt(6), opMax - run.log.size());
            for (int i = 0; i < batch; i++) run.append(prng);
            if (batch == 0 || prng.chance(0.6)) run.disk.drain();
            while (run.takenCheckpointOp + INTERVAL <= run.acknowledgedOp) run.checkpoint(run.takenCheckpointOp + INTERVAL);
            if (prng.chance(0.04)) run.moveHead();
        }
        run.disk.drain();
        assertThat(run.acknowledgedOp).isEqualTo(opCount);
        return run;
    }

    private void append(Prng prng) {
        long op = log.size() + 1;
        long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
        byte[] operation = new byte[prng.nextInt(100)];
        for (int b = 0; b < operation.length; b++) operation[b] = (byte) prng.nextLong();
        Entry entry = Entry.create(view, op, parent, op, List.of(new Request(3, op, operation)));
        log.add(entry);
        storage.persistPrepare(entry);
    }

    /** The replica executed {@code op} and took its checkpoint there. */
    private void checkpoint(long op) {
        Entry entry = log.get((int) op - 1);
        long identity = new Checksum().add(op).add(entry.checksum()).value();
        Checkpoint checkpoint = new Checkpoint(op, entry.checksum(), entry.timestamp(), identity, new byte[] {1});
        storage.persistCheckpoint(checkpoint, new StateMachine.Snapshot() {
            @Override public long stateChecksum() { return op; }
            @Override public void writeTo(OutputStream out) throws IOException { out.write((int) op); }
        });
        takenCheckpointOp = op;
    }

    /** A view change that keeps the whole log: the superblock names its head and the journal's sequence. */
    private void moveHead() {
        view++;
        Entry head = log.get(log.size() - 1);
        storage.persistState(new Output.ReplicaState(view, view, 0, 0, -1, new long[3]), head.op(), head.checksum(),
                List.of());
    }

    /** The highest op acknowledged once the disk held {@code events} events. */
    long acknowledgedAt(int events) {
        return latest(acknowledged, events);
    }

    /** The op of the newest checkpoint reported durable once the disk held {@code events} events. */
    long durableCheckpointAt(int events) {
        return latest(checkpointsDurable, events);
    }

    private static long latest(List<Mark> marks, int events) {
        long op = 0;
        for (Mark mark : marks) {
            if (mark.events() > events) break;
            op = mark.op();
        }
        return op;
    }

    List<ImageDisk.Event> events() {
        return disk.image.events();
    }

    /** What a restart reads from {@code disk}: the superblock, and what journal recovery found. */
    static WrittenJournal.Booted boot(ImageDisk disk) {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        assertThat(read.get().state()).as("a superblock survives").isNotNull();
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, LAYOUT, read.get().state(), result::set);
        return new WrittenJournal.Booted(read.get(), result.get());
    }
}
