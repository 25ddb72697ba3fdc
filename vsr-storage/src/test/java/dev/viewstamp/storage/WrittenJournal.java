package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A data file whose ops 1..n were made durable the way a replica makes them (ReplicaStorage's
 * group commit: prepares, sync, redundant headers, sync), so each may have been acknowledged;
 * and the restarts a test makes after damaging it.
 */
final class WrittenJournal {
    static final long CLUSTER = 7;
    static final int SECTOR = 512;
    static final Journal.Layout LAYOUT = new Journal.Layout(CLUSTER, 64, 256, SECTOR);

    static final ReplicaStorage.Listener QUIET = new ReplicaStorage.Listener() {
        @Override public void onCheckpointDurable(long op) { } // no checkpoints here
        @Override public void onPrepareDurable(long op, long checksum) { }
        @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
        @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
    };

    final ImageDisk disk;
    /** The checkpoint files, or null when the journal takes no checkpoints. */
    final MemoryCheckpointStore store;
    /** Every op written so far, in order. */
    final List<Entry> log = new ArrayList<>();

    private WrittenJournal(ImageDisk disk, MemoryCheckpointStore store) {
        this.disk = disk;
        this.store = store;
    }

    /** Ops 1..count, durable with their redundant headers. */
    static WrittenJournal of(int count) {
        return of(count, 0);
    }

    /**
     * Ops 1..count, durable with their redundant headers, and with {@code intervalOps} above 0 a
     * durable checkpoint at each multiple of it, taken right after its op: past op 64 the ring
     * wraps, and each slot holds an op of the live window or of an earlier lap.
     */
    static WrittenJournal of(int count, int intervalOps) {
        MemoryCheckpointStore store = intervalOps == 0 ? null : new MemoryCheckpointStore();
        WrittenJournal written = new WrittenJournal(new ImageDisk((int) LAYOUT.sizeBytes(), SECTOR), store);
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).checkpointIntervalOps(intervalOps).formatId(1)
                .journalSlotCount(LAYOUT.slotCount()).journalBodySizeBytesMax(LAYOUT.bodySizeBytesMax()).build();
        Superblock.write(written.disk, formatted, e -> assertThat(e).isNull());
        ReplicaStorage storage = new ReplicaStorage(written.disk, store == null ? CheckpointStore.NONE : store,
                Journal.formatted(written.disk, LAYOUT), formatted, 0, 0, QUIET);
        for (int op = 1; op <= count; op++) {
            storage.persistPrepare(written.next());
            if (intervalOps > 0 && op % intervalOps == 0) storage.persistCheckpoint(written.checkpointAt(op), SNAPSHOT);
        }
        assertThat(storage.stopped()).isFalse();
        return written;
    }

    private static final dev.viewstamp.core.service.StateMachine.Snapshot SNAPSHOT =
            new dev.viewstamp.core.service.StateMachine.Snapshot() {
                @Override public long stateChecksum() { return 0; }
                @Override public void writeTo(java.io.OutputStream out) { }
            };

    /** The checkpoint a replica takes once it executed {@code op}. */
    dev.viewstamp.core.replica.Checkpoint checkpointAt(long op) {
        Entry entry = log.get((int) op - 1);
        long identity = new dev.viewstamp.core.Checksum().add(op).add(entry.checksum()).value();
        return new dev.viewstamp.core.replica.Checkpoint(op, entry.checksum(), entry.timestamp(), identity, new byte[0]);
    }

    /** The entry after the last one written, added to {@link #log}. */
    Entry next() {
        long op = log.size() + 1;
        long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
        Entry entry = Entry.create(0, op, parent, op, List.of(new Request(5, op, new byte[40])));
        log.add(entry);
        return entry;
    }

    /** What a restart reads: the superblock, and what journal recovery found. */
    record Booted(Superblock.ReadResult read, Journal.RecoveryResult result) {
        Superblock.State superblock() {
            return read.state();
        }

        Journal.Recovery recovery() {
            return result.recovery();
        }
    }

    Booted boot() {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, LAYOUT, read.get().state(), result::set);
        return new Booted(read.get(), result.get());
    }

    Journal.Recovery recovery() {
        return boot().recovery();
    }

    /** Restarts the way a replica does: recovery, then ReplicaStorage.open, which writes what it must before anything else. */
    ReplicaStorage.Opened restart() {
        Booted booted = boot();
        if (store == null) return ReplicaStorage.open(disk, booted.read(), booted.result(), QUIET);
        AtomicReference<CheckpointFile.Loaded> loaded = new AtomicReference<>();
        CheckpointFile.load(store, CLUSTER, booted.superblock().checkpoint(), loaded::set);
        return ReplicaStorage.open(disk, store, booted.read(), booted.result(), loaded.get(), QUIET);
    }

    /** The slot of op {@code op}: past op 64 the ring has wrapped. */
    static int slotOf(long op) {
        return LAYOUT.slotOf(op);
    }

    /** The sector of the headers ring that holds slot {@code slot}'s redundant header, counted from the disk's start. */
    static long headerSector(int slot) {
        return (LAYOUT.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES) / SECTOR;
    }

    void flipBodyBit(long op) {
        disk.image()[(int) LAYOUT.prepareOffset(slotOf(op)) + EntryCodec.HEADER_SIZE_BYTES + 7] ^= 0x10;
    }

    /** Flips a bit inside the header part of op {@code op}'s prepare. */
    void flipPrepareHeaderBit(long op) {
        disk.image()[(int) LAYOUT.prepareOffset(slotOf(op)) + 20] ^= 0x01;
    }

    /** Flips a bit inside slot {@code slot}'s redundant header. */
    void flipHeaderBit(int slot) {
        disk.image()[(int) (LAYOUT.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES) + 30] ^= 0x02;
    }

    byte[] headerBytes(int slot) {
        int offset = (int) (LAYOUT.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES);
        return Arrays.copyOfRange(disk.image(), offset, offset + EntryCodec.HEADER_SIZE_BYTES);
    }

    byte[] prepareHeaderBytes(int slot) {
        int offset = (int) LAYOUT.prepareOffset(slot);
        return Arrays.copyOfRange(disk.image(), offset, offset + EntryCodec.HEADER_SIZE_BYTES);
    }

    /** After a restart, appends the next op the way ReplicaStorage does, on the recovered journal. */
    void appendAfterRestart() {
        Booted booted = boot();
        Journal journal = booted.result().journal();
        Entry entry = next();
        long sequence = booted.recovery().sequenceMax() + 1;
        journal.writePrepare(entry, sequence, booted.superblock().checkpoint().op(), e -> assertThat(e).isNull());
        journal.sync(e -> assertThat(e).isNull());
        journal.writeHeader(entry, sequence, e -> assertThat(e).isNull());
        journal.sync(e -> assertThat(e).isNull());
    }
}
