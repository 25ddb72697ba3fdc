package dev.viewstamp.runtime;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Reply;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client of a {@link LoopbackTransport} cluster, driven by vsr-core's {@link ClientSession} on
 * the calling thread: its ticks come from the same monotonic clock rate as the replicas'
 * ({@code tickMillis}), and replies arrive on the replicas' threads into a queue it polls.
 */
final class LoopbackClient implements AutoCloseable {
    private final LoopbackTransport network;
    private final ClientSession session;
    private final LinkedBlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final long tickNanos;
    private final ClientSession.Sender sender;

    LoopbackClient(LoopbackTransport network, long clientId, int tickMillis) {
        this.network = network;
        // Retries after 20 ticks to the primary it believes in, then to every replica, backing off to 100 ticks.
        this.session = new ClientSession(clientId, network.replicaCount(), 20, 100, new Prng(clientId));
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        this.sender = network::request;
        network.connectClient(clientId, replies::add);
    }

    /** Registers the session, then returns once the cluster has answered. */
    void register(Duration timeout) throws InterruptedException {
        session.register(sender);
        ClientSession.Completion done = await(timeout);
        if (done.status() != Reply.Status.OK) throw new AssertionError("registration: " + done.status());
    }

    /** Sends {@code operation} and returns its result once committed. */
    byte[] call(byte[] operation, Duration timeout) throws InterruptedException {
        session.submit(operation, sender);
        ClientSession.Completion done = await(timeout);
        if (done.status() != Reply.Status.OK) {
            throw new AssertionError("request " + done.requestNumber() + ": " + done.status());
        }
        return done.result();
    }

    long view() {
        return session.view();
    }

    private ClientSession.Completion await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextTick = System.nanoTime() + tickNanos;
        while (true) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new AssertionError("client " + session.clientId() + ": no reply to request "
                        + session.requestNumber() + " within " + timeout);
            }
            Reply reply = replies.poll(Math.max(0, nextTick - now), TimeUnit.NANOSECONDS);
            if (reply != null) {
                ClientSession.Completion done = session.onReply(reply);
                if (done != null) return done;
            }
            while (System.nanoTime() - nextTick >= 0) {
                session.tick(sender);
                nextTick += tickNanos;
            }
        }
    }

    @Override
    public void close() {
        network.disconnectClient(session.clientId());
    }
}
