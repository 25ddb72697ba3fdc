package dev.viewstamp.storage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A test disk in memory that models what a crash does: writes land in a volatile layer, a sync
 * moves them to the durable layer, and {@link #crash} keeps only the sectors the test chooses.
 * Operations complete synchronously.
 */
final class MemoryDisk implements Disk {
    static final int SECTOR = 512;

    private final byte[] durable;
    private final Map<Long, byte[]> volatileSectors = new LinkedHashMap<>();
    private boolean failSync;

    MemoryDisk(int sizeBytes) {
        this.durable = new byte[sizeBytes];
    }

    @Override
    public int sectorSizeBytes() {
        return SECTOR;
    }

    @Override
    public long sizeBytes() {
        return durable.length;
    }

    @Override
    public void read(long offset, byte[] buffer, Completion completion) {
        for (int i = 0; i < buffer.length; i++) {
            long position = offset + i;
            byte[] sector = volatileSectors.get(position / SECTOR);
            buffer[i] = sector != null ? sector[(int) (position % SECTOR)] : durable[(int) position];
        }
        completion.done(null);
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        for (int i = 0; i < data.length; i++) {
            long position = offset + i;
            byte[] sector = volatileSectors.computeIfAbsent(position / SECTOR,
                    s -> Arrays.copyOfRange(durable, (int) (s * SECTOR), (int) (s * SECTOR + SECTOR)));
            sector[(int) (position % SECTOR)] = data[i];
        }
        completion.done(null);
    }

    @Override
    public void sync(Completion completion) {
        if (failSync) {
            completion.done(new DiskError(DiskError.Kind.SYNC, "injected sync failure"));
            return;
        }
        volatileSectors.forEach((sector, bytes) -> System.arraycopy(bytes, 0, durable, (int) (sector * SECTOR), SECTOR));
        volatileSectors.clear();
        completion.done(null);
    }

    /** Unsynced sectors in write order, so a crash can keep any subset of them. */
    long[] unsyncedSectors() {
        return volatileSectors.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    /** A crash: the unsynced sectors whose bit is set in {@code keptMask} reach the disk, the rest are lost. */
    void crash(long keptMask) {
        long[] sectors = unsyncedSectors();
        for (int i = 0; i < sectors.length; i++) {
            if ((keptMask & (1L << i)) != 0) {
                System.arraycopy(volatileSectors.get(sectors[i]), 0, durable, (int) (sectors[i] * SECTOR), SECTOR);
            }
        }
        volatileSectors.clear();
    }

    void failSync(boolean fail) {
        failSync = fail;
    }

    /** Flips one bit of durable data. */
    void flipBit(long bitOffset) {
        durable[(int) (bitOffset / 8)] ^= (byte) (1 << (bitOffset % 8));
    }

    /** Copies {@code length} durable bytes from {@code from} to {@code to}: a misdirected write. */
    void copy(long from, long to, int length) {
        System.arraycopy(durable, (int) from, durable, (int) to, length);
    }
}
