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
    /** Every op written so far, in order. */
    final List<Entry> log = new ArrayList<>();

    private WrittenJournal(ImageDisk disk) {
        this.disk = disk;
    }

    /** Ops 1..count, durable with their redundant headers. */
    static WrittenJournal of(int count) {
        WrittenJournal written = new WrittenJournal(new ImageDisk((int) LAYOUT.sizeBytes(), SECTOR));
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(LAYOUT.slotCount())
                .journalBodySizeBytesMax(LAYOUT.bodySizeBytesMax()).build();
        Superblock.write(written.disk, formatted, e -> assertThat(e).isNull());
        ReplicaStorage storage = new ReplicaStorage(written.disk, Journal.formatted(written.disk, LAYOUT), formatted, 0, 0,
                QUIET);
        for (int op = 1; op <= count; op++) storage.persistPrepare(written.next());
        return written;
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
        return ReplicaStorage.open(disk, booted.read(), booted.result(), QUIET);
    }

    /** The sector of the headers ring that holds slot {@code slot}'s redundant header, counted from the disk's start. */
    static long headerSector(int slot) {
        return (LAYOUT.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES) / SECTOR;
    }

    void flipBodyBit(long op) {
        disk.image()[(int) LAYOUT.prepareOffset((int) op) + EntryCodec.HEADER_SIZE_BYTES + 7] ^= 0x10;
    }

    /** Flips a bit inside the header part of op {@code op}'s prepare. */
    void flipPrepareHeaderBit(long op) {
        disk.image()[(int) LAYOUT.prepareOffset((int) op) + 20] ^= 0x01;
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
