package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of checkpoints (docs/CHECKPOINTS.md, section 4): a crash at any point of a
 * replica's appends, log changes and checkpoints, including before and after the file's sync,
 * between the superblock's copies, inside any write, and before or after the previous file's
 * delete, restarts from the old checkpoint or the new one, whose file is there and intact, with
 * the log before or after the request in flight; never from a superblock that names a missing
 * file, and never with holes.
 */
class ReplicaStorageCheckpointCrashTest {

    /**
     * One request, and the events it made ({@code fromEvent} up to {@code toEvent}, exclusive,
     * counting the disk's and the store's together): a crash among them leaves what was before it
     * or after it.
     */
    private record Window(int fromEvent, int toEvent, List<Long> before, List<Long> after, long checkpointBefore,
            long checkpointAt) {}

    @Test
    void everyCrashPointRestartsFromANamedCheckpointThatIsThereAndALogWithoutHoles() {
        CheckpointRun run = new CheckpointRun();
        Script script = new Script(run);
        script.appendUpTo(10);
        script.request(() -> run.checkpoint(8));
        script.appendUpTo(18);
        script.request(() -> run.checkpoint(16));
        // Below the checkpoint: the cut-back superblock names op 14, under the checkpoint at 16.
        script.request(() -> run.change(14, 2, 4));
        script.appendUpTo(26);
        script.request(() -> run.checkpoint(24));
        script.request(() -> run.change(25, 0, 2));
        script.appendUpTo(33);
        script.request(() -> run.checkpoint(32));
        List<Window> windows = script.windows;
        assertThat(run.errors).isEmpty();
        assertThat(run.checkpointed).containsExactly(8L, 16L, 24L, 32L);

        assertThat(crashAtEveryPoint(run, windows)).isGreaterThan(200);
    }

    @Test
    void everyCrashPointThroughFourLapsOfTheRingWithLogChangesRestartsWhole() {
        // The ring wraps (64 slots): a checkpoint every 8 ops, taken as soon as its op is in the
        // log, and log changes that cut back and rewrite up to 5 ops (never below the last
        // checkpoint taken, whose entry they keep), across every lap. Each crash point must
        // restart from the old or new checkpoint and the old, new or cut-back log after it: the
        // recovered log rests on no slot of an earlier lap, and has no hole where a change or an
        // append landed over one.
        CheckpointRun run = new CheckpointRun();
        Script script = new Script(run);
        Prng prng = new Prng(31);
        long taken = 0;
        int changes = 0;
        while (run.log.size() < 4 * CheckpointRun.LAYOUT.slotCount()) {
            long opMax = run.checkpointed.isEmpty() ? CheckpointRun.LAYOUT.slotCount()
                    : run.checkpointed.get(run.checkpointed.size() - 1) + CheckpointRun.LAYOUT.slotCount();
            script.appendUpTo(Math.min(opMax, run.log.size() + 1 + prng.nextInt(4)));
            if (prng.chance(0.3)) {
                // Cut back up to 5 ops, keeping those up to the last checkpoint taken (committed:
                // a new primary's log holds them too), and add up to 3 new ones within the ring
                // rule's limit. (Keeping more would let the cut-back superblock, which cuts to the
                // anchor, drop ops that both logs hold: this test's old-new-or-cut-back reading
                // knows only the logs' common prefix.)
                int size = run.log.size();
                int anchor = Math.max(0, size - prng.nextInt(6));
                int kept = (int) Math.min(size - anchor, Math.max(0, taken - anchor));
                int fresh = (int) Math.min(prng.nextInt(4), opMax - anchor - kept);
                script.request(() -> run.change(anchor, kept, fresh));
                changes++;
            }
            while (taken + CheckpointRun.INTERVAL <= run.log.size()) {
                long op = taken + CheckpointRun.INTERVAL;
                script.request(() -> run.checkpoint(op));
                taken = op;
            }
        }
        assertThat(run.errors).isEmpty();
        assertThat(changes).isGreaterThan(20);
        assertThat(run.checkpointed).hasSizeGreaterThan(28);

        assertThat(crashAtEveryPoint(run, script.windows)).isGreaterThan(1_000);
    }

