package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A full disk stops acknowledgements until space returns; a failed sync stops them for good. */
class ReplicaStorageErrorTest {
    private static final long CLUSTER = 6;

    /** A disk that fails writes with NO_SPACE, or syncs with SYNC, on demand. */
    private static final class FailingDisk implements Disk {
        final ImageDisk inner;
        boolean full;
        boolean syncFails;

        FailingDisk(int size) {
            inner = new ImageDisk(size, 512);
        }

        @Override public int sectorSizeBytes() { return inner.sectorSizeBytes(); }
        @Override public long sizeBytes() { return inner.sizeBytes(); }
        @Override public void read(long offset, byte[] buffer, Completion completion) { inner.read(offset, buffer, completion); }

        @Override
        public void write(long offset, byte[] data, Completion completion) {
            if (full) completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            else inner.write(offset, data, completion);
        }

        @Override
        public void sync(Completion completion) {
            if (syncFails) completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
            else inner.sync(completion);
        }
    }

    private final List<Long> durable = new ArrayList<>();
    private final List<DiskError> errors = new ArrayList<>();

    private ReplicaStorage storage(FailingDisk disk, Journal.Layout layout) {
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(layout.slotCount())
                .journalBodySizeBytesMax(layout.bodySizeBytesMax()).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        return new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0, new ReplicaStorage.Listener() {
            @Override public void onCheckpointDurable(long op) { } // no checkpoints here
            @Override public void onPrepareDurable(long op, long checksum) { durable.add(op); }
            @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
            @Override public void onError(DiskError error) { errors.add(error); }
        });
    }

    private static List<Entry> chain(int count) {
        List<Entry> entries = new ArrayList<>();
        long parent = OpLog.rootChecksum(CLUSTER);
        for (int op = 1; op <= count; op++) {
            Entry entry = Entry.create(0, op, parent, op, List.of(new Request(1, op, new byte[8])));
            entries.add(entry);
            parent = entry.checksum();
        }
        return entries;
    }

    @Test
    void aFullDiskStopsAcknowledgementsUntilSpaceReturns() {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 64, 128, 512);
        FailingDisk disk = new FailingDisk((int) layout.sizeBytes());
        ReplicaStorage storage = storage(disk, layout);
        List<Entry> entries = chain(6);
        storage.persistPrepare(entries.get(0));
        disk.full = true;
        storage.persistPrepare(entries.get(1));
        storage.persistPrepare(entries.get(2));
        assertThat(durable).containsExactly(1L);
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(storage.stopped()).isTrue();
        assertThat(storage.status()).startsWith("stopped: No space left on device").contains("resumes");

        disk.full = false;
        storage.resume();
        storage.persistPrepare(entries.get(3));
        assertThat(durable).containsExactly(1L, 2L, 3L, 4L);
        assertThat(storage.stopped()).isFalse();
        assertThat(storage.status()).isEqualTo("ok");
    }

    @Test
    void aFailedSyncIsFatalAndNothingAfterItIsAcknowledged() {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 64, 128, 512);
        FailingDisk disk = new FailingDisk((int) layout.sizeBytes());
        ReplicaStorage storage = storage(disk, layout);
        List<Entry> entries = chain(3);
        disk.syncFails = true;
        storage.persistPrepare(entries.get(0));
        assertThat(durable).isEmpty();
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.SYNC));

        // Retrying a failed fsync proves nothing: resume does not restart after a sync failure.
        disk.syncFails = false;
        storage.resume();
        storage.persistPrepare(entries.get(1));
        assertThat(durable).isEmpty();
        assertThat(storage.stopped()).isTrue();
        assertThat(storage.status()).startsWith("failed: Input/output error").contains("exit and recover");
    }

    @Test
    void aJournalFullOfOpsStopsAsAFullDisk() {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 4, 128, 512);
        FailingDisk disk = new FailingDisk((int) layout.sizeBytes());
        ReplicaStorage storage = storage(disk, layout);
        for (Entry entry : chain(5)) storage.persistPrepare(entry);
        assertThat(durable).containsExactly(1L, 2L, 3L, 4L);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE);
            assertThat(e.message()).contains("journal full");
        });
    }

    /** A disk that completes every call before returning, as a file disk would, and keeps no bytes. */
    private static final class SynchronousDisk implements Disk {
        final long sizeBytes;
        boolean full;
        long writes;

        SynchronousDisk(long sizeBytes) {
            this.sizeBytes = sizeBytes;
        }

        @Override public int sectorSizeBytes() { return 512; }
        @Override public long sizeBytes() { return sizeBytes; }
        @Override public void read(long offset, byte[] buffer, Completion completion) { completion.done(null); }
        @Override public void sync(Completion completion) { completion.done(null); }

        @Override
        public void write(long offset, byte[] data, Completion completion) {
            if (full) {
                completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
                return;
            }
            writes++;
            completion.done(null);
        }
    }

    @Test
    void aHundredThousandWritesReleasedAtOnceBySynchronousCompletionsDoNotNest() {
        int count = 100_000;
        Journal.Layout layout = new Journal.Layout(CLUSTER, count + 1, 128, 512);
        SynchronousDisk disk = new SynchronousDisk(layout.sizeBytes());
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(layout.slotCount())
                .journalBodySizeBytesMax(layout.bodySizeBytesMax()).build();
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override public void onCheckpointDurable(long op) { } // no checkpoints here
                    @Override public void onPrepareDurable(long op, long checksum) { durable.add(op); }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                    @Override public void onError(DiskError error) { errors.add(error); }
                });
        disk.full = true;
        for (Entry entry : chain(count)) storage.persistPrepare(entry);
        assertThat(durable).isEmpty();
        assertThat(storage.stopped()).isTrue();

        disk.full = false;
        storage.resume();
        assertThat(durable).hasSize(count);
        assertThat(durable.get(count - 1)).isEqualTo(count);
        assertThat(disk.writes).isEqualTo(2L * count);
        assertThat(storage.stopped()).isFalse();

        // Completions that arrive one by one from within a write still run in order, unnested.
        storage.persistState(new dev.viewstamp.core.replica.Output.ReplicaState(1, 1, 0, 0, -1, new long[3]), count,
                chain(count).get(count - 1).checksum(), List.of());
        assertThat(storage.stopped()).isFalse();
    }
}
