package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Latent sector errors (issue 7): one unreadable sector must cost only what that sector holds,
 * and an unreadable copy is possible damage, never proof that something was not written. Each
 * test writes ops the way a replica does (prepares, sync, redundant headers, sync), so every op
 * may have been acknowledged, then damages the disk and restarts.
 */
class UnreadableSectorTest {
    private static final long CLUSTER = 7;
    private static final int SECTOR = 512;
    private static final Journal.Layout LAYOUT = new Journal.Layout(CLUSTER, 64, 256, SECTOR);

    private static final ReplicaStorage.Listener QUIET = new ReplicaStorage.Listener() {
        @Override public void onPrepareDurable(long op, long checksum) { }
        @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
        @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
    };

    private record Written(ImageDisk disk, List<Entry> log) {}

    /** Ops 1..count, made durable by ReplicaStorage's group commit. */
    private static Written written(int count) {
        ImageDisk disk = new ImageDisk((int) LAYOUT.sizeBytes(), SECTOR);
        Superblock.State formatted = new Superblock.State(1, CLUSTER, 0, 3, 0, 0, 0, 0, OpLog.rootChecksum(CLUSTER), 1, 0,
                List.of(), LAYOUT.slotCount(), LAYOUT.bodySizeBytesMax());
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, LAYOUT), formatted, 0, 0, QUIET);
        List<Entry> log = new ArrayList<>();
        long parent = OpLog.rootChecksum(CLUSTER);
        for (int op = 1; op <= count; op++) {
            Entry entry = Entry.create(0, op, parent, op, List.of(new Request(5, op, new byte[40])));
            log.add(entry);
            parent = entry.checksum();
            storage.persistPrepare(entry);
        }
        return new Written(disk, log);
    }

    private record Booted(Superblock.State superblock, Journal.RecoveryResult result) {
        Journal.Recovery recovery() {
            return result.recovery();
        }
    }

    private static Booted boot(Disk disk) {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, LAYOUT, read.get().state(), result::set);
        return new Booted(read.get().state(), result.get());
    }

    /** The sector of the headers ring that holds slot {@code slot}'s redundant header, counted from the disk's start. */
    private static long headerSector(int slot) {
        return (LAYOUT.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES) / SECTOR;
    }

    private static void flipBodyBit(ImageDisk disk, long op) {
        disk.image()[(int) LAYOUT.prepareOffset((int) op) + EntryCodec.HEADER_SIZE_BYTES + 7] ^= 0x10;
    }

    @Test
    void anUnreadableHeaderSectorDoesNotHideADamagedPrepareBeyondIt() {
        // Ops 1..10 are durable with their redundant headers. The sector holding the headers of
        // slots 0..3 goes bad, and a bit flips in op 5's body. Op 5's header is intact in the
        // next sector, so op 5 was durable and perhaps acknowledged, and so were 6..10. Reading
        // the whole ring in one read lost every header: op 5 then looked like a torn write, the
        // log ended at op 4 and recovery reported nothing.
        Written written = written(10);
        written.disk().unreadable(headerSector(0));
        flipBodyBit(written.disk(), 5);

        Journal.Recovery recovery = boot(written.disk()).recovery();

        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.REPAIR);
            assertThat(fault.op()).isEqualTo(5);
            assertThat(fault.checksum()).isEqualTo(written.log().get(4).checksum());
        });
        assertThat(recovery.headOp()).isEqualTo(10);
        assertThat(recovery.writtenOpMax()).isEqualTo(10);
        Replica.Damage damage = ReplicaStorage.durable(boot(written.disk()).superblock(), recovery).damage();
        assertThat(damage).isNotNull();
        assertThat(damage.opMax()).isEqualTo(10);
    }

    @Test
    void aDamagedPrepareUnderAnUnreadableHeaderIsDamageReachingTheLastOpItsSectorMayProve() {
        // Ops 1..11 are durable. The sector holding the headers of slots 8..11 goes bad, and a bit
        // flips in op 9's prepare header, so neither copy says what slot 9 holds. Its header may
        // have proven op 9 durable, and the headers of 10 and 11 theirs: the log ends at op 8,
        // but recovery must report damage from op 9 up to op 11, not a torn tail at op 9.
        Written written = written(11);
        written.disk().unreadable(headerSector(9));
        written.disk().image()[(int) LAYOUT.prepareOffset(9) + 20] ^= 0x01;

        Booted booted = boot(written.disk());
        Journal.Recovery recovery = booted.recovery();

        assertThat(recovery.slots().get(9).decision()).isEqualTo(SlotClassifier.Decision.LOST);
        assertThat(recovery.headOp()).isEqualTo(8);
        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.DAMAGED_SUFFIX);
            assertThat(fault.op()).isEqualTo(9);
        });
        assertThat(recovery.writtenOpMax()).isEqualTo(11);
        assertThat(ReplicaStorage.durable(booted.superblock(), recovery).damage().opMax()).isEqualTo(11);
    }

    /** After a restart, appends op {@code log.size() + 1} the way ReplicaStorage does, on the recovered journal. */
    private static void appendAfterRestart(ImageDisk disk, List<Entry> log) {
        Booted booted = boot(disk);
        Journal journal = booted.result().journal();
        long op = log.size() + 1;
        Entry entry = Entry.create(0, op, log.get(log.size() - 1).checksum(), op, List.of(new Request(5, op, new byte[40])));
        long sequence = booted.recovery().sequenceMax() + 1;
        journal.writePrepare(entry, sequence, e -> assertThat(e).isNull());
        journal.sync(e -> assertThat(e).isNull());
        journal.writeHeader(entry, sequence, e -> assertThat(e).isNull());
        journal.sync(e -> assertThat(e).isNull());
        log.add(entry);
    }

    @Test
    void aHeaderWriteAfterAReadErrorKeepsTheIntactHeadersOfItsNeighbours() {
        // A header write rewrites its whole sector from the in-memory ring. After a failed read of
        // the ring that ring was all zeros, so the first append after the restart (op 11) erased
        // the headers of ops 8..10, which share its sector: the proof that they were durable.
        Written written = written(10);
        written.disk().unreadable(headerSector(0));
        List<Entry> log = new ArrayList<>(written.log());

        appendAfterRestart(written.disk(), log);

        Journal.Recovery recovery = boot(written.disk()).recovery();
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(log);
        for (int slot = 4; slot <= 11; slot++) {
            assertThat(recovery.slots().get(slot).decision()).as("slot %d", slot).isEqualTo(SlotClassifier.Decision.OK);
        }
    }

    @Test
    void aHeaderWriteIntoAnUnreadableSectorRewritesTheLogHeadersItHeld() {
        // The first header written into a sector that could not be read (op 11's) also rewrites
        // the headers of ops 8..10 there, from the log recovery rebuilt, not as never written.
        Written written = written(10);
        written.disk().unreadable(headerSector(11));
        List<Entry> log = new ArrayList<>(written.log());

        appendAfterRestart(written.disk(), log);

        Journal.Recovery recovery = boot(written.disk()).recovery();
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(log);
        for (int slot = 1; slot <= 11; slot++) {
            assertThat(recovery.slots().get(slot).decision()).as("slot %d", slot).isEqualTo(SlotClassifier.Decision.OK);
        }
    }

    @Test
    void anUnreadableHeaderSectorAloneCostsNothingAcknowledged() {
        // Every prepare under the bad sector is intact and vouches for itself: the log is whole.
        Written written = written(10);
        written.disk().unreadable(headerSector(9));

        Journal.Recovery recovery = boot(written.disk()).recovery();

        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(written.log());
        assertThat(recovery.slots().get(9).headerCopy()).isEqualTo(SlotClassifier.HeaderCopy.UNREADABLE);
        assertThat(recovery.slots().get(11).decision()).isEqualTo(SlotClassifier.Decision.EMPTY);
    }
}
