package dev.viewstamp.runtime;

import dev.viewstamp.core.message.Message;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * The replica's one thread, which owns its core: messages from the transport, ticks of a
 * monotonic clock, and completions of disk and file operations all run here, one at a time
 * (DESIGN.md, section 1). Nothing else touches the {@code Replica}, its service or its storage.
 *
 * <p>What feeds it:
 * <ul>
 *   <li>a bounded queue of inbound messages ({@link #offer}): when it is full the message is
 *       dropped and the transport told so, which is back-pressure, never an unbounded backlog;
 *   <li>a queue of completions ({@link #post}), from the journal and checkpoint threads. It is
 *       bounded by the operations the storage has in flight, which the core bounds (its pipeline,
 *       its state-sync chunk, one checkpoint at a time), so completions are never dropped;
 *   <li>ticks: every {@code tickNanos} of {@link System#nanoTime}, the loop calls the handler's
 *       tick. The clock is read here, between events, instead of by a scheduler thread that posts
 *       ticks, so a tick can never be lost behind a full queue; a loop that fell behind (a long
 *       pause) runs the ticks it owes one after another, since that much time did pass.
 * </ul>
 *
 * <p>Each round runs the completions first (they free what waits on durability), then up to
 * {@link #MESSAGES_PER_ROUND} messages, then the ticks due; with nothing to do it parks until the
 * next tick or a post wakes it. An exception or error from a handler ends the loop, and the
 * handler's {@code fail} hears it: the node stops (STYLE: an AssertionError stops the replica).
 */
final class EventLoop {

    /** What the loop drives: the node. Every method runs on the loop's thread. */
    interface Handler {
        void onMessage(Message message);

        void onTick();

        /** The loop stopped on {@code failure}; it runs no more events. */
        void fail(Throwable failure);

        /** The loop's thread is about to end (after a close, or a failure): release resources. */
        void onExit();
    }

    /** Messages handled before the loop looks at completions and the clock again. */
    static final int MESSAGES_PER_ROUND = 64;

    private final Handler handler;
    private final ArrayBlockingQueue<Message> inbound;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final long tickNanos;
    private final Thread thread;
    /** Set by {@link #stop}: no more messages or ticks; completions run until {@code drained}. */
    private volatile boolean stopping;
    private volatile long drainDeadlineNanos;
    private BooleanSupplier drained = () -> true;
    private volatile boolean accepting;

    EventLoop(String name, Handler handler, int inboundQueueCountMax, long tickNanos) {
        this.handler = handler;
        this.inbound = new ArrayBlockingQueue<>(inboundQueueCountMax);
        this.tickNanos = tickNanos;
        this.thread = new Thread(this::run, name);
    }

    /** Starts the loop's thread; {@code drained} says when a stopping loop has nothing left to finish. */
    void start(BooleanSupplier drained) {
        this.drained = drained;
        accepting = true;
        thread.start();
    }

    /** Queues a message for the replica; false when the queue is full or the loop is not running (dropped). */
    boolean offer(Message message) {
        if (!accepting) return false;
        if (!inbound.offer(message)) return false;
        LockSupport.unpark(thread);
        return true;
    }

    /** Runs {@code task} on the loop's thread (a completion); after the loop ended, it never runs. */
    void post(Runnable task) {
        tasks.add(task);
        LockSupport.unpark(thread);
    }

    boolean onLoopThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Stops taking messages and ticks, and lets the completions of what was already asked run until
     * {@code drained} or for {@code drainMillisMax}; then the thread ends.
     */
    void stop(long drainMillisMax) {
        accepting = false;
        drainDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillisMax);
        stopping = true;
        LockSupport.unpark(thread);
    }

    /** Waits for the loop's thread to end. */
    void join() throws InterruptedException {
        if (thread.isAlive() && !onLoopThread()) thread.join();
    }

    boolean started() {
        return thread.getState() != Thread.State.NEW;
    }

    private void run() {
        try {
            long nextTick = System.nanoTime() + tickNanos;
            while (!stopping) {
                boolean worked = runTasks();
                for (int i = 0; i < MESSAGES_PER_ROUND && !stopping; i++) {
                    Message message = inbound.poll();
                    if (message == null) break;
                    handler.onMessage(message);
                    worked = true;
                }
                long now = System.nanoTime();
                while (now - nextTick >= 0 && !stopping) {
                    handler.onTick();
                    nextTick += tickNanos;
                    worked = true;
                }
                if (!worked && tasks.isEmpty() && inbound.isEmpty()) LockSupport.parkNanos(this, nextTick - now);
            }
            inbound.clear();
            // Closing: what was asked of the disk completes (and may ask for the rest of a log
            // change, or send the PrepareOks it waited for), up to the drain's deadline.
            while (!drained.getAsBoolean() && System.nanoTime() - drainDeadlineNanos < 0) {
                if (!runTasks()) LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
            }
        } catch (Throwable failure) {
            stopping = true;
            accepting = false;
            handler.fail(failure);
        } finally {
            handler.onExit();
        }
    }

    private boolean runTasks() {
        boolean worked = false;
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
            worked = true;
        }
        return worked;
    }
}
