package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDiskTest {

    @Test
    void createPreallocatesTheWholeFileAndRefusesToOverwrite(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("replica.vsr");
        try (FileDisk disk = FileDisk.create(path, 64 * 1024)) {
            assertThat(disk.sizeBytes()).isEqualTo(64 * 1024);
        }
        assertThat(Files.size(path)).isEqualTo(64 * 1024);
        assertThatThrownBy(() -> FileDisk.create(path, 64 * 1024)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> FileDisk.create(dir.resolve("odd"), 1000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writtenAndSyncedDataSurvivesReopening(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("replica.vsr");
        byte[] data = "superblock".getBytes();
        try (FileDisk disk = FileDisk.create(path, 8192)) {
            AtomicReference<DiskError> error = new AtomicReference<>(new DiskError(DiskError.Kind.WRITE, "not called"));
            disk.write(4096, data, error::set);
            assertThat(error.get()).isNull();
            disk.sync(error::set);
            assertThat(error.get()).isNull();
        }
        try (FileDisk disk = FileDisk.openReadOnly(path)) {
            byte[] back = new byte[data.length];
            AtomicReference<DiskError> error = new AtomicReference<>();
            disk.read(4096, back, error::set);
            assertThat(error.get()).isNull();
            assertThat(back).isEqualTo(data);
        }
    }

    @Test
    void accessBeyondTheEndIsAnErrorNotAnException(@TempDir Path dir) throws Exception {
        try (FileDisk disk = FileDisk.create(dir.resolve("replica.vsr"), 4096)) {
            AtomicReference<DiskError> error = new AtomicReference<>();
            disk.write(4000, new byte[200], error::set);
            assertThat(error.get().kind()).isEqualTo(DiskError.Kind.WRITE);
            disk.read(-1, new byte[1], error::set);
            assertThat(error.get().kind()).isEqualTo(DiskError.Kind.READ);
        }
    }

    @Test
    void superblockRoundTripsThroughARealFile(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("replica.vsr");
        Superblock.State state = new Superblock.State(1, 9, 0, 3, 8, 4, 4, 17, 0, 17, 0xABC, 5, 30, java.util.List.of(), 1024, 4096, -1,
                java.util.Collections.nCopies(3, 0L), false);
        try (FileDisk disk = FileDisk.create(path, Superblock.ZONE_SIZE_BYTES)) {
            Superblock.write(disk, state, error -> assertThat(error).isNull());
        }
        try (FileDisk disk = FileDisk.open(path)) {
            Superblock.read(disk, result -> assertThat(result.state()).isEqualTo(state));
        }
    }
}
