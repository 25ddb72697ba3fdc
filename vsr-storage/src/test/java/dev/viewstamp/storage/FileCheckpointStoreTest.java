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
}
