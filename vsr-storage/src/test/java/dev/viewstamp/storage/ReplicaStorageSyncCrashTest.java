package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Replica;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash consistency of a state sync's install (docs/CHECKPOINTS.md, section 7): a crash at any
 * event of the staging and the install (the staged chunks, the check, the rename, each superblock
 * copy and its sync, the previous file's delete), and inside any disk write, restarts from the
 * old state (the old checkpoint, its log after it, the old view) or the new one (the installed
 * checkpoint, the log cut to it, the new view), never a mix, with the named file there and whole,
 * and nothing of the sync left behind once the restart has cleaned up.
 */
class ReplicaStorageSyncCrashTest {
    private static final int CHUNK = 48;

    /** The old state: the checkpoint at op 8 and ops 9..{@code head} after it, in view 0. */
    private static CheckpointRun fetcher(int head) {
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.appendUpTo(10);
        fetcher.checkpoint(8);
        fetcher.appendUpTo(head);
        return fetcher;
    }

    /**
     * The fetcher's log ends at op 12, below the checkpoint at 16 it installs; or at op 20, past
     * it, with ops 17..20 of the very chain the checkpoint was taken on (they chain to its entry),
     * which the install cuts and records as damage: after the install, recovery must never take
     * them back, and the restart comes back damaged above the checkpoint up to op 20.
     */
    @ParameterizedTest(name = "fetcher's log to op {0}")
    @ValueSource(ints = {12, 20})
    void everyCrashPointOfAnInstallRestartsFromTheOldStateOrTheNewNeverAMix(int head) {
        CheckpointRun peer = new CheckpointRun();
        peer.appendUpTo(18);
        peer.checkpoint(16);
        byte[] file = peer.fileOf(16);
        Checkpoint installed = peer.checkpointAt(16);

        CheckpointRun fetcher = fetcher(head);
        List<Long> oldLog = CheckpointRun.checksums(fetcher.log.subList(8, head));
        long damagedOpMax = head > 16 ? head : -1;
        int from = fetcher.events();
        fetcher.stage(16, file, CHUNK);
        fetcher.install(installed, file, 1, damagedOpMax);
        int to = fetcher.events();
        assertThat(fetcher.installed).hasSize(1);
        assertThat(fetcher.errors).isEmpty();
        assertThat(fetcher.staged.size()).as("several chunks").isGreaterThan(2);

        List<CheckpointRun.Point> points = CheckpointRun.points(fetcher);
        int oldStates = 0;
        int newStates = 0;
        for (int event = from; event <= to; event++) {
            CheckpointRun.Point point = points.get(event);
            boolean installedThere = checkRestart(fetcher, point, 0, installed, oldLog, damagedOpMax,
                    "crash after event " + event);
            if (installedThere) newStates++;
            else oldStates++;
            int diskEvent = point.diskEvents();
            boolean nextIsDiskWrite = event < to && points.get(event + 1).diskEvents() > diskEvent
                    && !fetcher.disk.image.events().get(diskEvent).sync();
            if (nextIsDiskWrite) {
                int length = fetcher.disk.image.events().get(diskEvent).data().length;
                for (int torn : new int[] {1, length / 2, length - 1}) {
                    checkRestart(fetcher, point, torn, installed, oldLog, damagedOpMax,
                            "crash after event " + event + ", next write torn at " + torn);
                }
            }
        }
        assertThat(oldStates).as("crash points before the install's superblock").isGreaterThan(fetcher.staged.size());
        assertThat(newStates).as("crash points after it").isGreaterThan(0);
    }

    /** Restarts from the disk and files a crash at {@code point} leaves; true when the install is what it finds. */
    private static boolean checkRestart(CheckpointRun run, CheckpointRun.Point point, int tornBytes, Checkpoint installed,
            List<Long> oldLog, long damagedOpMax, String where) {
        ImageDisk disk = new ImageDisk(ImageDisk.replay(run.disk.image.events(), (int) CheckpointRun.LAYOUT.sizeBytes(),
                point.diskEvents(), tornBytes), CheckpointRun.SECTOR);
        MemoryCheckpointStore store = MemoryCheckpointStore.replay(run.store.events, point.storeEvents());
        CheckpointRun.Restarted restarted = CheckpointRun.restart(disk, store);
        Superblock.State superblock = restarted.superblock();
        long named = superblock.checkpoint().op();
        assertThat(named).as(where).isIn(8L, 16L);
        assertThat(restarted.loaded().problem()).as(where).isNull();
        Replica.Durable durable = restarted.open(disk, store).durable();

        boolean isNew = named == 16;
        if (isNew) {
            assertThat(durable.checkpoint()).as(where).isEqualTo(installed);
            assertThat(durable.log()).as(where + ": the log cut to the installed checkpoint").isEmpty();
            if (damagedOpMax < 0) {
                assertThat(durable.damage()).as(where).isNull();
            } else {
                // Cut to the checkpoint, nothing of the old log taken back, the cut ops as damage.
                assertThat(durable.damage().anchorOp()).as(where).isEqualTo(16);
                assertThat(durable.damage().headOp()).as(where).isEqualTo(16);
                assertThat(durable.damage().opMax()).as(where).isEqualTo(damagedOpMax);
            }
            assertThat(superblock.view()).as(where).isEqualTo(1);
            assertThat(superblock.commitMax()).as(where).isEqualTo(16);
            assertThat(restarted.loaded().contents().snapshot()).as(where).isEqualTo(CheckpointRun.snapshotOf(16));
        } else {
            assertThat(durable.damage()).as(where).isNull();
            assertThat(durable.checkpoint().op()).as(where).isEqualTo(8);
            assertThat(CheckpointRun.checksums(durable.log())).as(where + ": the old log").isEqualTo(oldLog);
            assertThat(superblock.view()).as(where).isEqualTo(0);
        }
        // The restart's cleanup leaves the named file alone, and nothing else of the sync.
        assertThat(store.files.keySet()).as(where).containsExactly(named);
        assertThat(store.staged).as(where).isNull();
        assertThat(store.leftovers).as(where).isEmpty();
        return isNew;
    }
}
