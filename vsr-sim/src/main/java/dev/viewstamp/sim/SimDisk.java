package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulator's disk: sparse 512-byte sectors in memory, operations that complete after a drawn
 * latency (in ticks, on {@link #tick}), and the faults real disks have, each drawn from the seed:
 *
 * <ul>
 *   <li><b>lost writes</b>: a crash loses writes not yet synced, each sector independently, so a
 *       write can also be torn at sector granularity;
 *   <li><b>corruption</b>: a write may land with a flipped bit (detected only by checksums later);
 *   <li><b>lost writes</b>: a write may report success and never reach the media, leaving the
 *       sectors' old contents in place;
 *   <li><b>misdirected writes</b>: a write may land at the wrong sector offset;
 *   <li><b>latent sector errors</b>: a sector may become unreadable;
 *   <li><b>a full disk</b> ({@link #full}): writes fail with {@code NO_SPACE} until space returns;
 *   <li><b>a failed sync</b> ({@link #failNextSync}): the sync reports {@code SYNC}, and writes it
 *       should have made durable are each kept or dropped, as a page cache may drop them.
 * </ul>
 *
 * Faults that damage data (corruption, lost and misdirected writes, latent errors) are injected
 * only where the owner's {@link FaultPolicy} allows them, so a test or simulator can bound them to
 * what the on-disk format claims to survive (for example: never every copy of the newest
 * superblock, never both copies of one op's header) and to a minority of replicas, which keeps a
 * quorum of good copies of every acknowledged op.
 *
 * <p>Completions run in issue order on {@link #tick}, which the simulator calls once per tick.
 */
public final class SimDisk implements Disk {
    public static final int SECTOR_SIZE_BYTES = 512;

    /** Sync latency and fault probabilities of one disk. */
    public record Faults(int latencyTicksMax, double corruptProbability, double misdirectProbability,
            double latentErrorProbability, double lostWriteProbability) {
        public static final Faults NONE = new Faults(1, 0, 0, 0, 0);

        public Faults(int latencyTicksMax, double corruptProbability, double misdirectProbability,
                double latentErrorProbability) {
            this(latencyTicksMax, corruptProbability, misdirectProbability, latentErrorProbability, 0);
        }
    }

    /** A data fault that may hit one write. */
    public enum Fault { CORRUPT, MISDIRECT, LOST, LATENT }

    /**
     * Where data faults may land, decided by the disk's owner, who knows what each byte holds.
     * The disk draws a fault, then asks {@link #allows}; every write (faulty or not) is then
     * reported through {@link #landed}, so the owner can track what each record holds.
     */
    public interface FaultPolicy {
        /** Whether any data fault may hit a write of {@code length} bytes at {@code offset}. */
        boolean faulty(long offset, int length);

        /** Where a misdirected write of {@code length} bytes meant for {@code offset} lands, or -1 for nowhere allowed. */
        long misdirectTarget(long offset, int length, Prng prng);

        /**
         * Whether {@code fault} may hit this write: meant for {@code offset}, landing at {@code target}
         * ({@code lost}: nowhere), with byte {@code corruptIndex} flipped or the sector holding byte
         * {@code latentIndex} made unreadable (-1: neither).
         */
        boolean allows(Fault fault, long offset, byte[] data, long target, boolean lost, int corruptIndex, int latentIndex);

        /** A write completed as described (see {@link #allows}); {@code before} is what the target range held. */
        void landed(long offset, byte[] data, long target, boolean lost, int corruptIndex, int latentIndex);

        /** No data faults anywhere. */
        FaultPolicy NONE = zone(0, 0);

        /**
         * Faults anywhere in {@code [from, to)} with no further bound, and misdirected writes within
         * 64 sectors, inside the zone.
         */
        static FaultPolicy zone(long from, long to) {
            return new FaultPolicy() {
                @Override public boolean faulty(long offset, int length) {
                    return offset >= from && offset + length <= to;
                }

                @Override public long misdirectTarget(long offset, int length, Prng prng) {
                    long shifted = offset + (prng.chance(0.5) ? 1 : -1) * (long) SECTOR_SIZE_BYTES * (1 + prng.nextInt(64));
                    return faulty(shifted, length) ? shifted : -1;
                }

                @Override public boolean allows(Fault fault, long offset, byte[] data, long target, boolean lost,
                        int corruptIndex, int latentIndex) {
                    return true;
                }

                @Override public void landed(long offset, byte[] data, long target, boolean lost, int corruptIndex,
                        int latentIndex) {
                }
            };
        }
    }

    private record Op(long completeTick, Runnable action) {}

    private final long sizeBytes;
    private final Prng prng;
    private final Faults faults;
    private final Map<Long, byte[]> durable = new HashMap<>();
    private final Map<Long, byte[]> unsynced = new HashMap<>();
    private final List<Long> unsyncedOrder = new ArrayList<>();
    private final Map<Long, Boolean> unreadable = new HashMap<>();
    private final ArrayDeque<Op> pending = new ArrayDeque<>();
    private long now;
    private FaultPolicy policy = FaultPolicy.NONE;
    private long corruptions;
    private long misdirections;
    private long lostWrites;
    private long latentErrors;
    private long lostSectors;
    private boolean full;
    /** Writes still accepted before the disk fills (directed fault); -1 when none is planned. */
    private int writesUntilFull = -1;
    private boolean failNextSync;
    private long noSpaceErrors;
    private long syncErrors;

    public SimDisk(long sizeBytes, Prng prng, Faults faults) {
        if (sizeBytes % SECTOR_SIZE_BYTES != 0) throw new IllegalArgumentException("size not a multiple of a sector");
        this.sizeBytes = sizeBytes;
        this.prng = prng;
        this.faults = faults;
    }

    /** Whether data-damaging faults may hit writes issued from now on, anywhere on the disk. */
    public void allowDataFaults(boolean allow) {
        policy(allow ? FaultPolicy.zone(0, sizeBytes) : FaultPolicy.NONE);
    }

    /** Where data-damaging faults may hit writes that complete from now on. */
    public void policy(FaultPolicy policy) {
        this.policy = policy;
    }

    @Override
    public int sectorSizeBytes() {
        return SECTOR_SIZE_BYTES;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, byte[] buffer, Completion completion) {
        schedule(1, () -> {
            if (!inBounds(offset, buffer.length)) {
                completion.done(new DiskError(DiskError.Kind.READ, "read beyond the disk"));
                return;
            }
            for (long sector = offset / SECTOR_SIZE_BYTES; sector * SECTOR_SIZE_BYTES < offset + buffer.length; sector++) {
                if (unreadable.containsKey(sector)) {
                    completion.done(new DiskError(DiskError.Kind.READ, "latent sector error at sector " + sector));
                    return;
                }
            }
            copyOut(offset, buffer);
            completion.done(null);
        });
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        byte[] copy = data.clone();
        schedule(1, () -> {
            if (!inBounds(offset, copy.length)) {
                completion.done(new DiskError(DiskError.Kind.WRITE, "write beyond the disk"));
                return;
            }
            if (writesUntilFull == 0) full = true;
            if (writesUntilFull > 0) writesUntilFull--;
            if (full) {
                noSpaceErrors++;
                completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
                return;
            }
            long target = offset;
            boolean lost = false;
            int corruptIndex = -1;
            int latentIndex = -1;
            if (policy.faulty(offset, copy.length)) {
                if (prng.chance(faults.misdirectProbability())) {
                    long shifted = policy.misdirectTarget(offset, copy.length, prng);
                    if (shifted >= 0 && shifted != offset
                            && policy.allows(Fault.MISDIRECT, offset, copy, shifted, false, -1, -1)) {
                        target = shifted;
                        misdirections++;
                    }
                }
                // Drawn only when lost writes are on, so seeds without them replay as they did.
                if (target == offset && faults.lostWriteProbability() > 0 && prng.chance(faults.lostWriteProbability())
                        && policy.allows(Fault.LOST, offset, copy, target, true, -1, -1)) {
                    lost = true;
                    lostWrites++;
                }
                if (prng.chance(faults.corruptProbability())) {
                    int index = prng.nextInt(copy.length);
                    int bit = prng.nextInt(8);
                    if (!lost && policy.allows(Fault.CORRUPT, offset, copy, target, false, index, -1)) {
                        copy[index] ^= (byte) (1 << bit);
                        corruptIndex = index;
                        corruptions++;
                    }
                }
                if (prng.chance(faults.latentErrorProbability())) {
                    int index = prng.nextInt(copy.length);
                    if (!lost && policy.allows(Fault.LATENT, offset, copy, target, false, corruptIndex, index)) {
                        latentIndex = index;
                        latentErrors++;
                    }
                }
            }
            if (!lost) copyIn(target, copy);
            if (latentIndex >= 0) unreadable.put((target + latentIndex) / SECTOR_SIZE_BYTES, Boolean.TRUE);
            policy.landed(offset, copy, target, lost, corruptIndex, latentIndex);
            completion.done(null);
        });
    }

    @Override
    public void sync(Completion completion) {
        schedule(prng.between(1, faults.latencyTicksMax()), () -> {
            if (failNextSync) {
                failNextSync = false;
                syncErrors++;
                loseUnsynced();
                completion.done(new DiskError(DiskError.Kind.SYNC, "Input/output error"));
                return;
            }
            for (long sector : unsyncedOrder) durable.put(sector, unsynced.get(sector));
            unsynced.clear();
            unsyncedOrder.clear();
            completion.done(null);
        });
    }

    /** The sector at {@code offset} becomes unreadable until it is written again (media decay). */
    void decay(long offset) {
        unreadable.put(offset / SECTOR_SIZE_BYTES, Boolean.TRUE);
        latentErrors++;
    }

    /** What a read of {@code length} bytes at {@code offset} would return now, ignoring latent errors. */
    byte[] peek(long offset, int length) {
        byte[] bytes = new byte[length];
        copyOut(offset, bytes);
        return bytes;
    }

    /** Advances time and runs the operations that are due, in issue order. */
    public void tick() {
        now++;
        while (!pending.isEmpty() && pending.peekFirst().completeTick() <= now) pending.pollFirst().action().run();
    }

    /** True when no operation is waiting. */
    public boolean idle() {
        return pending.isEmpty();
    }

    /**
     * A crash: operations not yet run never happen, and each unsynced sector survives or is lost
     * independently (a write torn at sector granularity). Durable sectors stay.
     */
    public void crash() {
        pending.clear();
        loseUnsynced();
    }

    private void loseUnsynced() {
        for (long sector : unsyncedOrder) {
            if (prng.chance(0.5)) durable.put(sector, unsynced.get(sector));
            else lostSectors++;
        }
        unsynced.clear();
        unsyncedOrder.clear();
    }

    /** The disk is replaced by a blank one (its fault counts stay): what was on it is gone. */
    public void wipe() {
        pending.clear();
        durable.clear();
        unsynced.clear();
        unsyncedOrder.clear();
        unreadable.clear();
        full = false;
        writesUntilFull = -1;
        failNextSync = false;
    }

    /** While full, every write fails with {@code NO_SPACE} and writes nothing. */
    public void full(boolean full) {
        this.full = full;
        this.writesUntilFull = -1;
    }

    /** The disk fills after {@code writes} more writes succeed (a disk that fills in the middle of something). */
    public void fullAfterWrites(int writes) {
        this.writesUntilFull = writes;
    }

    public boolean full() {
        return full;
    }

    /** The next sync fails with {@code SYNC}. */
    public void failNextSync() {
        failNextSync = true;
    }

    public long noSpaceErrors() { return noSpaceErrors; }
    public long syncErrors() { return syncErrors; }
    public long corruptions() { return corruptions; }
    public long misdirections() { return misdirections; }
    public long lostWrites() { return lostWrites; }
    public long latentErrors() { return latentErrors; }
    public long lostSectors() { return lostSectors; }

    /** Fault counts so far, for the simulator's report. */
    public String faultCounts() {
        return "corrupt=" + corruptions + " misdirected=" + misdirections + " lost-writes=" + lostWrites + " latent="
                + latentErrors + " lost-sectors=" + lostSectors;
    }

    /** Reads and writes reach the page cache in a tick; a sync waits for the device, {@code latencyTicksMax} at most. */
    private void schedule(long latencyTicks, Runnable action) {
        long last = pending.isEmpty() ? now : pending.peekLast().completeTick();
        long complete = Math.max(last, now + latencyTicks);
        pending.addLast(new Op(complete, action));
    }

    private boolean inBounds(long offset, int length) {
        return offset >= 0 && length >= 0 && offset <= sizeBytes - length;
    }

    private void copyOut(long offset, byte[] buffer) {
        for (int done = 0; done < buffer.length; ) {
            long position = offset + done;
            long sector = position / SECTOR_SIZE_BYTES;
            int within = (int) (position % SECTOR_SIZE_BYTES);
            int length = Math.min(SECTOR_SIZE_BYTES - within, buffer.length - done);
            byte[] bytes = unsynced.get(sector);
            if (bytes == null) bytes = durable.get(sector);
            if (bytes == null) Arrays.fill(buffer, done, done + length, (byte) 0);
            else System.arraycopy(bytes, within, buffer, done, length);
            done += length;
        }
    }

    private void copyIn(long offset, byte[] data) {
        for (int done = 0; done < data.length; ) {
            long position = offset + done;
            long sector = position / SECTOR_SIZE_BYTES;
            int within = (int) (position % SECTOR_SIZE_BYTES);
            int length = Math.min(SECTOR_SIZE_BYTES - within, data.length - done);
            byte[] bytes = unsynced.get(sector);
            if (bytes == null) {
                byte[] base = durable.get(sector);
                bytes = base == null ? new byte[SECTOR_SIZE_BYTES] : Arrays.copyOf(base, SECTOR_SIZE_BYTES);
                unsynced.put(sector, bytes);
                unsyncedOrder.add(sector);
            }
            System.arraycopy(data, done, bytes, within, length);
            unreadable.remove(sector); // a rewrite remaps a bad sector
            done += length;
        }
    }
}
