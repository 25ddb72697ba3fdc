package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency and damage of a journal ring that wraps (docs/CHECKPOINTS.md, section 4): a
 * replica's storage writes 400 ops through a ring of 32 slots, checkpointing every 8 ({@link
 * WrappedRun}), so every slot is overwritten a dozen times and at every point most slots hold
 * ops of earlier laps. The disk a crash would leave is rebuilt at every event, inside every
 * write, with unsynced writes lost in any order; then, at points all across the laps, with a
 * flipped bit, an unreadable sector and a flipped bit, and a lost write. Each time recovery must
 * start at the checkpoint the superblock names and return every acknowledged op after it intact,
 * or report it, and never take an earlier lap's op for a live one.
 */
class WrappedJournalCrashTest {
    private static WrappedRun run;

    @BeforeAll
    static void record() {
        run = WrappedRun.record(21, 400);
        assertThat(run.checkpointsDurable).hasSizeGreaterThan(40);
    }

    private static int size() {
        return (int) WrappedRun.LAYOUT.sizeBytes();
    }

    /**
     * After a crash alone: the log from the named checkpoint (no older than the last one reported
     * durable) holds every acknowledged op, no op that was never written, and no fault: a torn
     * write is never mistaken for damage, nor an earlier lap for a later one.
     */
    private static void assertRecoversAfterCrash(ImageDisk disk, int events, String where) {
        WrittenJournal.Booted booted = WrappedRun.boot(disk);
        Journal.Recovery recovery = booted.recovery();
        long checkpointOp = booted.superblock().checkpoint().op();
        assertThat(recovery.faults()).as("%s: faults", where).isEmpty();
        assertThat(recovery.anchorOp()).as(where).isEqualTo(checkpointOp);
        assertThat(checkpointOp).as("%s: the named checkpoint", where).isGreaterThanOrEqualTo(run.durableCheckpointAt(events));
        if (checkpointOp > 0) {
            assertThat(booted.superblock().checkpoint().entryChecksum()).as(where)
                    .isEqualTo(run.log.get((int) checkpointOp - 1).checksum());
        }
        assertThat(recovery.headOp()).as("%s: every acknowledged op", where)
                .isGreaterThanOrEqualTo(Math.max(checkpointOp, run.acknowledgedAt(events)));
        assertThat(recovery.headOp()).as(where).isLessThanOrEqualTo(checkpointOp + WrappedRun.SLOTS);
        for (long op = checkpointOp + 1; op <= recovery.headOp(); op++) {
            Entry expected = run.log.get((int) op - 1);
            assertThat(recovery.entry(op)).as("%s: op %d", where, op).isEqualTo(expected);
        }
    }

