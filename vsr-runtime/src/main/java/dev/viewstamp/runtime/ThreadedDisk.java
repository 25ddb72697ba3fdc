package dev.viewstamp.runtime;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.FileDisk;

/**
 * The replica's data file as the storage code sees it: each {@link FileDisk} operation (or those of
 * any disk whose operations complete before they return) runs on the
 * journal thread, in the order asked, and its completion runs on the replica's thread. The journal
 * thread only executes: {@code ReplicaStorage} already forms group commits (every prepare queued
 * behind a running sync is written by the next batch, under one sync), so while one fsync runs,
 * the prepares that arrive meanwhile pile up for the next.
 *
 * <p>A buffer handed to {@link #write} is not touched by its caller until the completion (the
 * journal and superblock code allocate one per write); a {@link #read} fills its buffer on the
 * journal thread, and the completion's hand-over to the replica's thread publishes it.
 */
final class ThreadedDisk implements Disk {
    private final Disk disk;
    private final IoThread thread;
    private final NodeMetrics metrics;

    /** Runs {@code disk}'s operations on {@code thread}, timing each sync for {@code metrics}. */
    ThreadedDisk(Disk disk, IoThread thread, NodeMetrics metrics) {
        this.disk = disk;
        this.thread = thread;
        this.metrics = metrics;
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
        thread.submit(() -> {
            DiskError error = run(c -> disk.read(offset, buffer, c));
            return () -> completion.done(error);
        });
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        thread.submit(() -> {
            DiskError error = run(c -> disk.write(offset, data, c));
            return () -> completion.done(error);
        });
    }

    @Override
    public void sync(Completion completion) {
        thread.submit(() -> {
            long start = System.nanoTime();
            DiskError error = run(disk::sync);
            if (error == null) metrics.onJournalSync(System.nanoTime() - start);
            return () -> completion.done(error);
        });
    }

    /** Runs one operation, which completes before it returns (as FileDisk's do); its error or null. */
    private static DiskError run(java.util.function.Consumer<Completion> operation) {
        DiskError[] error = {null};
        boolean[] done = {false};
        operation.accept(e -> {
            error[0] = e;
            done[0] = true;
        });
        Check.that(done[0], "a disk operation on the journal thread completes before it returns");
        return error[0];
    }
}
