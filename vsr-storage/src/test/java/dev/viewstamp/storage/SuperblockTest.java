package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SuperblockTest {
    private static final Superblock.State FORMATTED = new Superblock.State(1, 5, 1, 3, 0, 0, 0, 0, 0x1234, 77, 0);

    private static Superblock.ReadResult read(Disk disk) {
        AtomicReference<Superblock.ReadResult> result = new AtomicReference<>();
        Superblock.read(disk, result::set);
        return result.get();
    }

    private static DiskError write(Disk disk, Superblock.State state) {
        AtomicReference<DiskError> error = new AtomicReference<>();
        boolean[] done = {false};
        Superblock.write(disk, state, e -> {
            error.set(e);
            done[0] = true;
        });
        assertThat(done[0]).isTrue();
        return error.get();
    }

    @Test
    void readsBackTheLastWrittenStateFromEveryCopy() {
        MemoryDisk disk = new MemoryDisk(64 * 1024);
        assertThat(write(disk, FORMATTED)).isNull();
        Superblock.State next = FORMATTED.next(3, 2, 10, 12, 0x99, 40);
        assertThat(write(disk, next)).isNull();

        Superblock.ReadResult result = read(disk);
        assertThat(result.state()).isEqualTo(next);
        assertThat(result.degraded()).isFalse();
    }

    @Test
    void aDiskNeverWrittenHoldsNoSuperblock() {
        Superblock.ReadResult result = read(new MemoryDisk(64 * 1024));
        assertThat(result.state()).isNull();
        assertThat(result.copies()).containsOnly(Superblock.CopyStatus.INVALID);
    }

    @Test
    void aCrashDuringAWriteLeavesTheOldOrTheNewStateNeverNone() {
        // A crash before the sync keeps any subset of the new state's sectors (32 of them: four
        // copies of eight 512-byte sectors): whole copies, and torn copies at random.
        Superblock.State next = FORMATTED.next(1, 0, 0, 0, 0x1234, 0);
        Prng prng = new Prng(11);
        for (int trial = 0; trial < 2_000; trial++) {
            MemoryDisk disk = new MemoryDisk(64 * 1024);
            write(disk, FORMATTED);
            for (int copy = 0; copy < Superblock.COPIES; copy++) {
                disk.write((long) copy * Superblock.COPY_SIZE_BYTES, Superblock.encode(next, copy), e -> { });
            }
            assertThat(disk.unsyncedSectors()).hasSize(32);
            long kept;
            if (trial < 16) {
                kept = 0; // whole copies: every subset of the four
                for (int copy = 0; copy < 4; copy++) if ((trial & (1 << copy)) != 0) kept |= 0xFFL << (8 * copy);
            } else {
                kept = prng.nextLong() & 0xFFFF_FFFFL;
            }
            disk.crash(kept);
            assertThat(read(disk).state()).as("kept sectors %s", Long.toBinaryString(kept)).isIn(FORMATTED, next);
        }
    }

    @Test
    void oneCorruptOrMisdirectedCopyLosesNothing() {
        Prng prng = new Prng(3);
        for (int trial = 0; trial < 200; trial++) {
            MemoryDisk disk = new MemoryDisk(64 * 1024);
            write(disk, FORMATTED);
            Superblock.State next = FORMATTED.next(2, 2, 5, 5, 0x55, 9);
            write(disk, next);
            int victim = prng.nextInt(Superblock.COPIES);
            if (trial % 2 == 0) {
                disk.flipBit((long) victim * Superblock.COPY_SIZE_BYTES * 8 + prng.nextInt(Superblock.COPY_SIZE_BYTES * 8));
            } else {
                int source = (victim + 1) % Superblock.COPIES;
                disk.copy((long) source * Superblock.COPY_SIZE_BYTES, (long) victim * Superblock.COPY_SIZE_BYTES,
                        Superblock.COPY_SIZE_BYTES);
            }
            Superblock.ReadResult result = read(disk);
            assertThat(result.state()).isEqualTo(next);
            assertThat(result.degraded()).isTrue();
            assertThat(result.copies().get(victim)).isEqualTo(Superblock.CopyStatus.INVALID);
            assertThat(result.problems()).hasSize(1);
        }
    }

    @Test
    void aFailedSyncIsReportedAndTheStateIsNotDurable() {
        MemoryDisk disk = new MemoryDisk(64 * 1024);
        write(disk, FORMATTED);
        disk.failSync(true);
        DiskError error = write(disk, FORMATTED.next(9, 0, 0, 0, 0x1234, 0));
        assertThat(error.kind()).isEqualTo(DiskError.Kind.SYNC);
        disk.crash(0);
        assertThat(read(disk).state()).isEqualTo(FORMATTED);
    }
}
