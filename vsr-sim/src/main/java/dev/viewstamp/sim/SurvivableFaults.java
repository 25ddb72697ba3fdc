package dev.viewstamp.sim;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.Prng;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.Superblock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The data faults one replica's disk may suffer: any of them, in the zones drawn for the disk
 * (superblock copies, redundant-header ring, prepares ring), as long as the result stays within
 * what the on-disk format claims to survive (docs/STORAGE.md, "What one disk survives"):
 *
 * <ol>
 *   <li>The newest superblock state keeps an intact copy: a fault must leave at least two copies
 *       that hold, intact, a state at least as new as the last completed write (two, because
 *       the copy being written when a crash comes may be torn).
 *   <li>Each op keeps an intact copy of its header, or the damage to both copies shows: a fault
 *       may damage an op's prepare or its redundant header, and both only when one of them is
 *       unreadable and the other is unreadable too or visibly broken (corrupt, or overwritten by
 *       a misdirected write), which recovery reports as {@code LOST}. A record left stale by a
 *       lost or misdirected write looks like one never written: with the other copy of its op
 *       damaged as well, and no later op naming it, nothing on the disk would say the op was
 *       ever written, and the journal would come back whole and one op short.
 * </ol>
 *
 * Misdirected writes land near their target or anywhere in a faulty zone, so they cross from one
 * zone into another (a header sector into the prepares ring, a prepare over superblock copies).
 * The policy tracks what each record holds from every write the disk completes.
 *
 * <p>The journal's ring wraps (docs/CHECKPOINTS.md, section 4), and recovery reads each slot for
 * the one op of the live window that it holds, taking an intact record of an earlier lap for one
 * never written. So the state is kept per slot, not per op, and it is about the slot's newest
 * write: {@code INTACT} holds what the last write there meant (an earlier lap's op until the
 * window's op is written), and {@code STALE} is what a lost or misdirected write left, which is
 * an earlier lap's intact record as often as zeros. The second condition above then guards each
 * slot's live op, whichever lap it is on; for a slot whose newest op a checkpoint covers it is
 * only caution.
 * ({@code SurvivableFaultsTest} runs many laps under every fault this bound lets in.)
 */
final class SurvivableFaults implements SimDisk.FaultPolicy {
    /** Zones a disk may be drawn to have faults in. */
    enum Zone { SUPERBLOCK, HEADERS, PREPARES }

    private static final int HEADER = EntryCodec.HEADER_SIZE_BYTES;
    private static final int COPY = Superblock.COPY_SIZE_BYTES;

    private final SimDisk disk;
    private final Journal.Layout layout;
    private final boolean[] faultyZones;
    /** What a record holds, as far as a fault made it differ from what its writer meant. */
    private static final byte INTACT = 0;
    /** Old contents a lost or misdirected write left: they look like a record never written. */
    private static final byte STALE = 1;
    /** Contents that fail their checksum or belong elsewhere (corrupt, or a misdirected write's). */
    private static final byte BROKEN = 2;
    private static final byte UNREADABLE = 3;

    private final byte[] headerState;
    private final byte[] prepareState;
    /** Per superblock copy, the sequence of the intact state it holds; -1 when damaged. */
    private final long[] copySequence = new long[Superblock.COPIES];
    /** The sequence of the last superblock state whose every copy was written. */
    private long completedSequence;
    /** Faults applied, by the zone they were meant for. */
    final long[] faultsByZone = new long[Zone.values().length];

    SurvivableFaults(SimDisk disk, Journal.Layout layout, boolean[] faultyZones) {
        this.disk = disk;
        this.layout = layout;
        this.faultyZones = faultyZones.clone();
        this.headerState = new byte[layout.slotCount()];
        this.prepareState = new byte[layout.slotCount()];
        // The disk was formatted before this policy saw a write: every copy holds state 1.
        Arrays.fill(copySequence, 1);
        completedSequence = 1;
    }

    /** The disk was replaced by a blank one: nothing on it is damaged, and nothing is written yet. */
    void reset() {
        Arrays.fill(headerState, INTACT);
        Arrays.fill(prepareState, INTACT);
        Arrays.fill(copySequence, 0);
        completedSequence = 0;
    }

    private Zone zoneOf(long offset) {
        if (offset < Superblock.ZONE_SIZE_BYTES) return Zone.SUPERBLOCK;
        if (offset < layout.preparesOffset()) return Zone.HEADERS;
        return Zone.PREPARES;
    }

    private long zoneStart(Zone zone) {
        return switch (zone) {
            case SUPERBLOCK -> 0;
            case HEADERS -> layout.headersOffset();
            case PREPARES -> layout.preparesOffset();
        };
    }

    private long zoneEnd(Zone zone) {
        return switch (zone) {
            case SUPERBLOCK -> Superblock.ZONE_SIZE_BYTES;
            case HEADERS -> layout.preparesOffset();
            case PREPARES -> layout.sizeBytes();
        };
    }

    @Override
    public boolean faulty(long offset, int length) {
        return faultyZones[zoneOf(offset).ordinal()] && zoneOf(offset + length - 1) == zoneOf(offset);
    }

    @Override
    public long misdirectTarget(long offset, int length, Prng prng) {
        long target;
        if (prng.chance(0.5)) {
            target = offset + (prng.chance(0.5) ? 1 : -1) * (long) SimDisk.SECTOR_SIZE_BYTES * (1 + prng.nextInt(64));
        } else {
            Zone zone = Zone.values()[prng.nextInt(Zone.values().length)];
            if (!faultyZones[zone.ordinal()]) return -1;
            long sectors = (zoneEnd(zone) - zoneStart(zone) - length) / SimDisk.SECTOR_SIZE_BYTES;
            if (sectors < 0) return -1;
            target = zoneStart(zone) + SimDisk.SECTOR_SIZE_BYTES * (sectors == 0 ? 0 : prng.between(0, sectors));
        }
        if (target < 0 || target + length > layout.sizeBytes()) return -1;
        return faultyZones[zoneOf(target).ordinal()] && zoneOf(target + length - 1) == zoneOf(target) ? target : -1;
    }

    @Override
    public boolean allows(SimDisk.Fault fault, long offset, byte[] data, long target, boolean lost, int corruptIndex,
            int latentIndex) {
        Records after = effects(offset, data, target, lost, corruptIndex, latentIndex);
        boolean allowed = after.survivable();
        if (allowed) faultsByZone[zoneOf(offset).ordinal()]++;
        return allowed;
    }

    /**
     * A latent error that appears on its own on a written sector (media decay, not a write), at
     * a random sector of a faulty zone, when the bound allows it. Returns the sector's offset, or -1.
     */
    long decay(Prng prng) {
        Zone zone = Zone.values()[prng.nextInt(Zone.values().length)];
        if (!faultyZones[zone.ordinal()]) return -1;
        long sectors = (zoneEnd(zone) - zoneStart(zone)) / SimDisk.SECTOR_SIZE_BYTES;
        long offset = zoneStart(zone) + SimDisk.SECTOR_SIZE_BYTES * prng.between(0, sectors - 1);
        Records after = new Records();
        after.mark(offset, SimDisk.SECTOR_SIZE_BYTES, UNREADABLE, null);
        if (!after.survivable()) return -1;
        after.apply();
        faultsByZone[zone.ordinal()]++;
        return offset;
    }

    @Override
    public void landed(long offset, byte[] data, long target, boolean lost, int corruptIndex, int latentIndex) {
        Records after = effects(offset, data, target, lost, corruptIndex, latentIndex);
        after.apply();
    }

    /** What the records would hold after a write, as a small set of changes over the current state. */
    private final class Records {
        final long[] copies = copySequence.clone();
        long completed = completedSequence;
        // Changed journal records: slot, and what it then holds.
        final java.util.Map<Integer, Byte> headers = new java.util.HashMap<>();
        final java.util.Map<Integer, Byte> prepares = new java.util.HashMap<>();

        byte header(int slot) {
            return headers.getOrDefault(slot, headerState[slot]);
        }

        byte prepare(int slot) {
            return prepares.getOrDefault(slot, prepareState[slot]);
        }

        /** Whether recovery can tell that the op of {@code slot} was written, from what its two copies hold. */
        boolean shows(int slot) {
            byte header = header(slot);
            byte prepare = prepare(slot);
            if (header == INTACT || prepare == INTACT) return true;
            return (header == UNREADABLE && prepare != STALE) || (prepare == UNREADABLE && header != STALE);
        }

        boolean survivable() {
            int current = 0;
            for (long sequence : copies) if (sequence >= 0 && sequence >= completed) current++;
            if (current < 2) return false;
            for (int slot : headers.keySet()) if (!shows(slot)) return false;
            for (int slot : prepares.keySet()) if (!shows(slot)) return false;
            return true;
        }

        void apply() {
            System.arraycopy(copies, 0, copySequence, 0, copies.length);
            completedSequence = completed;
            headers.forEach((slot, state) -> headerState[slot] = state);
            prepares.forEach((slot, state) -> prepareState[slot] = state);
        }

        /**
         * Marks the records overlapping {@code [from, from + length)} as holding {@code state}:
         * with {@code landing} (the bytes written at {@code from}), only those whose contents they change.
         */
        void mark(long from, int length, byte state, byte[] landing) {
            boolean damaged = state != INTACT;
            long to = from + length;
            for (long position = from; position < to; ) {
                Zone zone = zoneOf(position);
                long end = Math.min(to, zoneEnd(zone));
                switch (zone) {
                    case SUPERBLOCK -> {
                        for (int c = (int) (position / COPY); c <= (int) ((end - 1) / COPY); c++) {
                            if (damaged) copies[c] = -1;
                            else copies[c] = sequenceOf(landing);
                        }
                    }
                    case HEADERS -> {
                        int first = (int) ((position - layout.headersOffset()) / HEADER);
                        int last = (int) ((end - 1 - layout.headersOffset()) / HEADER);
                        for (int s = first; s <= last && s < layout.slotCount(); s++) {
                            if (landing == null || changes(landing, from, layout.headersOffset() + (long) s * HEADER, HEADER)) {
                                headers.put(s, state);
                            }
                        }
                    }
                    case PREPARES -> {
                        int first = (int) ((position - layout.preparesOffset()) / layout.slotSizeBytes());
                        int last = (int) ((end - 1 - layout.preparesOffset()) / layout.slotSizeBytes());
                        for (int s = first; s <= last && s < layout.slotCount(); s++) {
                            long slotStart = layout.preparesOffset() + (long) s * layout.slotSizeBytes();
                            if (landing == null || changes(landing, from, slotStart, layout.slotSizeBytes())) {
                                prepares.put(s, state);
                            }
                        }
                    }
                }
                position = end;
            }
        }

        /** True when the bytes of {@code landing} (written at {@code from}) change the record at {@code record}. */
        private boolean changes(byte[] landing, long from, long record, int length) {
            long start = Math.max(from, record);
            long end = Math.min(from + landing.length, record + length);
            if (start >= end) return false;
            byte[] current = disk.peek(start, (int) (end - start));
            for (long p = start; p < end; p++) if (current[(int) (p - start)] != landing[(int) (p - from)]) return true;
            return false;
        }
    }

    private static long sequenceOf(byte[] copy) {
        return copy.length >= 24 ? ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getLong(16) : -1;
    }

    private Records effects(long offset, byte[] data, long target, boolean lost, int corruptIndex, int latentIndex) {
        Records after = new Records();
        boolean misdirected = target != offset;
        if (lost || misdirected) {
            // The records meant to change keep their old contents: stale wherever the write would have changed them.
            // A superblock copy left stale still holds an older intact state; it only misses this one.
            if (zoneOf(offset) != Zone.SUPERBLOCK) after.mark(offset, data.length, STALE, data);
        } else {
            after.mark(offset, data.length, INTACT, data);
        }
        if (!lost && misdirected) after.mark(target, data.length, BROKEN, data);
        if (corruptIndex >= 0) after.mark(target + corruptIndex, 1, BROKEN, null);
        if (latentIndex >= 0) {
            long sector = (target + latentIndex) / SimDisk.SECTOR_SIZE_BYTES * SimDisk.SECTOR_SIZE_BYTES;
            after.mark(sector, SimDisk.SECTOR_SIZE_BYTES, UNREADABLE, null);
        }
        if (zoneOf(offset) == Zone.SUPERBLOCK && offset / COPY == Superblock.COPIES - 1) after.completed = sequenceOf(data);
        return after;
    }
}
