package dev.viewstamp.runtime;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One thread that runs blocking file operations for a replica, in the order they were submitted,
 * and posts each completion back to the replica's {@link EventLoop}. The journal's data file has
 * one ({@link ThreadedDisk}); the checkpoint files have another ({@link ThreadedCheckpointStore}),
 * so that writing a large checkpoint never holds up a group commit.
 *
 * <p>Until {@link #startThread} it runs each operation and its completion on the caller's thread:
 * the node opens its storage that way (reading the superblock, recovering the journal, the
 * restart's repairs) before the replica exists, as {@code vsr inspect} reads a data directory.
 */
final class IoThread {
    private final String name;
    private final EventLoop loop;
    /** Operations submitted whose completion has not run yet on the replica's thread. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile ExecutorService executor;

    IoThread(String name, EventLoop loop) {
        this.name = name;
        this.loop = loop;
    }

    /** From now on, operations run on this thread and complete on the event loop. */
    void startThread() {
        executor = Executors.newSingleThreadExecutor(work -> {
            Thread thread = new Thread(work, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs {@code operation} here; the completion it returns runs on the replica's thread. An
     * exception in the operation fails the node there.
     */
    void submit(Supplier<Runnable> operation) {
        ExecutorService running = executor;
        if (running == null) {
            operation.get().run();
            return;
        }
        inFlight.incrementAndGet();
        running.execute(() -> {
            Runnable completion;
            try {
                completion = operation.get();
            } catch (RuntimeException | Error e) {
                completion = () -> {
                    throw new IllegalStateException("on " + name + ": " + e, e);
                };
            }
            Runnable done = completion;
            loop.post(() -> {
                inFlight.decrementAndGet();
                done.run();
            });
        });
    }

    /** True when every operation submitted has completed on the replica's thread. */
    boolean idle() {
        return inFlight.get() == 0;
    }

    /** Lets the operations already submitted finish (a sync under way, say), then ends the thread. */
    void shutDown(long waitMillisMax) throws InterruptedException {
        ExecutorService running = executor;
        if (running == null) return;
        running.shutdown();
        if (!running.awaitTermination(waitMillisMax, TimeUnit.MILLISECONDS)) running.shutdownNow();
    }
}
