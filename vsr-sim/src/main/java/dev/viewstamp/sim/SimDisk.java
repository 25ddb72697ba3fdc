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
 *   <li><b>misdirected writes</b>: a write may land at the wrong sector offset;
 *   <li><b>latent sector errors</b>: a sector may become unreadable;
 *   <li><b>a full disk</b> ({@link #full}): writes fail with {@code NO_SPACE} until space returns;
 *   <li><b>a failed sync</b> ({@link #failNextSync}): the sync reports {@code SYNC}, and writes it
 *       should have made durable are each kept or dropped, as a page cache may drop them.
 * </ul>
 *
 * Faults that damage data (corruption, misdirection, latent errors) are only injected into the
 * zone the caller marks as faulty ({@link #allowDataFaults}), and a misdirected write lands inside
 * it too, so a test or simulator can bound them: for example to the prepares of a minority of
 * replicas, which keeps a quorum of good copies of every acknowledged op.
 *
 * <p>Completions run in issue order on {@link #tick}, which the simulator calls once per tick.
 */
public final class SimDisk implements Disk {
    public static final int SECTOR_SIZE_BYTES = 512;

    /** Sync latency and fault probabilities of one disk. */
    public record Faults(int latencyTicksMax, double corruptProbability, double misdirectProbability,
            double latentErrorProbability) {
        public static final Faults NONE = new Faults(1, 0, 0, 0);
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
    private boolean dataFaults;
    private long faultZoneFrom;
    private long faultZoneTo;
    private long corruptions;
    private long misdirections;
    private long latentErrors;
    private long lostSectors;
    private boolean full;
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
        allowDataFaults(allow, 0, sizeBytes);
    }

    /** Whether data-damaging faults may hit writes issued from now on that lie within {@code [from, to)}. */
    public void allowDataFaults(boolean allow, long from, long to) {
        dataFaults = allow;
        faultZoneFrom = from;
        faultZoneTo = to;
    }

    private boolean inFaultZone(long offset, int length) {
        return dataFaults && offset >= faultZoneFrom && offset + length <= faultZoneTo;
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
            if (full) {
                noSpaceErrors++;
                completion.done(new DiskError(DiskError.Kind.NO_SPACE, "No space left on device"));
                return;
            }
            long target = offset;
            boolean faulty = inFaultZone(offset, copy.length);
            if (faulty && prng.chance(faults.misdirectProbability())) {
                long shifted = offset + (prng.chance(0.5) ? 1 : -1) * (long) SECTOR_SIZE_BYTES * (1 + prng.nextInt(64));
                if (inFaultZone(shifted, copy.length)) {
                    target = shifted;
                    misdirections++;
                }
            }
            if (faulty && prng.chance(faults.corruptProbability())) {
                copy[prng.nextInt(copy.length)] ^= (byte) (1 << prng.nextInt(8));
                corruptions++;
            }
            copyIn(target, copy);
            if (faulty && prng.chance(faults.latentErrorProbability())) {
                unreadable.put((target + prng.nextInt(copy.length)) / SECTOR_SIZE_BYTES, Boolean.TRUE);
                latentErrors++;
            }
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
        failNextSync = false;
    }

    /** While full, every write fails with {@code NO_SPACE} and writes nothing. */
    public void full(boolean full) {
        this.full = full;
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
    public long latentErrors() { return latentErrors; }
    public long lostSectors() { return lostSectors; }

    /** Fault counts so far, for the simulator's report. */
    public String faultCounts() {
        return "corrupt=" + corruptions + " misdirected=" + misdirections + " latent=" + latentErrors + " lost-sectors="
                + lostSectors;
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
