package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files in a real directory: written whole under their final name, read back, listed, deleted. */
class FileCheckpointStoreTest {

    private static DiskError write(CheckpointStore store, long op, byte[] file) {
        AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.write(op, file, error::set);
        return error.get();
    }

    private static byte[] read(CheckpointStore store, long op) {
        AtomicReference<byte[]> bytes = new AtomicReference<>();
        AtomicReference<DiskError> error = new AtomicReference<>();
        store.read(op, (file, e) -> {
            bytes.set(file);
            error.set(e);
        });
        assertThat(error.get()).isNull();
        return bytes.get();
    }

    private static long[] list(CheckpointStore store) {
        AtomicReference<long[]> ops = new AtomicReference<>();
        store.list((listed, error) -> {
            assertThat(error).isNull();
            ops.set(listed);
        });
        return ops.get();
    }

    @Test
    void aWrittenFileReadsBackUnderItsOpAndNoTemporaryFileStays(@TempDir Path dir) throws Exception {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        byte[] file = "a checkpoint's bytes".getBytes();
        assertThat(write(store, 120, file)).isNull();

        assertThat(read(store, 120)).isEqualTo(file);
        assertThat(Files.readAllBytes(dir.resolve("checkpoint-120.vsr"))).isEqualTo(file);
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("checkpoint-120.vsr");
        }
        // A second write of the same op replaces the file whole.
        byte[] shorter = "again".getBytes();
        assertThat(write(store, 120, shorter)).isNull();
        assertThat(read(store, 120)).isEqualTo(shorter);
    }

    @Test
    void listsCompleteFilesAndWhatACrashLeftButNothingElse(@TempDir Path dir) throws Exception {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        write(store, 40, new byte[] {1});
        write(store, 80, new byte[] {2});
        Files.write(dir.resolve("checkpoint-120.vsr.tmp"), new byte[] {3}); // a write a crash cut short
        Files.write(dir.resolve("replica.vsr"), new byte[] {4});
        Files.write(dir.resolve("members"), new byte[] {5});
        Files.write(dir.resolve("checkpoint-x.vsr"), new byte[] {6});

        assertThat(list(store)).containsExactly(40, 80, 120);
    }

    @Test
    void deleteRemovesTheFileAndItsLeftoversAndAMissingFileIsNoError(@TempDir Path dir) throws Exception {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        write(store, 40, new byte[] {1});
        Files.write(dir.resolve("checkpoint-40.vsr.tmp"), new byte[] {3});
        AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.delete(40, error::set);
        assertThat(error.get()).isNull();
        assertThat(list(store)).isEmpty();

        error.set(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.delete(40, error::set);
        assertThat(error.get()).isNull();
    }

    @Test
    void aMissingFileIsAReadErrorThatSaysSo(@TempDir Path dir) {
        AtomicReference<DiskError> error = new AtomicReference<>();
        new FileCheckpointStore(dir).read(7, (file, e) -> {
            assertThat(file).isNull();
            error.set(e);
        });
        assertThat(error.get().kind()).isEqualTo(DiskError.Kind.READ);
        assertThat(error.get().message()).contains("checkpoint-7.vsr is missing");
    }

    @Test
    void aWriteIntoADirectoryThatIsGoneFailsWithoutAFile(@TempDir Path dir) {
        FileCheckpointStore store = new FileCheckpointStore(dir.resolve("gone"));
        DiskError error = write(store, 40, new byte[] {1});
        assertThat(error).isNotNull();
        assertThat(error.kind()).isEqualTo(DiskError.Kind.WRITE);
    }

    private static DiskError stage(CheckpointStore store, long op, long offset, byte[] bytes) {
        AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.writeStaged(op, offset, bytes, error::set);
        return error.get();
    }

    private static byte[] readStaged(CheckpointStore store, long op) {
        AtomicReference<byte[]> bytes = new AtomicReference<>();
        store.readStaged(op, (file, e) -> bytes.set(e == null ? file : null));
        return bytes.get();
    }

    @Test
    void stagedChunksLandAtTheirOffsetsAndThePromotedFileIsTheCheckpoint(@TempDir Path dir) throws Exception {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        write(store, 40, new byte[] {1});
        assertThat(stage(store, 80, 0, new byte[] {1, 2, 3})).isNull();
        assertThat(stage(store, 80, 3, new byte[] {4, 5})).isNull();
        assertThat(readStaged(store, 80)).containsExactly(1, 2, 3, 4, 5);
        assertThat(readStaged(store, 40)).as("nothing staged of another op").isNull();
        assertThat(list(store)).as("a staged file is no checkpoint").containsExactly(40);

        // A chunk written again (a resume after a full disk) leaves the file ending with it.
        assertThat(stage(store, 80, 3, new byte[] {6})).isNull();
        assertThat(readStaged(store, 80)).containsExactly(1, 2, 3, 6);

        AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.promoteStaged(80, error::set);
        assertThat(error.get()).isNull();
        assertThat(read(store, 80)).containsExactly(1, 2, 3, 6);
        assertThat(list(store)).containsExactly(40, 80);
        assertThat(Files.exists(store.stagedPath(80))).isFalse();
        store.promoteStaged(80, error::set);
        assertThat(error.get().kind()).as("nothing staged any more").isEqualTo(DiskError.Kind.READ);
    }

    @Test
    void aChunkAtOffsetZeroOrOfAnotherOpStartsTheStagedFileOverAndDiscardRemovesIt(@TempDir Path dir) throws Exception {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        stage(store, 80, 0, new byte[] {1, 2, 3});
        stage(store, 80, 0, new byte[] {9});
        assertThat(readStaged(store, 80)).containsExactly(9);
        stage(store, 120, 0, new byte[] {7});
        assertThat(readStaged(store, 80)).isNull();
        assertThat(readStaged(store, 120)).containsExactly(7);

        AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
        store.discardStaged(error::set);
        assertThat(error.get()).isNull();
        try (var entries = Files.list(dir)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void aRangeReadGivesTheBytesAtItsOffsetAndFewerAtTheEnd(@TempDir Path dir) {
        FileCheckpointStore store = new FileCheckpointStore(dir);
        write(store, 40, new byte[] {0, 1, 2, 3, 4, 5, 6});
        AtomicReference<byte[]> bytes = new AtomicReference<>();
        store.readRange(40, 2, 3, (file, e) -> bytes.set(file));
        assertThat(bytes.get()).containsExactly(2, 3, 4);
        store.readRange(40, 5, 3, (file, e) -> bytes.set(file));
        assertThat(bytes.get()).containsExactly(5, 6);
        store.readRange(40, 9, 3, (file, e) -> bytes.set(file));
        assertThat(bytes.get()).isEmpty();
        AtomicReference<DiskError> error = new AtomicReference<>();
        store.readRange(41, 0, 3, (file, e) -> error.set(e));
        assertThat(error.get().message()).contains("is missing");
    }
}
