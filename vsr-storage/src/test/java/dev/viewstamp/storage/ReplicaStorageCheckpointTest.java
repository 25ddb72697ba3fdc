package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.replica.Replica;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints on the real storage (docs/CHECKPOINTS.md, sections 4 and 5): a checkpoint's file is
 * durable before a superblock names it, the previous file goes after, and a restart starts from
 * the named checkpoint with the log after it. Crashes at every step: {@link ReplicaStorageCheckpointCrashTest}.
 */
class ReplicaStorageCheckpointTest {

    private static long[] files(MemoryCheckpointStore store) {
        return store.files.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    private static CheckpointRun.Restarted restart(CheckpointRun run) {
        return CheckpointRun.restart(run.disk, run.store);
    }

    @Test
    void aCheckpointIsNamedOnceItsFileIsDurableAndThePreviousFileGoesAfterIt() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(8);
        run.checkpoint(8);
        assertThat(run.checkpointed).containsExactly(8L);
        assertThat(files(run.store)).containsExactly(8);
        assertThat(run.storage.superblock().checkpoint().op()).isEqualTo(8);

        run.appendUpTo(16);
        run.checkpoint(16);
        run.append();
        assertThat(run.checkpointed).containsExactly(8L, 16L);
        assertThat(files(run.store)).containsExactly(16);
        byte[] file = run.store.files.get(16L);
        assertThat(run.storage.superblock().checkpoint()).isEqualTo(
                CheckpointReference.of(run.checkpointAt(16), file.length, CheckpointFile.checksum(file)));
        assertThat(run.prepared).hasSize(17);
        assertThat(run.errors).isEmpty();
    }

    @Test
    void aRestartStartsFromTheNamedCheckpointWithTheLogAfterIt() throws Exception {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(12);
        run.checkpoint(8);
        run.appendUpTo(14);

        ReplicaStorage.Opened opened = restart(run).open(run.disk, run.store);
        Replica.Durable durable = opened.durable();
        assertThat(durable.checkpoint()).isEqualTo(run.checkpointAt(8));
        assertThat(durable.log()).containsExactlyElementsOf(run.log.subList(8, 14));
        assertThat(durable.damage()).isNull();
        assertThat(durable.pipelinePrepareCountMax()).isEqualTo(8);
        assertThat(opened.checkpointFile().snapshotStream().readAllBytes()).isEqualTo(CheckpointRun.snapshotOf(8));
        assertThat(restart(run).recovery().anchorOp()).isEqualTo(8);
    }

    @Test
    void aLogChangeCutBackBelowTheCheckpointLeavesTheLogStartingAtIt() {
        // The superblock's head (the cut-back's anchor, 14) lies below the checkpoint (16): recovery
        // starts at the checkpoint, and the ops written after that superblock extend the log.
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(18);
        run.checkpoint(16);
        int changeStart = run.disk.image.events().size();
        run.change(14, 2, 3);
        assertThat(run.errors).isEmpty();
        assertThat(restart(run).open(run.disk, run.store).durable().log()).containsExactlyElementsOf(run.log.subList(16, 19));

        // A crash right after the cut-back superblock (four copies, each synced): the old ops after
        // the checkpoint were written before it, so the log ends at the checkpoint.
        ImageDisk cut = new ImageDisk(ImageDisk.replay(run.disk.image.events(), (int) CheckpointRun.LAYOUT.sizeBytes(),
                changeStart + 2 * Superblock.COPIES, 0), CheckpointRun.SECTOR);
        CheckpointRun.Restarted restarted = CheckpointRun.restart(cut, run.store);
        assertThat(restarted.superblock().logHeadOp()).isEqualTo(14);
        Replica.Durable durable = restarted.open(cut, run.store).durable();
        assertThat(durable.checkpoint().op()).isEqualTo(16);
        assertThat(durable.log()).isEmpty();
        assertThat(durable.logView()).isEqualTo(0);
    }

