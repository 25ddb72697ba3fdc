package dev.viewstamp.storage;

/**
 * A block device as the storage code sees it: reads and writes at byte offsets, and a sync that
 * makes every completed write durable. Operations complete through a callback, so the same
 * journal and superblock code runs on a real file ({@link FileDisk}) and on the simulator's disk,
 * which delays, tears, loses and corrupts writes on purpose.
 *
 * <p>Contract: a write is durable only after a later {@link #sync} completes without error. After
 * a failed sync nothing written since the previous successful sync may be trusted, and retrying
 * the sync proves nothing (the page cache may have dropped the data and cleared the error: the
 * 2018 "fsyncgate" lesson), so a failed sync is fatal to the process.
 */
public interface Disk {

    /** Offsets and lengths of writes should be multiples of this for torn writes to stay sector-sized. */
    int sectorSizeBytes();

    /** The usable size in bytes. */
    long sizeBytes();

    /** Reads {@code buffer.length} bytes at {@code offset} into {@code buffer}. */
    void read(long offset, byte[] buffer, Completion completion);

    /** Writes {@code data} at {@code offset}; not durable until a later sync completes. */
    void write(long offset, byte[] data, Completion completion);

    /** Makes every completed write durable. */
    void sync(Completion completion);

    /** Called once per operation: {@code error} is null on success. */
    @FunctionalInterface
    interface Completion {
        void done(DiskError error);
    }
}
