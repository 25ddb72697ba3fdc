package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency of the real journal format: a replica's writes (appends, syncs, superblock
 * updates) are recorded, then the disk image a crash would leave is rebuilt at every write
 * boundary, in the middle of writes, with unsynced writes lost in any order, and with bits
 * flipped. After each, recovery must return every acknowledged (synced) entry intact or report it
 * for repair: nothing acknowledged is silently lost, and no exception but the documented results
 * escapes.
 */
class JournalCrashTest {
    private static final long CLUSTER = 4;
    private static final int SECTOR = 512;

    /**
     * A recorded run: the events, after each event index the ops that were durable (acknowledged),
     * and the index of the first event after formatting (earlier cuts leave no superblock at all,
     * which the data directory's open reports as unformatted).
     */
    private record Run(Journal.Layout layout, List<ImageDisk.Event> events, List<long[]> durableChecksums,
            List<Entry> allWritten, int formattedEvents) {}

    private static Run record(long seed, int entryCount, int slotCount) {
        Journal.Layout layout = new Journal.Layout(CLUSTER, slotCount, 256, SECTOR);
        ImageDisk disk = new ImageDisk((int) layout.sizeBytes(), SECTOR);
        Prng prng = new Prng(seed);
        Superblock.State superblock = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(1024).journalBodySizeBytesMax(4096).build();
        Superblock.write(disk, superblock, e -> assertThat(e).isNull());
        Journal journal = Journal.formatted(disk, layout);
        int formattedEvents = disk.events().size();

        List<Entry> log = new ArrayList<>();
        List<Entry> written = new ArrayList<>();
        List<long[]> durable = new ArrayList<>();
        long[] acknowledged = new long[0];
        for (int i = 0; i < disk.events().size(); i++) durable.add(acknowledged);
        long sequence = 0;
        long parent = OpLog.rootChecksum(CLUSTER);
        for (int n = 1; n <= entryCount; n++) {
            byte[] operation = new byte[prng.nextInt(200)];
            for (int b = 0; b < operation.length; b++) operation[b] = (byte) prng.nextLong();
            Entry entry = Entry.create(1, n, parent, n, List.of(new Request(7, n, operation)));
            parent = entry.checksum();
            log.add(entry);
            written.add(entry);
            journal.write(entry, ++sequence, 0, e -> assertThat(e).isNull());
            if (prng.chance(0.3) || n == entryCount) {
                journal.sync(e -> assertThat(e).isNull());
                acknowledged = log.stream().mapToLong(Entry::checksum).toArray();
            }
            if (prng.chance(0.05)) {
                // The superblock moves its head forward (as a view change or checkpoint would). It
                // names only durable entries, so the journal syncs first.
                journal.sync(e -> assertThat(e).isNull());
                superblock = superblock.successor().commit(0, 0).logHead(entry.op(), entry.checksum(), List.of())
                        .journalSequence(sequence).build();
                Superblock.write(disk, superblock, e -> assertThat(e).isNull());
                acknowledged = log.stream().mapToLong(Entry::checksum).toArray();
            }
            while (durable.size() < disk.events().size()) durable.add(acknowledged);
        }
        return new Run(layout, List.copyOf(disk.events()), durable, written, formattedEvents);
    }

    private static Journal.Recovery recover(Journal.Layout layout, byte[] image) {
        return recover(layout, new ImageDisk(image, SECTOR));
    }

