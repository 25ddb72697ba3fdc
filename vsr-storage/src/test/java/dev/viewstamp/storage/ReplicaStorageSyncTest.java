package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * State sync on the real storage (docs/CHECKPOINTS.md, section 7): a replica serves chunks of the
 * checkpoint file its superblock names; a fetching replica stages chunks, each durable before it
 * is reported, and installs the staged file only once it passes every check, in one superblock
 * that names it with the log cut to its op. Crashes at every step: {@link ReplicaStorageSyncCrashTest}.
 */
class ReplicaStorageSyncTest {
    private static final int CHUNK = 40;

    /** A peer that holds the checkpoint at op 16 and the log to op 18. */
    private static CheckpointRun peer() {
        CheckpointRun peer = new CheckpointRun();
        peer.appendUpTo(18);
        peer.checkpoint(16);
        assertThat(peer.checkpointed).containsExactly(16L);
        return peer;
    }

    /** A fetcher whose own checkpoint is at op 8, its log up to op {@code op}. */
    private static CheckpointRun fetcherAt8(long op) {
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.appendUpTo(op);
        fetcher.checkpoint(8);
        return fetcher;
    }

    private static List<SyncChunk> serve(CheckpointRun run, long op, long identity, long offset) {
        List<SyncChunk> sent = new ArrayList<>();
        run.storage.serveSyncChunk(op, identity, offset, sent::add);
        return sent;
    }

