package dev.viewstamp.runtime.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The frames waiting to go out on one connection, written by one task on the connection's event
 * loop and flushed once: a thread that sends many frames in a burst (the replica thread in one
 * round, a client completing many requests) costs one wake-up of the event loop and one
 * {@code send} system call, not one of each per frame.
 *
 * <p>Any thread may {@link #offer}. The first frame after a drain schedules the next drain; the
 * drain clears {@code scheduled} before it takes the frames, so a frame offered during a drain
 * is either taken by it or schedules another one, and none waits for a flush that never comes.
 */
public final class Outbox {

    private final Channel channel;
    private final ConcurrentLinkedQueue<ByteBuf> frames = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

    public Outbox(Channel channel) {
        this.channel = channel;
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Queues {@code frame} for the connection; releases it and returns false when the connection is
     * closed or already holds its high-water mark of unsent bytes (the caller drops the message).
     */
    public boolean offer(ByteBuf frame) {
        if (!channel.isActive() || !channel.isWritable()) {
            frame.release();
            return false;
        }
        frames.add(frame);
        if (scheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(drain);
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down: the connection closes, and so do its frames.
                scheduled.set(false);
                releaseAll();
            }
        }
        return true;
    }

    private void drain() {
        scheduled.set(false);
        if (!channel.isActive()) {
            releaseAll();
            return;
        }
        boolean wrote = false;
        for (ByteBuf frame; (frame = frames.poll()) != null; ) {
            channel.write(frame, channel.voidPromise());
            wrote = true;
        }
        if (wrote) channel.flush();
    }

    private void releaseAll() {
        for (ByteBuf frame; (frame = frames.poll()) != null; ) frame.release();
    }
}
