package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A log change that a full disk interrupts continues where it stopped once space returns
 * ({@link ReplicaStorage#resume}), and a crash at any point after that leaves the old log in the
 * old log view or the new log in the new one, never the new log view over a shorter log.
 *
 * <p>Seed 320020279 found the bug this guards: the primary of view 5 persisted its log (anchor 27,
 * new op 28); the superblock naming view 5 was durable when the redundant-header write hit a full
 * disk. On resume the change ran again from the top, took the new head 28 for the old one, and cut
 * the log back to 27 in log view 5. After a crash the replica came back with log view 5 and ops
 * 1..27, a log that outranks every view-4 log without the committed op 28.
 */
class ReplicaStorageResumeTest {
    private static final long CLUSTER = 9;
    private static final int SECTOR = 512;
    private static final long OLD_VIEW = 4;
    private static final long NEW_VIEW = 5;

    /** An {@link ImageDisk} whose {@code n}-th write from now fails with NO_SPACE, as a disk that just filled. */
    private static final class FillingDisk implements Disk {
        final ImageDisk inner;
        int writesUntilFull = -1;
        boolean full;

        FillingDisk(int sizeBytes) {
            inner = new ImageDisk(sizeBytes, SECTOR);
        }

        @Override public int sectorSizeBytes() { return SECTOR; }
        @Override public long sizeBytes() { return inner.sizeBytes(); }
        @Override public void read(long offset, byte[] buffer, Completion completion) { inner.read(offset, buffer, completion); }
        @Override public void sync(Completion completion) { inner.sync(completion); }

        @Override
        public void write(long offset, byte[] data, Completion completion) {
            if (writesUntilFull == 0) full = true;
            if (writesUntilFull >= 0) writesUntilFull--;
            if (full) completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
            else inner.write(offset, data, completion);
        }
    }

    /** What one run of the change left behind: the disk's events, and where the change began. */
    private record Run(FillingDisk disk, int changeFromEvent, int changeWrites, boolean stoppedMidway) {}

    private static List<Entry> chain(long view, long fromOp, long parent, int count, int salt) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Entry entry = Entry.create(view, fromOp + i, parent, fromOp + i,
                    List.of(new Request(3, fromOp + i, new byte[] {(byte) salt, (byte) i})));
            entries.add(entry);
            parent = entry.checksum();
        }
        return entries;
    }

    private static Journal.Layout layout() {
        return new Journal.Layout(CLUSTER, 256, 256, SECTOR);
    }

    /**
     * Writes the old log (ops 1..28 of view 4), then the change to view 5 (anchor 27, a suffix of
     * {@code suffixSize} new entries); the change's {@code failAt}-th write (-1: none) hits a full
     * disk, and storage resumes once space returns.
     */
    private static Run run(List<Entry> oldLog, List<Entry> suffix, int failAt) {
        FillingDisk disk = new FillingDisk((int) layout().sizeBytes());
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(layout().slotCount())
                .journalBodySizeBytesMax(layout().bodySizeBytesMax()).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        List<long[]> states = new ArrayList<>();
        AtomicReference<DiskError> error = new AtomicReference<>();
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout()), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override public void onCheckpointDurable(long op) { } // no checkpoints here
                    @Override public void onPrepareDurable(long op, long checksum) { }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
                        states.add(new long[] {view, logView, lastOp, lastChecksum});
                    }
                    @Override public void onError(DiskError e) { error.set(e); }
                });
        storage.persistState(new Output.ReplicaState(OLD_VIEW, OLD_VIEW, 0, 0, -1, new long[3]), 0,
                OpLog.rootChecksum(CLUSTER), List.of());
        for (Entry entry : oldLog) storage.persistPrepare(entry);
        int changeFromEvent = disk.inner.events().size();
        disk.writesUntilFull = failAt;
        Entry anchor = oldLog.get(26);
        storage.persistState(new Output.ReplicaState(NEW_VIEW, NEW_VIEW, 26, 0, -1, new long[3]), anchor.op(),
                anchor.checksum(), suffix);
        boolean stopped = storage.stopped();
        if (failAt >= 0) {
            assertThat(stopped).as("the change's write %d hit the full disk", failAt).isTrue();
            assertThat(error.get().kind()).isEqualTo(DiskError.Kind.NO_SPACE);
            disk.full = false;
            disk.writesUntilFull = -1;
            storage.resume();
        }
        assertThat(storage.stopped()).isFalse();
        Entry head = suffix.get(suffix.size() - 1);
        assertThat(states.get(states.size() - 1)).containsExactly(NEW_VIEW, NEW_VIEW, head.op(), head.checksum());
        int changeWrites = 0;
        for (int i = changeFromEvent; i < disk.inner.events().size(); i++) if (!disk.inner.events().get(i).sync()) changeWrites++;
        return new Run(disk, changeFromEvent, changeWrites, stopped);
    }

    @ParameterizedTest(name = "suffix of {0}")
    @ValueSource(ints = {1, 3})
    void aLogChangeStoppedByAFullDiskAtAnyWriteResumesWithoutCuttingTheNewLogBack(int suffixSize) {
        List<Entry> oldLog = chain(OLD_VIEW, 1, OpLog.rootChecksum(CLUSTER), 28, 1);
        List<Entry> suffix = chain(NEW_VIEW, 28, oldLog.get(26).checksum(), suffixSize, 2);
        List<Long> before = checksums(oldLog);
        List<Long> after = checksums(oldLog.subList(0, 27));
        after.addAll(checksums(suffix));

        int writes = run(oldLog, suffix, -1).changeWrites();
        assertThat(writes).as("four cut-back superblock copies, the suffix, four naming copies, the headers")
                .isEqualTo(8 + 2 * suffixSize);
        int checked = 0;
        for (int failAt = 0; failAt < writes; failAt++) {
            Run run = run(oldLog, suffix, failAt);
            assertThat(run.stoppedMidway()).isTrue();
            List<ImageDisk.Event> events = run.disk().inner.events();
            for (int count = run.changeFromEvent(); count <= events.size(); count++) {
                String where = "full disk at write " + failAt + ", crash after event " + count;
                checkRecovery(ImageDisk.replay(events, (int) layout().sizeBytes(), count, 0), before, after, where);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(writes * 10);
    }

    private static List<Long> checksums(List<Entry> log) {
        List<Long> checksums = new ArrayList<>();
        for (Entry entry : log) checksums.add(entry.checksum());
        return checksums;
    }

    /**
     * The recovered log is the old log in the old log view, that log cut back to the anchor and
     * extended at most by new entries that chain to it (still the old log view), or the new log
     * whole in the new log view. A new log view never names a log that lacks the new entries.
     */
    private static void checkRecovery(byte[] image, List<Long> before, List<Long> after, String where) {
        ImageDisk disk = new ImageDisk(image, SECTOR);
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        Superblock.State superblock = read.get().state();
        assertThat(superblock).as(where).isNotNull();
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, layout(), superblock, result::set);
        Journal.Recovery recovery = result.get().recovery();
        assertThat(recovery.faults()).as(where).isEmpty();
        List<Long> recovered = new ArrayList<>();
        for (long checksum : recovery.checksums()) recovered.add(checksum);
        if (superblock.logView() == NEW_VIEW) {
            assertThat(recovered).as("%s: log view %d names the new log", where, NEW_VIEW).isEqualTo(after);
        } else {
            assertThat(superblock.logView()).as(where).isEqualTo(OLD_VIEW);
            boolean old = recovered.equals(before);
            boolean cutBack = recovered.size() >= 27 && recovered.size() <= after.size()
                    && recovered.equals(after.subList(0, recovered.size()));
            assertThat(old || cutBack).as("%s: recovered %d ops in the old log view", where, recovered.size()).isTrue();
        }
    }
}
