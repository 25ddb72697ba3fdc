package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
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
        Superblock.State state = Superblock.State.formatted().clusterId(9).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(5).journalSlotCount(1024).journalBodySizeBytesMax(4096).build()
                .successor().view(4).logView(4).commit(17, 0).logHead(17, 0xABC, List.of()).journalSequence(30).build();
        try (FileDisk disk = FileDisk.create(path, Superblock.ZONE_SIZE_BYTES)) {
            Superblock.write(disk, state, error -> assertThat(error).isNull());
        }
        try (FileDisk disk = FileDisk.open(path)) {
            Superblock.read(disk, result -> assertThat(result.state()).isEqualTo(state));
        }
    }
}