    @Test
    void aJournalDamagedAfterACheckpointRestartsDamagedAboveIt() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(12);
        run.checkpoint(8);
        run.disk.image.image()[(int) CheckpointRun.LAYOUT.prepareOffset(10) + EntryCodec.HEADER_SIZE_BYTES + 3] ^= 0x20;

        CheckpointRun.Restarted restarted = restart(run);
        assertThat(restarted.recovery().faults()).singleElement()
                .satisfies(f -> assertThat(f.kind()).isEqualTo(Journal.Fault.Kind.REPAIR));
        Replica.Durable durable = restarted.open(run.disk, run.store).durable();
        assertThat(durable.checkpoint()).isEqualTo(run.checkpointAt(8));
        Replica.Damage damage = durable.damage();
        assertThat(damage.anchorOp()).isEqualTo(8);
        assertThat(damage.headOp()).isEqualTo(12);
        assertThat(damage.knownFromOp()).isEqualTo(9);
        assertThat(damage.opMax()).isEqualTo(12);
        assertThat(damage.checksums()).containsExactly(CheckpointRun.checksums(run.log.subList(8, 12)).stream()
                .mapToLong(Long::longValue).toArray());
        assertThat(damage.entries()[10 - 8 - 1]).as("op 10's body, to repair").isNull();
        assertThat(damage.entries()[11 - 8 - 1]).isEqualTo(run.log.get(10));
    }

    @Test
    void anInstallThatCutOpsItHeldDurableRestartsDamagedAboveTheInstalledCheckpoint() {
        // The core records as damage the ops an install cuts that it held durable (it may have
        // acknowledged them): a restart must not come back whole without them.
        CheckpointRun peer = new CheckpointRun();
        peer.appendUpTo(18);
        peer.checkpoint(16);
        CheckpointRun fetcher = new CheckpointRun();
        fetcher.appendUpTo(20);
        byte[] file = peer.fileOf(16);
        fetcher.stage(16, file, 64);
        fetcher.install(peer.checkpointAt(16), file, 1, 20);

        Replica.Durable durable = restart(fetcher).open(fetcher.disk, fetcher.store).durable();
        assertThat(durable.checkpoint()).isEqualTo(peer.checkpointAt(16));
        assertThat(durable.damage().anchorOp()).isEqualTo(16);
        assertThat(durable.damage().headOp()).isEqualTo(16);
        assertThat(durable.damage().opMax()).isEqualTo(20);
    }

    @Test
    void aMissingOrDamagedCheckpointFileRestartsWithTheCheckpointLostSayingWhyAndKeepsTheLogAfterIt() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(11);
        run.checkpoint(8);
        byte[] file = run.store.files.get(8L);

        file[CheckpointFile.HEADER_SIZE_BYTES + 2] ^= 1;
        ReplicaStorage.Opened damaged = restart(run).open(run.disk, run.store);
        assertThat(damaged.checkpointFile()).isNull();
        assertThat(damaged.checkpointProblem()).contains("checksum mismatch");
        Replica.Durable durable = damaged.durable();
        assertThat(durable.checkpointLost()).isTrue();
        assertThat(durable.checkpoint().op()).isEqualTo(8);
        assertThat(durable.checkpoint().identity()).isEqualTo(run.checkpointAt(8).identity());
        assertThat(durable.checkpoint().entryChecksum()).isEqualTo(run.checkpointAt(8).entryChecksum());
        assertThat(durable.log()).containsExactlyElementsOf(run.log.subList(8, 11));

        run.store.files.remove(8L);
        ReplicaStorage.Opened missing = restart(run).open(run.disk, run.store);
        assertThat(missing.checkpointProblem()).contains("is missing");
        assertThat(missing.durable().checkpointLost()).isTrue();
    }

    @Test
    void aRestartDeletesTheCheckpointFilesItsSuperblockDoesNotName() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(9);
        run.checkpoint(8);
        run.store.files.put(16L, new byte[] {1}); // written before a crash that came before its superblock
        run.store.leftovers.add(24L); // a write the crash cut short

        restart(run).open(run.disk, run.store);
        assertThat(files(run.store)).containsExactly(8);
        assertThat(run.store.leftovers).isEmpty();
    }

    @Test
    void aFullDiskWhileTheFileIsWrittenStopsAtTheCheckpointAndResumes() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(8);
        run.store.full = true;
        run.checkpoint(8);
        run.append();
        assertThat(run.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(run.storage.status()).startsWith("stopped");
        // Nothing after the checkpoint is reported: requests complete in order.
        assertThat(run.prepared).hasSize(8);
        assertThat(run.checkpointed).isEmpty();
        assertThat(run.storage.superblock().checkpoint()).isEqualTo(CheckpointReference.NONE);

        run.store.full = false;
        run.storage.resume();
        assertThat(run.checkpointed).containsExactly(8L);
        assertThat(run.prepared).hasSize(9);
        assertThat(restart(run).superblock().checkpoint().op()).isEqualTo(8);
    }

    @Test
    void aFileThatFailedOnAFullDiskBeforeItsTurnIsWrittenAgainAtItsTurn() {
        // The disk fills: the journal stops at op 9, and the checkpoint's file, written at once
        // beside the queue, fails too. Space returns and the storage resumes: at the checkpoint's
        // turn the file is written again, instead of the stale error stopping a storage whose
        // disk has space (found by the simulator once it took checkpoints).
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(8);
        run.disk.full = true;
        run.store.full = true;
        run.append();
        run.checkpoint(8);
        assertThat(run.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(run.store.writes).isEqualTo(1);

        run.disk.full = false;
        run.store.full = false;
        run.storage.resume();
        assertThat(run.errors).hasSize(1);
        assertThat(run.prepared).hasSize(9);
        assertThat(run.checkpointed).containsExactly(8L);
        assertThat(run.store.writes).isEqualTo(2);
        assertThat(restart(run).loaded().contents().checkpoint()).isEqualTo(run.checkpointAt(8));
    }

    @Test
    void aFullDiskWhileTheSuperblockNamesItResumesWithTheNameNotTheFile() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(8);
        run.disk.full = true;
        run.checkpoint(8);
        assertThat(run.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(files(run.store)).containsExactly(8);
        assertThat(restart(run).superblock().checkpoint()).isEqualTo(CheckpointReference.NONE);

        run.disk.full = false;
        run.storage.resume();
        assertThat(run.checkpointed).containsExactly(8L);
        assertThat(run.store.writes).isEqualTo(1);
        assertThat(restart(run).loaded().contents().checkpoint()).isEqualTo(run.checkpointAt(8));
    }

    @Test
    void aFailedSyncOfTheFileIsFatalAndNoSuperblockNamesIt() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(8);
        run.store.syncFails = true;
        run.checkpoint(8);
        assertThat(run.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.SYNC));
        run.store.syncFails = false;
        run.storage.resume();
        assertThat(run.storage.status()).startsWith("failed");
        assertThat(run.checkpointed).isEmpty();

        // The restart the process makes instead: no checkpoint, and the leftover goes.
        CheckpointRun.Restarted restarted = restart(run);
        assertThat(restarted.superblock().checkpoint()).isEqualTo(CheckpointReference.NONE);
        assertThat(restarted.open(run.disk, run.store).durable().log()).containsExactlyElementsOf(run.log);
        assertThat(run.store.leftovers).isEmpty();
    }

    @Test
    void aFailedDeleteOfThePreviousFileStopsAndResumeDeletesIt() {
        CheckpointRun run = new CheckpointRun();
        run.appendUpTo(16);
        run.checkpoint(8);
        run.store.deleteFails = true;
        run.checkpoint(16);
        assertThat(run.errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.WRITE));
        assertThat(run.storage.superblock().checkpoint().op()).isEqualTo(16);
        assertThat(run.checkpointed).containsExactly(8L);

        run.store.deleteFails = false;
        run.storage.resume();
        assertThat(run.checkpointed).containsExactly(8L, 16L);
        assertThat(files(run.store)).containsExactly(16);
    }
}
