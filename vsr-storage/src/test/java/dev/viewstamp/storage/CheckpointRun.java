package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.service.StateMachine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A storage that takes checkpoints every {@value #INTERVAL} ops, on an {@link ImageDisk} that can
 * fill or fail its syncs and a {@link MemoryCheckpointStore} stamped against it, driven the way a
 * replica drives it: appends, log changes and checkpoints of the ops it executed. It keeps the
 * log as the replica has it, and what the storage reported.
 */
final class CheckpointRun {
    static final long CLUSTER = 13;
    static final int INTERVAL = 8;
    static final int SECTOR = 512;
    static final Journal.Layout LAYOUT = new Journal.Layout(CLUSTER, 64, 256, SECTOR);

    /** An {@link ImageDisk} that fails writes with NO_SPACE, or syncs with SYNC, on demand. */
    static final class SwitchDisk implements Disk {
        final ImageDisk image = new ImageDisk((int) LAYOUT.sizeBytes(), SECTOR);
        boolean full;
        boolean syncFails;

        @Override public int sectorSizeBytes() { return SECTOR; }
        @Override public long sizeBytes() { return image.sizeBytes(); }
        @Override public void read(long offset, byte[] buffer, Completion completion) { image.read(offset, buffer, completion); }

        @Override
        public void write(long offset, byte[] data, Completion completion) {
            if (full) completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            else image.write(offset, data, completion);
        }

        @Override
        public void sync(Completion completion) {
            if (syncFails) completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            else image.sync(completion);
        }
    }

    final SwitchDisk disk = new SwitchDisk();
    final MemoryCheckpointStore store = new MemoryCheckpointStore(() -> disk.image.events().size());
    final ReplicaStorage storage;
    /** The log as the replica holds it: ops 1..n. */
    final List<Entry> log = new ArrayList<>();
    final List<Long> prepared = new ArrayList<>();
    final List<Long> checkpointed = new ArrayList<>();
    final List<DiskError> errors = new ArrayList<>();
    /** State sync: the ends of staged chunks made durable, installs and failed installs reported. */
    final List<Long> staged = new ArrayList<>();
    final List<CheckpointFile.Contents> installed = new ArrayList<>();
    final List<String> syncFailures = new ArrayList<>();
    /** Disk events of formatting, before the storage wrote anything. */
    final int formatEvents;
    long view;

    CheckpointRun() {
        Superblock.State formatted = formatted();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        formatEvents = disk.image.events().size();
        storage = new ReplicaStorage(disk, store, Journal.formatted(disk, LAYOUT), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override public void onPrepareDurable(long op, long checksum) { prepared.add(op); }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                    @Override public void onCheckpointDurable(long op) { checkpointed.add(op); }
                    @Override public void onError(DiskError error) { errors.add(error); }
                    @Override public void onSyncChunkDurable(long op, long end) { staged.add(end); }
                    @Override public void onSyncInstalled(CheckpointFile.Contents contents) { installed.add(contents); }
                    @Override public void onSyncFailed(long op, String reason) { syncFailures.add(reason); }
                });
    }

    static Superblock.State formatted() {
        return Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3).pipelinePrepareCountMax(8)
                .checkpointIntervalOps(INTERVAL).formatId(1).journalSlotCount(LAYOUT.slotCount())
                .journalBodySizeBytesMax(LAYOUT.bodySizeBytesMax()).build();
    }

    private Entry next() {
        long op = log.size() + 1;
        long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
        return Entry.create(view, op, parent, op * 10, List.of(new Request(4, op, new byte[] {(byte) op, (byte) view})));
    }

    /** The replica appends its next op. */
    Entry append() {
        Entry entry = next();
        log.add(entry);
        storage.persistPrepare(entry);
        return entry;
    }

    void appendUpTo(long op) {
        while (log.size() < op) append();
    }

    /** The replica executed {@code op} and took its checkpoint. */
    void checkpoint(long op) {
        storage.persistCheckpoint(checkpointAt(op), new StateMachine.Snapshot() {
            @Override public long stateChecksum() { return BytesService.checksumOf(snapshotOf(op)); }
            @Override public void writeTo(OutputStream out) throws IOException { out.write(snapshotOf(op)); }
        });
    }

    /** An empty client table, encoded (a session count of zero). */
    static final byte[] EMPTY_CLIENT_TABLE = new byte[4];

    /**
     * The checkpoint after {@code op} of this log, whose service state is {@link #snapshotOf}'s
     * bytes ({@link BytesService}): its identity is the one a state sync's install checks.
     */
    Checkpoint checkpointAt(long op) {
        Entry entry = log.get((int) op - 1);
        long identity = new Checkpoint(op, entry.checksum(), entry.timestamp(), 0, EMPTY_CLIENT_TABLE)
                .identityWith(CLUSTER, BytesService.checksumOf(snapshotOf(op)));
        return new Checkpoint(op, entry.checksum(), entry.timestamp(), identity, EMPTY_CLIENT_TABLE);
    }

    static byte[] snapshotOf(long op) {
        return ("the service's state after op " + op).getBytes(StandardCharsets.UTF_8);
    }

    /** The file this run's storage writes for the checkpoint at {@code op}: what a peer running it serves. */
    byte[] fileOf(long op) {
        return CheckpointFile.encode(CLUSTER, checkpointAt(op), snapshotOf(op));
    }

    /** Stages {@code file} for the checkpoint at {@code op} in chunks of {@code chunkSizeBytes}, as fetched from a peer. */
    void stage(long op, byte[] file, int chunkSizeBytes) {
        for (int offset = 0; offset < file.length; offset += chunkSizeBytes) {
            storage.writeSyncChunk(op, offset, java.util.Arrays.copyOfRange(file, offset,
                    Math.min(file.length, offset + chunkSizeBytes)));
        }
    }

    /**
     * Installs the staged file of the checkpoint {@code checkpoint}, offered as {@code file}, in
     * view {@code view} and its log view, with {@code damagedOpMax} (what the core records when the
     * install cuts ops it held durable).
     */
    void install(Checkpoint checkpoint, byte[] file, long view, long damagedOpMax) {
        this.view = view;
        storage.installSync(checkpoint.op(), checkpoint.identity(), file.length, CheckpointFile.checksum(file),
                new Output.ReplicaState(view, view, checkpoint.op(), checkpoint.entryChecksum(), damagedOpMax,
                        new long[3]), BytesService::new);
    }

    /**
     * A log change into view {@code view + 1}: the log after {@code anchor} is replaced by its next
     * {@code kept} entries as they are (committed ones a new primary's log holds too) and
     * {@code fresh} new ones.
     */
    void change(int anchor, int kept, int fresh) {
        view++;
        List<Entry> suffix = new ArrayList<>(log.subList(anchor, anchor + kept));
        while (log.size() > anchor + kept) log.remove(log.size() - 1);
        for (int i = 0; i < fresh; i++) {
            Entry entry = next();
            log.add(entry);
        }
        suffix.addAll(log.subList(anchor + kept, log.size()));
        long anchorChecksum = anchor == 0 ? OpLog.rootChecksum(CLUSTER) : log.get(anchor - 1).checksum();
        storage.persistState(new Output.ReplicaState(view, view, 0, 0, -1, new long[3]), anchor, anchorChecksum, suffix);
    }

    /** Events so far on the disk and in the store together: a point a crash can come at. */
    int events() {
        return disk.image.events().size() + store.events.size();
    }

    /** A point a crash can come at: after so many of the disk's events and of the store's. */
    record Point(int diskEvents, int storeEvents) {}

    /** The events of the disk and the store merged in the order they happened: point i is the state after i of them. */
    static List<Point> points(CheckpointRun run) {
        List<Point> points = new ArrayList<>();
        int disk = 0;
        int store = 0;
        points.add(new Point(0, 0));
        int diskTotal = run.disk.image.events().size();
        while (disk < diskTotal || store < run.store.events.size()) {
            boolean storeNext = store < run.store.events.size() && run.store.events.get(store).diskEvents() <= disk;
            if (storeNext) store++;
            else disk++;
            points.add(new Point(disk, store));
        }
        return points;
    }

    /** What a restart finds on a disk and a store. */
    record Restarted(Superblock.ReadResult read, CheckpointFile.Loaded loaded, Journal.RecoveryResult recovered) {
        Superblock.State superblock() {
            return read.state();
        }

        Journal.Recovery recovery() {
            return recovered.recovery();
        }

        ReplicaStorage.Opened open(Disk disk, CheckpointStore store) {
            return ReplicaStorage.open(disk, store, read, recovered, loaded, QUIET);
        }
    }

    /** Reads what a restart reads: the superblock, the checkpoint it names, the journal after it. */
    static Restarted restart(Disk disk, CheckpointStore store) {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        assertThat(read.get().state()).isNotNull();
        AtomicReference<CheckpointFile.Loaded> loaded = new AtomicReference<>();
        CheckpointFile.load(store, CLUSTER, read.get().state().checkpoint(), loaded::set);
        AtomicReference<Journal.RecoveryResult> recovered = new AtomicReference<>();
        Journal.recover(disk, LAYOUT, read.get().state(), recovered::set);
        return new Restarted(read.get(), loaded.get(), recovered.get());
    }

    static final ReplicaStorage.Listener QUIET = new ReplicaStorage.Listener() {
        @Override public void onPrepareDurable(long op, long checksum) { }
        @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
        @Override public void onCheckpointDurable(long op) { }
        @Override public void onError(DiskError error) { throw new AssertionError("restart: " + error); }
    };

    static List<Long> checksums(List<Entry> entries) {
        return entries.stream().map(Entry::checksum).toList();
    }
}