    private static Journal.Recovery recover(Journal.Layout layout, ImageDisk disk) {
        AtomicReference<Superblock.ReadResult> superblock = new AtomicReference<>();
        Superblock.read(disk, superblock::set);
        assertThat(superblock.get().state()).as("a superblock survives").isNotNull();
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, layout, superblock.get().state(), result::set);
        return result.get().recovery();
    }

    /** Every acknowledged op is intact, or reported: repair of its body, a broken chain, or a damaged suffix. */
    private static void assertNothingAcknowledgedIsSilentlyLost(Journal.Recovery recovery, long[] acknowledged,
            String where) {
        // A broken chain at op k leaves ops 1..k unknown; a damaged suffix from op k leaves k.. unknown.
        long brokenUpTo = 0;
        long damagedFrom = Long.MAX_VALUE;
        for (Journal.Fault fault : recovery.faults()) {
            if (fault.kind() == Journal.Fault.Kind.BROKEN_CHAIN) brokenUpTo = Math.max(brokenUpTo, fault.op());
            if (fault.kind() == Journal.Fault.Kind.DAMAGED_SUFFIX) damagedFrom = Math.min(damagedFrom, fault.op());
        }
        for (int i = 0; i < acknowledged.length; i++) {
            long op = i + 1;
            if (op <= brokenUpTo) continue; // reported: the replica knows it must repair these
            if (op >= damagedFrom) return;
            assertThat(op).as("%s: acknowledged op %d is in the recovered log", where, op).isLessThanOrEqualTo(recovery.headOp());
            assertThat(recovery.checksums()[i]).as("%s: op %d checksum", where, op).isEqualTo(acknowledged[i]);
            Entry entry = recovery.entry(op);
            if (entry == null) {
                assertThat(recovery.faults()).as("%s: op %d without a body is reported", where, op)
                        .anyMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR && f.op() == op);
            } else {
                assertThat(entry.checksum()).isEqualTo(acknowledged[i]);
            }
        }
    }

    @Test
    void cutAtEveryWriteBoundaryAndInsideEveryWrite() {
        Run run = record(1, 2_000, 2_048);
        int size = (int) run.layout().sizeBytes();
        Prng prng = new Prng(2);
        // The image grows one event at a time; recovery only reads it.
        byte[] image = ImageDisk.replay(run.events(), size, run.formattedEvents(), 0);
        for (int count = run.formattedEvents(); count <= run.events().size(); count++) {
            if (count > run.formattedEvents()) ImageDisk.apply(image, run.events().get(count - 1), Integer.MAX_VALUE);
            long[] acknowledged = run.durableChecksums().get(Math.max(0, count - 1));
            if (count > 0 && !run.events().get(count - 1).sync()) {
                // A cut right after a write: only what the last completed sync covered is acknowledged.
                acknowledged = run.durableChecksums().get(count - 1);
            }
            Journal.Recovery whole = recover(run.layout(), image);
            assertNothingAcknowledgedIsSilentlyLost(whole, acknowledged, "cut after " + count + " events");
            if (count < run.events().size() && !run.events().get(count).sync()) {
                int partial = 1 + prng.nextInt(run.events().get(count).data().length);
                byte[] tornImage = ImageDisk.copy(image);
                ImageDisk.apply(tornImage, run.events().get(count), partial);
                Journal.Recovery torn = recover(run.layout(), tornImage);
                assertNothingAcknowledgedIsSilentlyLost(torn, acknowledged, "torn write " + count + " at byte " + partial);
            }
        }
    }

    @Test
    void unsyncedWritesLostInAnyOrderAcrossThousandsOfRecords() {
        Run run = record(3, 3_000, 4_096);
        int size = (int) run.layout().sizeBytes();
        Prng prng = new Prng(4);
        for (int trial = 0; trial < 200; trial++) {
            int count = run.formattedEvents() + prng.nextInt(run.events().size() - run.formattedEvents() + 1);
            // Find the last sync before the cut: writes after it may each be lost or kept.
            int lastSync = count - 1;
            while (lastSync >= 0 && !run.events().get(lastSync).sync()) lastSync--;
            byte[] image = ImageDisk.replay(run.events(), size, lastSync + 1, 0);
            for (int i = lastSync + 1; i < count; i++) {
                if (prng.chance(0.5)) ImageDisk.apply(image, run.events().get(i), Integer.MAX_VALUE);
            }
            long[] acknowledged = lastSync < 0 ? new long[0] : run.durableChecksums().get(lastSync);
            assertNothingAcknowledgedIsSilentlyLost(recover(run.layout(), image), acknowledged, "trial " + trial);
        }
    }

    @Test
    void aFlippedBitInOneCopyIsRepairedOrHarmless() {
        Run run = record(5, 1_000, 2_048);
        int size = (int) run.layout().sizeBytes();
        byte[] clean = ImageDisk.replay(run.events(), size, run.events().size(), 0);
        long[] acknowledged = run.durableChecksums().get(run.events().size() - 1);
        Prng prng = new Prng(6);
        int repairs = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] image = ImageDisk.copy(clean);
            // Flip a bit inside a written entry's prepare, or its header copy, or the superblock.
            long op = 1 + prng.nextInt(acknowledged.length);
            int slot = SlotClassifier.slotOf(op, run.layout().slotCount());
            long offset = switch (prng.nextInt(3)) {
                case 0 -> run.layout().prepareOffset(slot) + prng.nextInt(200);
                case 1 -> run.layout().headersOffset() + (long) slot * 128 + prng.nextInt(128);
                default -> (long) prng.nextInt(Superblock.COPIES) * Superblock.COPY_SIZE_BYTES + prng.nextInt(96);
            };
            image[(int) offset] ^= (byte) (1 << prng.nextInt(8));
            Journal.Recovery recovery = recover(run.layout(), image);
            assertNothingAcknowledgedIsSilentlyLost(recovery, acknowledged, "flip at " + offset);
            assertThat(recovery.headOp()).isEqualTo(acknowledged.length);
            if (!recovery.clean()) repairs++;
        }
        assertThat(repairs).as("some flips hit a prepare and need repair").isPositive();
    }

    @Test
    void oneUnreadableSectorAndOneFlippedBitNeverLoseAnAcknowledgedOpSilently() {
        // The format keeps two copies of every op, so it survives the loss of either copy of a
        // slot. One sector of the headers ring holds the headers of four slots, so one bad sector
        // and one flipped bit can damage both copies of a slot; recovery must then report the
        // damage, never take it for a torn write. The trials aim both faults at one op and its
        // neighbours in the headers ring, often at the last ops, where no later header shows that
        // the log went on.
        Run run = record(8, 600, 1_024);
        Journal.Layout layout = run.layout();
        byte[] clean = ImageDisk.replay(run.events(), (int) layout.sizeBytes(), run.events().size(), 0);
        long[] acknowledged = run.durableChecksums().get(run.events().size() - 1);
        int headersPerSector = SECTOR / EntryCodec.HEADER_SIZE_BYTES;
        Prng prng = new Prng(9);
        int damaged = 0;
        for (int trial = 0; trial < 600; trial++) {
            long op = prng.chance(0.3) ? acknowledged.length - prng.nextInt(headersPerSector)
                    : 1 + prng.nextInt(acknowledged.length);
            int slot = SlotClassifier.slotOf(op, layout.slotCount());
            long headerOffset = layout.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES;
            long badSector = switch (prng.nextInt(3)) {
                case 0 -> headerOffset / SECTOR;
                case 1 -> layout.prepareOffset(slot) / SECTOR;
                default -> layout.prepareOffset(slot) / SECTOR + prng.nextInt(layout.slotSizeBytes() / SECTOR);
            };
            int neighbour = Math.max(1, Math.min(acknowledged.length, slot / headersPerSector * headersPerSector
                    + prng.nextInt(headersPerSector)));
            long flip = switch (prng.nextInt(3)) {
                case 0 -> layout.prepareOffset(slot) + prng.nextInt(300);
                case 1 -> headerOffset + prng.nextInt(EntryCodec.HEADER_SIZE_BYTES);
                default -> layout.prepareOffset(neighbour) + prng.nextInt(300);
            };
            byte[] image = ImageDisk.copy(clean);
            image[(int) flip] ^= (byte) (1 << prng.nextInt(8));
            ImageDisk disk = new ImageDisk(image, SECTOR);
            disk.unreadable(badSector);
            Journal.Recovery recovery = recover(layout, disk);
            assertNothingAcknowledgedIsSilentlyLost(recovery, acknowledged, "trial " + trial + ": sector " + badSector
                    + " unreadable, bit flipped at " + flip);
            if (!recovery.clean()) damaged++;
        }
        assertThat(damaged).as("trials whose damage recovery reports").isGreaterThan(100);
    }

    @Test
    void aCleanShutdownRecoversEveryEntry() {
        Run run = record(7, 500, 1_024);
        byte[] image = ImageDisk.replay(run.events(), (int) run.layout().sizeBytes(), run.events().size(), 0);
        Journal.Recovery recovery = recover(run.layout(), image);
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(run.allWritten());
    }
}
