package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of the durability port: appends and log changes (truncate after an anchor,
 * new suffix, new views) as a replica makes them. At every event boundary and inside every write,
 * the recovered log must be the log before the request in flight or the log after it (never a
 * mix), with every op either intact or named for repair, and nothing acknowledged missing.
 */
class ReplicaStorageCrashTest {
    private static final long CLUSTER = 2;
    private static final int SECTOR = 512;

    /** The logs a crash between two event indexes may leave: before and after the request then in flight. */
    private record Window(int fromEvent, int toEvent, List<Long> before, long viewBefore, List<Long> after, long viewAfter) {}

    private static List<Long> checksums(List<Entry> log) {
        return log.stream().map(Entry::checksum).toList();
    }

    @Test
    void everyCrashPointRecoversTheOldLogTheNewLogOrTheOldCutBackNeverAHole() {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 1_024, 256, SECTOR);
        ImageDisk disk = new ImageDisk((int) layout.sizeBytes(), SECTOR);
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(1024).journalBodySizeBytesMax(4096).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        int formattedEvents = disk.events().size();
        AtomicReference<DiskError> failure = new AtomicReference<>();
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override public void onCheckpointDurable(long op) { } // no checkpoints here
                    @Override public void onPrepareDurable(long op, long checksum) { }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                    @Override public void onError(DiskError error) { failure.set(error); }
                });

        Prng prng = new Prng(17);
        List<Entry> log = new ArrayList<>();
        long view = 0;
        List<Window> windows = new ArrayList<>();
        int logChanges = 0;
        for (int step = 0; step < 600; step++) {
            List<Long> before = checksums(log);
            long viewBefore = view;
            int fromEvent = disk.events().size();
            if (!log.isEmpty() && prng.chance(0.08)) {
                // A log change: keep up to the anchor, replace the rest with a new suffix, new view.
                int anchor = (int) prng.between(Math.max(0, log.size() - 6), log.size());
                view++;
                List<Entry> suffix = new ArrayList<>();
                long parent = anchor == 0 ? OpLog.rootChecksum(CLUSTER) : log.get(anchor - 1).checksum();
                // An empty suffix is a pure truncation: the entries after the anchor must stay gone.
                int suffixSize = anchor < log.size() && prng.chance(0.3) ? 0 : 1 + prng.nextInt(4);
                for (int i = 0; i < suffixSize; i++) {
                    Entry entry = Entry.create(view, anchor + 1 + i, parent, step, List.of(new Request(3, step, new byte[] {(byte) i})));
                    suffix.add(entry);
                    parent = entry.checksum();
                }
                long anchorChecksum = anchor == 0 ? OpLog.rootChecksum(CLUSTER) : log.get(anchor - 1).checksum();
                log = new ArrayList<>(log.subList(0, anchor));
                log.addAll(suffix);
                storage.persistState(new Output.ReplicaState(view, view, 0, 0, -1, new long[3]), anchor, anchorChecksum, suffix);
                logChanges++;
            } else {
                long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
                byte[] operation = new byte[prng.nextInt(120)];
                Entry entry = Entry.create(view, log.size() + 1, parent, step, List.of(new Request(3, step, operation)));
                log.add(entry);
                storage.persistPrepare(entry);
            }
            assertThat(failure.get()).isNull();
            windows.add(new Window(fromEvent, disk.events().size(), before, viewBefore, checksums(log), view));
        }
        assertThat(logChanges).isGreaterThan(20);

        int size = (int) layout.sizeBytes();
        Prng cuts = new Prng(18);
        int checked = 0;
        for (Window window : windows) {
            for (int count = Math.max(window.fromEvent(), formattedEvents); count < window.toEvent(); count++) {
                checkRecovery(layout, ImageDisk.replay(disk.events(), size, count, 0), window, "cut at " + count);
                ImageDisk.Event next = disk.events().get(count);
                if (!next.sync()) {
                    int partial = 1 + cuts.nextInt(next.data().length);
                    checkRecovery(layout, ImageDisk.replay(disk.events(), size, count, partial), window,
                            "write " + count + " torn at byte " + partial);
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(1_000);
    }

    private static void checkRecovery(Journal.Layout layout, byte[] image, Window window, String where) {
        ImageDisk disk = new ImageDisk(image, SECTOR);
        AtomicReference<Superblock.ReadResult> superblock = new AtomicReference<>();
        Superblock.read(disk, superblock::set);
        assertThat(superblock.get().state()).as(where).isNotNull();
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, layout, superblock.get().state(), result::set);
        Journal.Recovery recovery = result.get().recovery();

        // A crash never leaves holes: entries land before the superblock that names them.
        assertThat(recovery.faults()).as(where).isEmpty();
        List<Long> recovered = new ArrayList<>();
        for (long checksum : recovery.checksums()) recovered.add(checksum);
        // Before the request landed: the old log, possibly with the new entry of an append.
        boolean old = recovered.size() >= window.before().size()
                && recovered.subList(0, window.before().size()).equals(window.before())
                && window.after().subList(0, Math.min(recovered.size(), window.after().size())).equals(recovered)
                || recovered.equals(window.before());
        boolean fresh = recovered.equals(window.after());
        // Midway through a log change that cuts back: the old log cut to the anchor, in the old log
        // view, possibly extended by new entries that chain to it.
        int common = 0;
        while (common < Math.min(window.before().size(), window.after().size())
                && window.before().get(common).equals(window.after().get(common))) {
            common++;
        }
        boolean cut = recovered.size() >= common && recovered.size() <= window.after().size()
                && window.after().subList(0, recovered.size()).equals(recovered)
                && superblock.get().state().logView() == window.viewBefore();
        assertThat(old || fresh || cut).as("%s: recovered %d ops, before %d, after %d", where, recovered.size(),
                window.before().size(), window.after().size()).isTrue();
        long view = superblock.get().state().view();
        assertThat(view).as(where).isIn(window.viewBefore(), window.viewAfter());
        if (fresh && !recovered.equals(window.before()) && !cut) {
            // The new log is only adopted together with its view (or, all of its entries having
            // landed before the superblock, as the old log view's log extended).
            assertThat(view).as(where).isEqualTo(window.viewAfter());
        }
        for (int op = 1; op <= recovery.headOp(); op++) {
            int o = op;
            if (recovery.entry(op) == null) {
                assertThat(recovery.faults()).as("%s: op %d", where, op).anyMatch(f -> f.op() == o);
            }
        }
    }
}
