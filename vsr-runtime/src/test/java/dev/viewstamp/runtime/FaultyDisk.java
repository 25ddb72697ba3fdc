package dev.viewstamp.runtime;

import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;

/**
 * A data file whose writes can be made to fail as on a full disk, and whose syncs can be made to
 * fail as a failed fsync does; the flags are set by the test's thread and read on the journal
 * thread.
 */
final class FaultyDisk implements Disk {
    private final Disk disk;
    volatile boolean full;
    volatile boolean syncFails;

    FaultyDisk(Disk disk) {
        this.disk = disk;
    }

    @Override
    public int sectorSizeBytes() {
        return disk.sectorSizeBytes();
    }

    @Override
    public long sizeBytes() {
        return disk.sizeBytes();
    }

    @Override
    public void read(long offset, byte[] buffer, Completion completion) {
        disk.read(offset, buffer, completion);
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        if (full) completion.done(new DiskError(DiskError.Kind.NO_SPACE, "test: No space left on device"));
        else disk.write(offset, data, completion);
    }

    @Override
    public void sync(Completion completion) {
        if (syncFails) completion.done(new DiskError(DiskError.Kind.SYNC, "test: fsync: Input/output error"));
        else disk.sync(completion);
    }
}