    /**
     * After a crash and data faults: every acknowledged op after the named checkpoint is intact in
     * the recovered log, or reported (its body to repair, a broken chain at or above it, or a
     * damaged suffix from at or below it), and every op the log holds is the one written.
     */
    private static void assertNothingAcknowledgedIsSilentlyLost(ImageDisk disk, int events, String where) {
        WrittenJournal.Booted booted = WrappedRun.boot(disk);
        Journal.Recovery recovery = booted.recovery();
        long checkpointOp = booted.superblock().checkpoint().op();
        assertThat(recovery.anchorOp()).as(where).isEqualTo(checkpointOp);
        assertThat(checkpointOp).as(where).isGreaterThanOrEqualTo(run.durableCheckpointAt(events));
        long brokenUpTo = checkpointOp;
        long damagedFrom = Long.MAX_VALUE;
        for (Journal.Fault fault : recovery.faults()) {
            if (fault.kind() == Journal.Fault.Kind.BROKEN_CHAIN) brokenUpTo = Math.max(brokenUpTo, fault.op());
            if (fault.kind() == Journal.Fault.Kind.DAMAGED_SUFFIX) damagedFrom = Math.min(damagedFrom, fault.op());
        }
        for (long op = brokenUpTo + 1; op <= recovery.headOp(); op++) {
            Entry expected = run.log.get((int) op - 1);
            assertThat(recovery.checksums()[(int) (op - checkpointOp - 1)]).as("%s: op %d checksum", where, op)
                    .isEqualTo(expected.checksum());
            Entry entry = recovery.entry(op);
            if (entry != null) assertThat(entry).as("%s: op %d", where, op).isEqualTo(expected);
        }
        for (long op = brokenUpTo + 1; op <= run.acknowledgedAt(events) && op < damagedFrom; op++) {
            long o = op;
            assertThat(op).as("%s: acknowledged op %d is in the recovered log", where, op)
                    .isLessThanOrEqualTo(recovery.headOp());
            if (recovery.entry(op) == null) {
                assertThat(recovery.faults()).as("%s: op %d without a body is reported", where, op)
                        .anyMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR && f.op() == o);
            }
        }
    }

    @Test
    void aCrashAtEveryEventAndInsideEveryWriteAcrossTheLapsRecoversTheAcknowledgedLog() {
        List<ImageDisk.Event> events = run.events();
        Prng prng = new Prng(22);
        byte[] image = ImageDisk.replay(events, size(), run.formatEvents, 0);
        int torn = 0;
        for (int count = run.formatEvents; count <= events.size(); count++) {
            if (count > run.formatEvents) ImageDisk.apply(image, events.get(count - 1), Integer.MAX_VALUE);
            assertRecoversAfterCrash(new ImageDisk(ImageDisk.copy(image), WrappedRun.SECTOR), count,
                    "crash after " + count + " events");
            if (count < events.size() && !events.get(count).sync()) {
                ImageDisk.Event next = events.get(count);
                int partial = 1 + prng.nextInt(next.data().length);
                byte[] tornImage = ImageDisk.copy(image);
                ImageDisk.apply(tornImage, next, partial);
                assertRecoversAfterCrash(new ImageDisk(tornImage, WrappedRun.SECTOR), count,
                        "crash after " + count + " events, the next write torn at byte " + partial);
                torn++;
            }
        }
        assertThat(torn).isGreaterThan(1_000);
    }

    @Test
    void unsyncedWritesLostInAnyOrderAcrossTheLapsLoseNothingAcknowledged() {
        List<ImageDisk.Event> events = run.events();
        Prng prng = new Prng(23);
        for (int trial = 0; trial < 400; trial++) {
            int count = run.formatEvents + prng.nextInt(events.size() - run.formatEvents + 1);
            int lastSync = count - 1;
            while (lastSync >= 0 && !events.get(lastSync).sync()) lastSync--;
            byte[] image = ImageDisk.replay(events, size(), lastSync + 1, 0);
            for (int i = lastSync + 1; i < count; i++) {
                if (prng.chance(0.5)) ImageDisk.apply(image, events.get(i), Integer.MAX_VALUE);
            }
            assertRecoversAfterCrash(new ImageDisk(image, WrappedRun.SECTOR), lastSync + 1,
                    "trial " + trial + ": writes " + (lastSync + 1) + ".." + count + " each lost or kept");
        }
    }

    /** A point of the run (a number of events) and the image after it; points spread over every lap. */
    private static int point(Prng prng) {
        return run.formatEvents + prng.nextInt(run.events().size() - run.formatEvents + 1);
    }

    /** A slot of the ring: most often that of an acknowledged op after the last durable checkpoint, else any. */
    private static int aimedSlot(Prng prng, int events) {
        long first = run.durableCheckpointAt(events) + 1;
        long last = run.acknowledgedAt(events);
        if (last >= first && prng.chance(0.8)) {
            long op = prng.chance(0.3) ? last - prng.nextInt((int) Math.min(4, last - first + 1))
                    : first + prng.nextInt((int) (last - first + 1));
            return WrappedRun.LAYOUT.slotOf(op);
        }
        return prng.nextInt(WrappedRun.SLOTS);
    }

    @Test
    void aFlippedBitInOneCopyAnywhereAcrossTheLapsIsRepairedOrHarmless() {
        Journal.Layout layout = WrappedRun.LAYOUT;
        Prng prng = new Prng(24);
        int reported = 0;
        for (int trial = 0; trial < 600; trial++) {
            int events = point(prng);
            byte[] image = ImageDisk.replay(run.events(), size(), events, 0);
            int slot = aimedSlot(prng, events);
            long offset = switch (prng.nextInt(3)) {
                case 0 -> layout.prepareOffset(slot) + prng.nextInt(layout.slotSizeBytes());
                case 1 -> layout.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES
                        + prng.nextInt(EntryCodec.HEADER_SIZE_BYTES);
                default -> (long) prng.nextInt(Superblock.COPIES) * Superblock.COPY_SIZE_BYTES + prng.nextInt(128);
            };
            image[(int) offset] ^= (byte) (1 << prng.nextInt(8));
            ImageDisk disk = new ImageDisk(image, WrappedRun.SECTOR);
            String where = "trial " + trial + ": after " + events + " events, bit flipped at " + offset;
            assertNothingAcknowledgedIsSilentlyLost(disk, events, where);
            Journal.Recovery recovery = WrappedRun.boot(disk).recovery();
            // One copy of each op always survives: nothing is lost, at most a body is to repair.
            assertThat(recovery.faults()).as(where).allMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR);
            assertThat(recovery.headOp()).as(where).isGreaterThanOrEqualTo(run.acknowledgedAt(events));
            if (!recovery.clean()) reported++;
        }
        assertThat(reported).as("flips that hit a live prepare").isGreaterThan(50);
    }

    @Test
    void oneUnreadableSectorAndOneFlippedBitAcrossTheLapsNeverLoseAnAcknowledgedOpSilently() {
        // As JournalCrashTest's trial of the same name, at points all across the laps: one bad
        // sector of the headers ring holds four slots' headers, so with one flipped bit both
        // copies of a slot can be damaged; recovery must then report the damage.
        Journal.Layout layout = WrappedRun.LAYOUT;
        int headersPerSector = WrappedRun.SECTOR / EntryCodec.HEADER_SIZE_BYTES;
        Prng prng = new Prng(25);
        int damaged = 0;
        for (int trial = 0; trial < 800; trial++) {
            int events = point(prng);
            byte[] image = ImageDisk.replay(run.events(), size(), events, 0);
            int slot = aimedSlot(prng, events);
            long headerOffset = layout.headersOffset() + (long) slot * EntryCodec.HEADER_SIZE_BYTES;
            long badSector = prng.chance(0.5) ? headerOffset / WrappedRun.SECTOR
                    : layout.prepareOffset(slot) / WrappedRun.SECTOR;
            int neighbour = slot / headersPerSector * headersPerSector + prng.nextInt(headersPerSector);
            long flip = switch (prng.nextInt(3)) {
                case 0 -> layout.prepareOffset(slot) + prng.nextInt(300);
                case 1 -> headerOffset + prng.nextInt(EntryCodec.HEADER_SIZE_BYTES);
                default -> layout.prepareOffset(neighbour) + prng.nextInt(300);
            };
            image[(int) flip] ^= (byte) (1 << prng.nextInt(8));
            ImageDisk disk = new ImageDisk(image, WrappedRun.SECTOR);
            disk.unreadable(badSector);
            assertNothingAcknowledgedIsSilentlyLost(disk, events, "trial " + trial + ": after " + events
                    + " events, sector " + badSector + " unreadable, bit flipped at " + flip);
            if (!WrappedRun.boot(disk).recovery().clean()) damaged++;
        }
        assertThat(damaged).as("trials whose damage recovery reports").isGreaterThan(150);
    }

    @Test
    void aLostWriteOfEitherCopyAcrossTheLapsIsRepairedOrHarmless() {
        // A lost write reports success and leaves the media as it was: in a wrapped ring, the
        // slot keeps an earlier lap's record, which must read as never written for the live op,
        // never as that op.
        List<ImageDisk.Event> events = run.events();
        Prng prng = new Prng(26);
        int repairs = 0;
        int trials = 0;
        while (trials < 400) {
            int count = point(prng);
            int lost = run.formatEvents + prng.nextInt(Math.max(1, count - run.formatEvents));
            if (lost >= count || events.get(lost).sync() || events.get(lost).offset() < Superblock.ZONE_SIZE_BYTES) {
                continue; // a superblock copy's lost write is the superblock's trial, not the journal's
            }
            trials++;
            byte[] image = ImageDisk.replay(events, size(), lost, 0);
            for (int i = lost + 1; i < count; i++) ImageDisk.apply(image, events.get(i), Integer.MAX_VALUE);
            ImageDisk disk = new ImageDisk(image, WrappedRun.SECTOR);
            String where = "trial " + trials + ": write " + lost + " lost, after " + count + " events";
            assertNothingAcknowledgedIsSilentlyLost(disk, count, where);
            Journal.Recovery recovery = WrappedRun.boot(disk).recovery();
            assertThat(recovery.faults()).as(where).allMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR);
            assertThat(recovery.headOp()).as(where).isGreaterThanOrEqualTo(run.acknowledgedAt(count));
            if (!recovery.clean()) repairs++;
        }
        assertThat(repairs).as("lost prepares of live ops, repaired by their header copy").isGreaterThan(10);
    }
}
