package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Replica;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    /** The old state: the checkpoint at op 8 and ops 9..12 after it, in view 0. */
    private static CheckpointRun fetcher() {
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.appendUpTo(10);
        fetcher.checkpoint(8);
        fetcher.appendUpTo(12);
        return fetcher;
    }

    @Test
    void everyCrashPointOfAnInstallRestartsFromTheOldStateOrTheNewNeverAMix() {
        CheckpointRun peer = new CheckpointRun();
        peer.appendUpTo(18);
        peer.checkpoint(16);
        byte[] file = peer.fileOf(16);
        Checkpoint installed = peer.checkpointAt(16);

        CheckpointRun fetcher = fetcher();
        List<Long> oldLog = CheckpointRun.checksums(fetcher.log.subList(8, 12));
        int from = fetcher.events();
        fetcher.stage(16, file, CHUNK);
        fetcher.install(installed, file, 1, -1);
        int to = fetcher.events();
        assertThat(fetcher.installed).hasSize(1);
        assertThat(fetcher.errors).isEmpty();
        assertThat(fetcher.staged.size()).as("several chunks").isGreaterThan(2);

        List<CheckpointRun.Point> points = CheckpointRun.points(fetcher);
        int oldStates = 0;
        int newStates = 0;
        for (int event = from; event <= to; event++) {
            CheckpointRun.Point point = points.get(event);
            boolean installedThere = checkRestart(fetcher, point, 0, installed, oldLog, "crash after event " + event);
            if (installedThere) newStates++;
            else oldStates++;
            int diskEvent = point.diskEvents();
            boolean nextIsDiskWrite = event < to && points.get(event + 1).diskEvents() > diskEvent
                    && !fetcher.disk.image.events().get(diskEvent).sync();
            if (nextIsDiskWrite) {
                int length = fetcher.disk.image.events().get(diskEvent).data().length;
                for (int torn : new int[] {1, length / 2, length - 1}) {
                    checkRestart(fetcher, point, torn, installed, oldLog,
                            "crash after event " + event + ", next write torn at " + torn);
                }
            }
        }
        assertThat(oldStates).as("crash points before the install's superblock").isGreaterThan(fetcher.staged.size());
        assertThat(newStates).as("crash points after it").isGreaterThan(0);
    }

    /** Restarts from the disk and files a crash at {@code point} leaves; true when the install is what it finds. */
    private static boolean checkRestart(CheckpointRun run, CheckpointRun.Point point, int tornBytes, Checkpoint installed,
            List<Long> oldLog, String where) {
        ImageDisk disk = new ImageDisk(ImageDisk.replay(run.disk.image.events(), (int) CheckpointRun.LAYOUT.sizeBytes(),
                point.diskEvents(), tornBytes), CheckpointRun.SECTOR);
        MemoryCheckpointStore store = MemoryCheckpointStore.replay(run.store.events, point.storeEvents());
        CheckpointRun.Restarted restarted = CheckpointRun.restart(disk, store);
        Superblock.State superblock = restarted.superblock();
        long named = superblock.checkpoint().op();
        assertThat(named).as(where).isIn(8L, 16L);
        assertThat(restarted.loaded().problem()).as(where).isNull();
        Replica.Durable durable = restarted.open(disk, store).durable();
        assertThat(durable.damage()).as(where).isNull();

        boolean isNew = named == 16;
        if (isNew) {
            assertThat(durable.checkpoint()).as(where).isEqualTo(installed);
            assertThat(durable.log()).as(where + ": the log cut to the installed checkpoint").isEmpty();
            assertThat(superblock.view()).as(where).isEqualTo(1);
            assertThat(superblock.commitMax()).as(where).isEqualTo(16);
            assertThat(restarted.loaded().contents().snapshot()).as(where).isEqualTo(CheckpointRun.snapshotOf(16));
        } else {
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