    private static long[] files(CheckpointRun run) {
        return run.store.files.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void aServedChunkIsTheNamedFilesBytesAtItsOffsetWithTheWholeFilesSizeAndChecksum() {
        CheckpointRun peer = peer();
        peer.storage.syncChunkSizeBytes(CHUNK);
        Checkpoint checkpoint = peer.checkpointAt(16);
        byte[] file = peer.store.files.get(16L);

        SyncChunk first = serve(peer, 16, checkpoint.identity(), 0).get(0);
        assertThat(first.bytes()).isEqualTo(Arrays.copyOf(file, CHUNK));
        assertThat(first.intact()).isTrue();
        assertThat(first.sizeBytes()).isEqualTo(file.length);
        assertThat(first.fileChecksum()).isEqualTo(CheckpointFile.checksum(file));
        assertThat(first.replica()).isEqualTo(0);
        long lastOffset = (file.length - 1) / CHUNK * CHUNK;
        assertThat(serve(peer, 16, checkpoint.identity(), lastOffset).get(0).bytes())
                .isEqualTo(Arrays.copyOfRange(file, (int) lastOffset, file.length));
    }

    @Test
    void nothingIsServedPastTheEndOrOfAnotherCheckpointOrOnceTheFileIsGone() {
        CheckpointRun peer = peer();
        long identity = peer.checkpointAt(16).identity();
        assertThat(serve(peer, 16, identity, peer.store.files.get(16L).length)).isEmpty();
        assertThat(serve(peer, 8, identity, 0)).as("a checkpoint the superblock does not name").isEmpty();
        assertThat(serve(peer, 16, identity + 1, 0)).as("another identity").isEmpty();
        peer.store.files.remove(16L);
        assertThat(serve(peer, 16, identity, 0)).as("a file that went meanwhile").isEmpty();
    }

    @Test
    void stagedChunksAreReportedDurableInOrderAndTheInstallNamesTheCheckpointWithTheLogCutToIt() throws Exception {
        CheckpointRun peer = peer();
        CheckpointRun fetcher = fetcherAt8(10);
        byte[] file = peer.fileOf(16);
        fetcher.stage(16, file, CHUNK);
        List<Long> ends = new ArrayList<>();
        for (long end = CHUNK; end < file.length; end += CHUNK) ends.add(end);
        ends.add((long) file.length);
        assertThat(fetcher.staged).containsExactlyElementsOf(ends);
        assertThat(fetcher.store.staged).isEqualTo(file);

        fetcher.install(peer.checkpointAt(16), file, 1, -1);
        assertThat(fetcher.syncFailures).isEmpty();
        assertThat(fetcher.installed).singleElement().satisfies(c -> {
            assertThat(c.checkpoint()).isEqualTo(peer.checkpointAt(16));
            assertThat(c.snapshot()).isEqualTo(CheckpointRun.snapshotOf(16));
        });
        Superblock.State superblock = fetcher.storage.superblock();
        assertThat(superblock.checkpoint()).isEqualTo(CheckpointReference.of(peer.checkpointAt(16), file.length,
                CheckpointFile.checksum(file)));
        assertThat(superblock.logHeadOp()).isEqualTo(16);
        assertThat(superblock.logHeadChecksum()).isEqualTo(peer.log.get(15).checksum());
        assertThat(superblock.commitMax()).isEqualTo(16);
        assertThat(superblock.view()).isEqualTo(1);
        assertThat(files(fetcher)).as("the previous checkpoint's file went").containsExactly(16);
        assertThat(fetcher.store.staged).isNull();

        ReplicaStorage.Opened opened = CheckpointRun.restart(fetcher.disk, fetcher.store).open(fetcher.disk, fetcher.store);
        assertThat(opened.durable().checkpoint()).isEqualTo(peer.checkpointAt(16));
        assertThat(opened.durable().log()).isEmpty();
        assertThat(opened.durable().damage()).isNull();
        assertThat(opened.checkpointFile().snapshot()).isEqualTo(CheckpointRun.snapshotOf(16));
    }

    @Test
    void leftoversOfTheOldLogPastTheCheckpointNeverExtendTheInstalledOneEvenWhereTheyChainToIt() {
        // The fetcher's journal holds ops 1..20 of the very chain the checkpoint at 16 was taken
        // on: ops 17..20 chain to the checkpoint's entry, with intact redundant headers. The
        // install cut them (the core records them as damage when it held them durable; here it
        // says it did not): their write sequences are at or below the superblock's, so recovery
        // never takes them back, and the ops written after the install are the log.
        CheckpointRun peer = peer();
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.appendUpTo(20);
        byte[] file = peer.fileOf(16);
        fetcher.stage(16, file, CHUNK);
        fetcher.install(peer.checkpointAt(16), file, 1, -1);
        assertThat(fetcher.installed).hasSize(1);

        CheckpointRun.Restarted restarted = CheckpointRun.restart(fetcher.disk, fetcher.store);
        assertThat(restarted.recovery().headOp()).isEqualTo(16);
        assertThat(restarted.recovery().faults()).isEmpty();
        assertThat(restarted.open(fetcher.disk, fetcher.store).durable().log()).isEmpty();

        // The replica goes on from the checkpoint in view 1: op 17 of the new log lands in the slot
        // of the old op 17, and only it comes back.
        fetcher.log.clear();
        fetcher.log.addAll(peer.log.subList(0, 16));
        fetcher.append();
        fetcher.append();
        Replica.Durable durable = CheckpointRun.restart(fetcher.disk, fetcher.store).open(fetcher.disk, fetcher.store)
                .durable();
        assertThat(CheckpointRun.checksums(durable.log())).containsExactlyElementsOf(
                CheckpointRun.checksums(fetcher.log.subList(16, 18)));
    }

    @Test
    void aStagedFileWithAFlippedBitFailsTheInstallAndChangesNothing() {
        CheckpointRun peer = peer();
        CheckpointRun fetcher = fetcherAt8(10);
        byte[] file = peer.fileOf(16);
        fetcher.stage(16, file, CHUNK);
        Superblock.State before = fetcher.storage.superblock();
        int disk = fetcher.disk.image.events().size();
        fetcher.store.staged[CheckpointFile.HEADER_SIZE_BYTES + 7] ^= 0x10;

        fetcher.install(peer.checkpointAt(16), file, 1, -1);
        assertThat(fetcher.installed).isEmpty();
        assertThat(fetcher.syncFailures).singleElement().asString().contains("checksum mismatch");
        assertThat(fetcher.storage.superblock()).isEqualTo(before);
        assertThat(fetcher.disk.image.events()).as("no disk write").hasSize(disk);
        assertThat(files(fetcher)).containsExactly(8);
        assertThat(fetcher.errors).isEmpty();

        // The storage goes on: the next request is served.
        fetcher.append();
        assertThat(fetcher.prepared).hasSize(11);
    }

    @Test
    void aStagedFileOfAnotherSizeChecksumOrStateFailsTheInstall() {
        CheckpointRun peer = peer();
        byte[] file = peer.fileOf(16);
        Checkpoint checkpoint = peer.checkpointAt(16);

        CheckpointRun shortFile = new CheckpointRun();
        shortFile.stage(16, Arrays.copyOf(file, file.length - 1), CHUNK);
        shortFile.install(checkpoint, file, 1, -1);
        assertThat(shortFile.syncFailures).singleElement().asString().contains("bytes, but the offered file has");

        // A whole, intact file of another state under the same op: its identity gives it away.
        CheckpointRun other = new CheckpointRun();
        Checkpoint claimed = new Checkpoint(16, checkpoint.entryChecksum(), checkpoint.entryTimestamp(),
                checkpoint.identity(), CheckpointRun.EMPTY_CLIENT_TABLE);
        byte[] forged = CheckpointFile.encode(CheckpointRun.CLUSTER, claimed, "another state".getBytes());
        other.stage(16, forged, CHUNK);
        other.install(checkpoint, forged, 1, -1);
        assertThat(other.syncFailures).singleElement().asString().contains("restores to identity");

        CheckpointRun nothing = new CheckpointRun();
        nothing.install(checkpoint, file, 1, -1);
        assertThat(nothing.syncFailures).singleElement().asString().contains("cannot be read");
        assertThat(nothing.storage.superblock().checkpoint()).isEqualTo(CheckpointReference.NONE);
    }

    @Test
    void aChunkAtOffsetZeroOrOfAnotherCheckpointStartsTheStagedFileOver() {
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.storage.writeSyncChunk(16, 0, new byte[] {1, 2, 3});
        fetcher.storage.writeSyncChunk(16, 3, new byte[] {4});
        assertThat(fetcher.store.staged).containsExactly(1, 2, 3, 4);
        fetcher.storage.writeSyncChunk(16, 0, new byte[] {9});
        assertThat(fetcher.store.staged).containsExactly(9);
        fetcher.storage.writeSyncChunk(24, 0, new byte[] {7, 7});
        assertThat(fetcher.store.stagedOp).isEqualTo(24);
        assertThat(fetcher.store.staged).containsExactly(7, 7);
        assertThat(fetcher.staged).containsExactly(3L, 4L, 1L, 2L);
    }

    @Test
    void aFullDiskStopsStagingAndTheInstallAtTheStepThatFailedAndResumeGoesOnFromThere() {
        CheckpointRun peer = peer();
        CheckpointRun fetcher = fetcherAt8(10);
        byte[] file = peer.fileOf(16);

        fetcher.store.full = true;
        fetcher.stage(16, file, CHUNK);
        assertThat(fetcher.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(fetcher.staged).isEmpty();
        fetcher.store.full = false;
        fetcher.storage.resume();
        assertThat(fetcher.store.staged).isEqualTo(file);

        // Full while the superblock names it: the staged file is already the checkpoint's.
        fetcher.disk.full = true;
        fetcher.install(peer.checkpointAt(16), file, 1, -1);
        assertThat(fetcher.errors).hasSize(2);
        assertThat(fetcher.installed).isEmpty();
        assertThat(CheckpointRun.restart(fetcher.disk, fetcher.store).superblock().checkpoint().op()).isEqualTo(8);
        fetcher.disk.full = false;
        fetcher.storage.resume();
        assertThat(fetcher.installed).hasSize(1);
        assertThat(files(fetcher)).containsExactly(16);
        assertThat(CheckpointRun.restart(fetcher.disk, fetcher.store).loaded().contents().checkpoint())
                .isEqualTo(peer.checkpointAt(16));
    }

    @Test
    void aFailedSyncOfAStagedChunkIsFatal() {
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.store.syncFails = true;
        fetcher.storage.writeSyncChunk(16, 0, new byte[] {1, 2, 3});
        assertThat(fetcher.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.SYNC));
        fetcher.store.syncFails = false;
        fetcher.storage.resume();
        assertThat(fetcher.storage.status()).startsWith("failed");
        assertThat(fetcher.staged).isEmpty();
    }

    @Test
    void aRestartDiscardsTheStagedFileOfASyncTheCrashCutShort() {
        CheckpointRun peer = peer();
        CheckpointRun fetcher = fetcherAt8(9);
        fetcher.stage(16, Arrays.copyOf(peer.fileOf(16), CHUNK), CHUNK);
        assertThat(fetcher.store.staged).isNotNull();

        CheckpointRun.restart(fetcher.disk, fetcher.store).open(fetcher.disk, fetcher.store);
        assertThat(fetcher.store.staged).isNull();
        assertThat(files(fetcher)).containsExactly(8);
    }
}
