package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.CheckpointReference;
import dev.viewstamp.storage.DiskError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator's checkpoint files: completion on ticks, and what crashes and a full disk do to them. */
class SimCheckpointStoreTest {
    private static final long CLUSTER = 3;

    private final SimDisk disk = new SimDisk(64 * 1024, new Prng(1), SimDisk.Faults.NONE);
    private final SimCheckpointStore store = new SimCheckpointStore(new Prng(2), disk, 3);
    private final List<DiskError> completions = new ArrayList<>();

    private void tickUntilIdle() {
        for (int i = 0; i < 100 && !store.idle(); i++) store.tick();
        assertThat(store.idle()).isTrue();
    }

    private static byte[] file(long op) {
        return CheckpointFile.encode(CLUSTER, new Checkpoint(op, op * 7, op * 10, op * 13, new byte[] {1, 2}),
                ("state at " + op).getBytes());
    }

    @Test
    void aWriteCompletesOnATickAndACrashBeforeThatLosesIt() {
        store.write(8, file(8), completions::add);
        assertThat(completions).isEmpty();
        tickUntilIdle();
        assertThat(completions).containsExactly((DiskError) null);
        assertThat(store.ops()).containsExactly(8);

        store.write(16, file(16), completions::add);
        store.delete(8, completions::add);
        store.crash();
        tickUntilIdle();
        assertThat(completions).hasSize(1);
        assertThat(store.ops()).as("the write and the delete after it never happened").containsExactly(8);
    }

    @Test
    void aFullDiskFailsAWriteAndLeavesNoFile() {
        disk.full(true);
        store.write(8, file(8), completions::add);
        tickUntilIdle();
        assertThat(completions).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.NO_SPACE));
        assertThat(store.ops()).isEmpty();

        store.failNextSync();
        disk.full(false);
        store.write(8, file(8), completions::add);
        tickUntilIdle();
        assertThat(completions.get(1).kind()).isEqualTo(DiskError.Kind.SYNC);
        assertThat(store.ops()).isEmpty();
    }

    @Test
    void faultsHitServedChunksAndTheStagedFileButNeverTheFileARestartReads() {
        byte[] file = file(8);
        store.write(8, file, completions::add);
        tickUntilIdle();
        store.faults(new SimCheckpointStore.Faults(1.0, 0));
        store.crash();
        CheckpointReference named = CheckpointReference.of(
                new Checkpoint(8, 56, 80, 104, new byte[] {1, 2}), file.length, CheckpointFile.checksum(file));
        List<CheckpointFile.Loaded> loaded = new ArrayList<>();
        CheckpointFile.load(store, CLUSTER, named, loaded::add);
        tickUntilIdle();
        assertThat(loaded).singleElement().satisfies(l -> assertThat(l.problem()).isNull());

        // A chunk served to a peer comes back damaged; the file stays whole.
        List<byte[]> chunks = new ArrayList<>();
        store.readRange(8, 0, file.length, (bytes, e) -> chunks.add(bytes));
        tickUntilIdle();
        assertThat(chunks.get(0)).hasSize(file.length).isNotEqualTo(file);
        assertThat(store.corruptedFiles).isEqualTo(1);

        // The staged file is damaged when its install reads it.
        store.writeStaged(16, 0, file(16), completions::add);
        tickUntilIdle();
        List<byte[]> staged = new ArrayList<>();
        store.readStaged(16, (bytes, e) -> staged.add(bytes));
        tickUntilIdle();
        assertThat(staged.get(0)).isNotEqualTo(file(16));

        store.faults(new SimCheckpointStore.Faults(0, 1.0));
        List<DiskError> errors = new ArrayList<>();
        store.readRange(8, 0, 8, (bytes, e) -> errors.add(e));
        tickUntilIdle();
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo(DiskError.Kind.READ));
        store.crash();
        store.readStaged(16, (bytes, e) -> errors.add(e));
        tickUntilIdle();
        assertThat(errors).hasSize(2).last().isNotNull();
        assertThat(store.ops()).containsExactly(8);
    }

    @Test
    void withoutFilesOrWorkTheStoreDrawsNothingFromTheSeed() {
        Prng shared = new Prng(5);
        Prng untouched = new Prng(5);
        SimCheckpointStore idle = new SimCheckpointStore(shared, disk, 3);
        idle.faults(new SimCheckpointStore.Faults(0.5, 0.5));
        idle.crash();
        idle.tick();
        idle.wipe();
        assertThat(shared.nextLong()).isEqualTo(untouched.nextLong());
    }
}
