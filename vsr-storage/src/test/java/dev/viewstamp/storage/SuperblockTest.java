package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SuperblockTest {

    @Test
    void aCopyNamesAsManyHeadersAsTheLongestLogChangeTheCoreMakes() {
        assertThat(Superblock.SUFFIX_HEADERS_MAX).isEqualTo(ClusterConfig.LOG_CHANGE_ENTRIES_MAX);
        assertThat(Superblock.REPLICAS_MAX).isEqualTo(ClusterConfig.REPLICAS_MAX);
    }

    @Test
    void aReplicaStartsOnlyWithTheLimitsItsDataFileWasFormattedWith() {
        // FORMATTED: cluster 5, three replicas, journal bodies up to 4096 bytes.
        ClusterConfig.Builder matching = ClusterConfig.builder().clusterId(5).replicaCount(3)
                .journalBodySizeBytesMax(4096).batchSizeBytesMax(4096);
        FORMATTED.checkConfig(matching.build());
        FORMATTED.checkConfig(matching.batchSizeBytesMax(1000).build()); // smaller batches fit too

        // The defaults (256 KiB) on a data file formatted for 4 KiB: batches its journal cannot hold.
        assertThatThrownBy(() -> FORMATTED.checkConfig(ClusterConfig.builder().clusterId(5).replicaCount(3).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("formatted for bodies up to 4096 bytes, but the configuration's "
                        + "journalBodySizeBytesMax is 262144");
        assertThatThrownBy(() -> FORMATTED.checkConfig(ClusterConfig.builder().clusterId(5).replicaCount(3)
                .journalBodySizeBytesMax(2048).batchSizeBytesMax(2048).build()))
                .hasMessageContaining("journalBodySizeBytesMax is 2048");
        assertThatThrownBy(() -> FORMATTED.checkConfig(ClusterConfig.builder().clusterId(6).replicaCount(3)
                .journalBodySizeBytesMax(4096).batchSizeBytesMax(4096).build()))
                .hasMessageContaining("belongs to cluster 5");
        assertThatThrownBy(() -> FORMATTED.checkConfig(ClusterConfig.builder().clusterId(5).replicaCount(5)
                .journalBodySizeBytesMax(4096).batchSizeBytesMax(4096).build()))
                .hasMessageContaining("formatted for 3 replicas");
    }

    @Test
    void theDamageCrashVectorAndRecoveringFlagSurviveARoundTrip() {
        Superblock.State damaged = FORMATTED.successor().view(4).logView(3).damagedOpMax(17).crashVector(new long[] {0, 3, 1}).build();
        Superblock.State whole = damaged.successor().view(5).logView(5).damagedOpMax(-1).build();
        Superblock.State recovering = FORMATTED.recoveringFromLostDisk();
        for (Superblock.State state : List.of(damaged, whole, recovering)) {
            for (int copy = 0; copy < Superblock.COPIES; copy++) {
                try {
                    assertThat(Superblock.decode(Superblock.encode(state, copy), copy)).isEqualTo(state);
                } catch (dev.viewstamp.codec.CodecException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertThat(damaged.damagedOpMax()).isEqualTo(17);
        assertThat(whole.damagedOpMax()).isEqualTo(-1);
        assertThat(whole.crashVector()).containsExactly(0L, 3L, 1L);
        assertThat(recovering.recovering()).isTrue();
        assertThat(whole.recovering()).isFalse();
    }
    @Test
    void theCheckpointAndItsIntervalSurviveARoundTrip() throws Exception {
        Superblock.State every8 = FORMATTED.toBuilder().checkpointIntervalOps(8).build();
        CheckpointReference named = new CheckpointReference(48, 0xABCDL, 0x1234L, 99_000, 4_096, 0x5678L);
        Superblock.State checkpointed = every8.successor().view(2).logView(2).commit(50, 7).checkpoint(named).build();
        for (Superblock.State state : List.of(every8, checkpointed)) {
            for (int copy = 0; copy < Superblock.COPIES; copy++) {
                assertThat(Superblock.decode(Superblock.encode(state, copy), copy)).isEqualTo(state);
            }
        }
        assertThat(checkpointed.checkpoint()).isEqualTo(named);
        assertThat(checkpointed.checkpointIntervalOps()).isEqualTo(8);
        // A later state keeps naming the checkpoint until another one replaces it.
        assertThat(checkpointed.successor().view(3).build().checkpoint()).isEqualTo(named);
        assertThat(FORMATTED.checkpoint()).isEqualTo(CheckpointReference.NONE);
    }

    @Test
    void aCheckpointFitsItsIntervalAndTheJournal() {
        // FORMATTED: 1,024 slots, a pipeline of 8.
        assertThatThrownBy(() -> FORMATTED.toBuilder().checkpointIntervalOps(509).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a journal of 1024 slots is too small for a checkpoint every 509 ops");
        assertThat(FORMATTED.toBuilder().checkpointIntervalOps(508).build().checkpointIntervalOps()).isEqualTo(508);
        CheckpointReference at50 = new CheckpointReference(50, 1, 2, 3, 4_096, 5);
        assertThatThrownBy(() -> FORMATTED.toBuilder().checkpointIntervalOps(8).checkpoint(at50).build())
                .hasMessageContaining("a checkpoint at op 50 with a checkpoint interval of 8 ops");
        assertThatThrownBy(() -> FORMATTED.toBuilder().checkpoint(new CheckpointReference(48, 1, 2, 3, 4_096, 5)).build())
                .hasMessageContaining("interval of 0 ops");
        assertThatThrownBy(() -> new CheckpointReference(0, 1, 0, 0, 0, 0)).hasMessageContaining("no checkpoint");
        assertThatThrownBy(() -> new CheckpointReference(8, 1, 2, 3, 10, 5)).hasMessageContaining("names a file of 10 bytes");
    }

    @Test
    void aReplicaStartsOnlyWithTheCheckpointIntervalItsDataFileWasFormattedWith() {
        ClusterConfig.Builder matching = ClusterConfig.builder().clusterId(5).replicaCount(3)
                .journalBodySizeBytesMax(4096).batchSizeBytesMax(4096);
        Superblock.State every8 = FORMATTED.toBuilder().checkpointIntervalOps(8).build();
        every8.checkConfig(matching.checkpointIntervalOps(8).build());
        assertThatThrownBy(() -> every8.checkConfig(matching.checkpointIntervalOps(16).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("formatted to take a checkpoint every 8 ops (0: never), but the configuration's "
                        + "checkpointIntervalOps is 16");
        assertThatThrownBy(() -> FORMATTED.checkConfig(matching.checkpointIntervalOps(8).build()))
                .hasMessageContaining("every 0 ops (0: never), but the configuration's checkpointIntervalOps is 8");
    }

    @Test
    void aReplicaWhoseConfigurationNamesASlotCountStartsOnlyWithTheFormattedOne() {
        // FORMATTED: a journal of 1,024 slots. The core's ring rule counts them.
        ClusterConfig.Builder matching = ClusterConfig.builder().clusterId(5).replicaCount(3)
                .journalBodySizeBytesMax(4096).batchSizeBytesMax(4096);
        FORMATTED.checkConfig(matching.journalSlotCount(1024).build());
        FORMATTED.checkConfig(matching.journalSlotCount(0).build()); // no ring rule in the core: the journal's own limit
        assertThatThrownBy(() -> FORMATTED.checkConfig(matching.journalSlotCount(2048).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("journal has 1024 slots, but the configuration's journalSlotCount is 2048");
    }

    /** A copy of format version 2 as the build before checkpoints wrote it: the crash vector at 128, the suffix at 256. */
    private static byte[] version2Copy(int copyIndex) {
        byte[] bytes = new byte[Superblock.COPY_SIZE_BYTES];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(8, Superblock.MAGIC).putShort(12, (short) 2).putShort(14, (short) copyIndex).putLong(16, 1)
                .putLong(24, 5).putShort(32, (short) 1).putShort(34, (short) 3).putInt(36, 8).putInt(100, 1024)
                .putInt(104, 4096);
        b.putLong(0, dev.viewstamp.core.Checksum.of(bytes, 8, 256 - 8));
        return bytes;
    }

    @Test
    void aStateWithoutACheckpointLaysItsBytesWhereVersion2Did() throws Exception {
        // So crashes tear it and faults damage it as before, and runs without checkpoints replay
        // as they did: only the version and the checksum differ, and the checkpoint block is zero.
        List<EntryCodec.Header> headers = suffixHeaders(5);
        EntryCodec.Header head = headers.get(headers.size() - 1);
        Superblock.State state = FORMATTED.successor().view(2).logView(2).crashVector(new long[] {1, 2, 3})
                .logHead(head.op(), head.entryChecksum(), headers).journalSequence(9).build();
        byte[] copy = Superblock.encode(state, 1);
        for (int i = Superblock.COPY_SIZE_BYTES - 64; i < Superblock.COPY_SIZE_BYTES; i++) assertThat(copy[i]).isZero();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(12, (short) 2);
        b.putLong(0, dev.viewstamp.core.Checksum.of(copy, 8, 256 + 5 * EntryCodec.HEADER_SIZE_BYTES - 8));
        assertThat(Superblock.intactVersion2(copy)).isTrue();
    }

    @Test
    void aVersion2SuperblockIsRefusedWithAnAskToFormatAgain() {
        MemoryDisk disk = new MemoryDisk(SIZE);
        for (int copy = 0; copy < Superblock.COPIES; copy++) {
            disk.write((long) copy * Superblock.COPY_SIZE_BYTES, version2Copy(copy), e -> { });
        }
        Superblock.ReadResult result = read(disk);
        assertThat(result.state()).isNull();
        assertThat(result.olderVersion()).isTrue();
        assertThat(result.copies()).containsOnly(Superblock.CopyStatus.OLDER_VERSION);
        assertThat(result.problems().get(0)).contains("format version 2, written by an older build; this build reads "
                + "version 3 (checkpoints) only: format the data directory again (vsr format)");
        // A damaged copy of version 2 is just damaged.
        byte[] damaged = version2Copy(0);
        damaged[40] ^= 1;
        assertThat(Superblock.intactVersion2(damaged)).isFalse();
        assertThat(read(new MemoryDisk(SIZE)).olderVersion()).isFalse();
    }

    private static final Superblock.State FORMATTED = Superblock.State.formatted().clusterId(5).replicaIndex(1)
            .replicaCount(3).pipelinePrepareCountMax(8).formatId(77).journalSlotCount(1024).journalBodySizeBytesMax(4096)
            .build();

    private static final int SIZE = (int) Superblock.ZONE_SIZE_BYTES;

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
        MemoryDisk disk = new MemoryDisk(SIZE);
        assertThat(write(disk, FORMATTED)).isNull();
        Superblock.State next = FORMATTED.successor().view(3).logView(2).commit(10, 0).logHead(12, 0x99, List.of())
                .journalSequence(40).build();
        assertThat(write(disk, next)).isNull();

        Superblock.ReadResult result = read(disk);
        assertThat(result.state()).isEqualTo(next);
        assertThat(result.degraded()).isFalse();
    }

    @Test
    void aDiskNeverWrittenHoldsNoSuperblock() {
        Superblock.ReadResult result = read(new MemoryDisk(SIZE));
        assertThat(result.state()).isNull();
        assertThat(result.copies()).containsOnly(Superblock.CopyStatus.INVALID);
    }

    @Test
    void aCrashDuringAWriteLeavesTheOldOrTheNewStateNeverNone() {
        // Copies are written and synced one at a time, so a crash finds some copies new, some old,
        // and at most one with any subset of its 32 sectors written.
        Superblock.State next = FORMATTED.successor().view(1).build();
        Prng prng = new Prng(11);
        for (int trial = 0; trial < 1_000; trial++) {
            MemoryDisk disk = new MemoryDisk(SIZE);
            write(disk, FORMATTED);
            int torn = prng.nextInt(Superblock.COPIES);
            for (int copy = 0; copy < torn; copy++) {
                disk.write((long) copy * Superblock.COPY_SIZE_BYTES, Superblock.encode(next, copy), e -> { });
                disk.sync(e -> { });
            }
            disk.write((long) torn * Superblock.COPY_SIZE_BYTES, Superblock.encode(next, torn), e -> { });
            assertThat(disk.unsyncedSectors()).hasSize(Superblock.COPY_SIZE_BYTES / MemoryDisk.SECTOR);
            disk.crash(prng.nextLong());
            assertThat(read(disk).state()).as("trial %d", trial).isIn(FORMATTED, next);
        }
    }

    @Test
    void oneCorruptOrMisdirectedCopyLosesNothing() {
        Prng prng = new Prng(3);
        for (int trial = 0; trial < 200; trial++) {
            MemoryDisk disk = new MemoryDisk(SIZE);
            write(disk, FORMATTED);
            Superblock.State next = FORMATTED.successor().view(2).logView(2).commit(5, 0).logHead(5, 0x55, List.of())
                    .journalSequence(9).build();
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

    private static List<EntryCodec.Header> suffixHeaders(int count) throws Exception {
        List<EntryCodec.Header> headers = new ArrayList<>();
        long parent = 0x1234;
        for (int op = 1; op <= count; op++) {
            dev.viewstamp.core.message.Entry entry = Entry.create(2, op, parent, op,
                    List.of(new Request(1, op, new byte[] {(byte) op})));
            byte[] bytes = EntryCodec.encode(entry, 5, op);
            headers.add(EntryCodec.decodeHeader(bytes, 0, 5, 1 << 20));
            parent = entry.checksum();
        }
        return headers;
    }

    @Test
    void carriesTheHeadersOfTheLastLogChange() throws Exception {
        List<EntryCodec.Header> headers = suffixHeaders(Superblock.SUFFIX_HEADERS_MAX);
        EntryCodec.Header head = headers.get(headers.size() - 1);
        Superblock.State next = FORMATTED.successor().view(2).logView(2).logHead(head.op(), head.entryChecksum(), headers)
                .journalSequence(9).build();
        MemoryDisk disk = new MemoryDisk(SIZE);
        write(disk, next);
        assertThat(read(disk).state()).isEqualTo(next);
        assertThat(read(disk).state().suffix()).hasSize(Superblock.SUFFIX_HEADERS_MAX);
    }

    @Test
    void refusesSuffixHeadersThatDoNotEndAtTheHead() throws Exception {
        List<EntryCodec.Header> headers = suffixHeaders(3);
        assertThatThrownBy(
                () -> FORMATTED.successor().view(2).logView(2).logHead(4, headers.get(2).entryChecksum(), headers).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not chain");
        assertThatThrownBy(
                () -> FORMATTED.successor().view(2).logView(2)
                        .logHead(3, headers.get(2).entryChecksum(), List.of(headers.get(0), headers.get(2))).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailedSyncIsReportedAndTheStateIsNotDurable() {
        MemoryDisk disk = new MemoryDisk(SIZE);
        write(disk, FORMATTED);
        disk.failSync(true);
        DiskError error = write(disk, FORMATTED.successor().view(9).build());
        assertThat(error.kind()).isEqualTo(DiskError.Kind.SYNC);
        disk.crash(0);
        assertThat(read(disk).state()).isEqualTo(FORMATTED);
    }
}