    /**
     * Restarts from a crash after every event of every request, from none to all, and inside each
     * of its disk writes (torn at a point drawn from the event's number); returns how many crash
     * points were checked.
     */
    private static int crashAtEveryPoint(CheckpointRun run, List<Window> windows) {
        List<CheckpointRun.Point> points = CheckpointRun.points(run);
        int checked = 0;
        for (Window window : windows) {
            for (int event = Math.max(window.fromEvent(), run.formatEvents); event <= window.toEvent(); event++) {
                CheckpointRun.Point point = points.get(event);
                checkRestart(run, window, point, 0, "crash after event " + event);
                int diskEvent = point.diskEvents();
                boolean nextIsDiskWrite = event < window.toEvent() && points.get(event + 1).diskEvents() > diskEvent
                        && !run.disk.image.events().get(diskEvent).sync();
                if (nextIsDiskWrite) {
                    int torn = 1 + (event * 37) % run.disk.image.events().get(diskEvent).data().length;
                    checkRestart(run, window, point, torn, "crash after event " + event + ", next write torn at " + torn);
                }
                checked++;
            }
        }
        return checked;
    }

    /** Runs requests one at a time, and notes the window of events each made. */
    private static final class Script {
        final CheckpointRun run;
        final List<Window> windows = new ArrayList<>();
        long named;

        Script(CheckpointRun run) {
            this.run = run;
        }

        /** Appends one request at a time, so that a crash inside each is judged against it alone. */
        void appendUpTo(long op) {
            while (run.log.size() < op) request(run::append);
        }

        void request(Runnable request) {
            List<Long> before = CheckpointRun.checksums(run.log);
            int from = run.events();
            int checkpointsBefore = run.checkpointed.size();
            request.run();
            long checkpointAt = run.checkpointed.size() > checkpointsBefore
                    ? run.checkpointed.get(run.checkpointed.size() - 1) : named;
            windows.add(new Window(from, run.events(), before, CheckpointRun.checksums(run.log), named, checkpointAt));
            named = checkpointAt;
        }
    }

    private static void checkRestart(CheckpointRun run, Window window, CheckpointRun.Point point, int tornBytes, String where) {
        int size = (int) CheckpointRun.LAYOUT.sizeBytes();
        ImageDisk disk = new ImageDisk(ImageDisk.replay(run.disk.image.events(), size, point.diskEvents(), tornBytes),
                CheckpointRun.SECTOR);
        MemoryCheckpointStore store = MemoryCheckpointStore.replay(run.store.events, point.storeEvents());
        CheckpointRun.Restarted restarted = CheckpointRun.restart(disk, store);

        // The superblock names the old checkpoint or the new one, and that file is there, whole.
        long named = restarted.superblock().checkpoint().op();
        assertThat(named).as(where).isIn(window.checkpointBefore(), window.checkpointAt());
        assertThat(restarted.loaded().problem()).as(where).isNull();
        Replica.Durable durable = restarted.open(disk, store).durable();
        assertThat(durable.damage()).as(where).isNull();

        // The log: the checkpoint's prefix (every op up to it is committed, the same before and
        // after), then what the journal holds after it.
        List<Long> recovered = new ArrayList<>(window.after().subList(0, (int) named));
        assertThat(window.before().subList(0, (int) named)).as(where).isEqualTo(recovered);
        if (named > 0) assertThat(durable.checkpoint().entryChecksum()).as(where).isEqualTo(recovered.get((int) named - 1));
        recovered.addAll(CheckpointRun.checksums(durable.log()));
        assertThat(oldOrNewOrCutBack(recovered, window, restarted.superblock())).as("%s: recovered %d ops, before %d,"
                + " after %d", where, recovered.size(), window.before().size(), window.after().size()).isTrue();

        // The restart's cleanup leaves the named file alone.
        long[] left = store.files.keySet().stream().mapToLong(Long::longValue).toArray();
        assertThat(left).as(where).containsExactly(named == 0 ? new long[0] : new long[] {named});
        assertThat(store.leftovers).as(where).isEmpty();
    }

    /** The log before the request (perhaps with the appended entry), after it, or before it cut back in the old log view. */
    private static boolean oldOrNewOrCutBack(List<Long> recovered, Window window, Superblock.State superblock) {
        List<Long> before = window.before();
        List<Long> after = window.after();
        boolean old = recovered.equals(before) || recovered.size() >= before.size()
                && recovered.subList(0, before.size()).equals(before)
                && recovered.size() <= after.size() && after.subList(0, recovered.size()).equals(recovered);
        int common = 0;
        while (common < Math.min(before.size(), after.size()) && before.get(common).equals(after.get(common))) common++;
        boolean cut = recovered.size() >= common && recovered.size() <= after.size()
                && after.subList(0, recovered.size()).equals(recovered) && superblock.logView() < superblock.view();
        return old || recovered.equals(after) || cut;
    }
}
