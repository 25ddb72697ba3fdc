package dev.viewstamp.client;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client of a Viewstamp cluster: {@link #submit} sends an operation to the replicated service
 * and returns a future of its reply.
 *
 * <p>The client holds {@code sessions} sessions with the cluster (vsr-core's {@link ClientSession}:
 * registration, request numbers, one request outstanding per session, retries first to the
 * primary it believes in and then to every replica, and the view learnt from every reply).
 * Operations wait in one queue, in the order submitted, for the next idle session, so many
 * sessions give concurrency: each session executes its requests in order, and requests of
 * different sessions in any order the primary takes them.
 *
 * <p>A request completes exceptionally with a {@link VsrClientException}: {@link
 * VsrClientException.Timeout} when no reply came within {@code requestTimeout} (its session keeps
 * retrying until the reply, and only then takes the next request), {@link
 * VsrClientException.Evicted} when the cluster evicted the session (the client opens a new one),
 * {@link VsrClientException.TooLarge}, {@link VsrClientException.Unavailable} when no replica could
 * be reached for {@code unavailableAfter}, and {@link VsrClientException.Closed}. The first two and
 * the fourth leave the outcome unknown: the operation may have executed.
 *
 * <p>One thread of the client's own owns the sessions; callers on any thread submit, and futures
 * complete on that thread, so a caller's continuation should not block.
 */
public final class VsrClient implements AutoCloseable {

    /** How a client is made; {@link #build} starts it. */
    public static final class Builder {
        private final ClientTransport transport;
        private int sessions = 1;
        private long tickMillis = 10;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int retryTicks = 50;
        private int retryTicksMax = 400;
        private Duration unavailableAfter = Duration.ofSeconds(5);
        private Long seed;

        private Builder(ClientTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /** Sessions with the cluster, so requests in flight at once; default 1. */
        public Builder sessions(int value) {
            if (value < 1) throw new IllegalArgumentException("sessions must be at least 1, not " + value);
            sessions = value;
            return this;
        }

        /** The client's clock tick, by which sessions time their retries; default 10 ms. */
        public Builder tickMillis(long value) {
            if (value < 1) throw new IllegalArgumentException("tickMillis must be at least 1, not " + value);
            tickMillis = value;
            return this;
        }

        /** How long a request waits for its reply, from its submission; default 10 s. */
        public Builder requestTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) throw new IllegalArgumentException("requestTimeout must be positive");
            requestTimeout = value;
            return this;
        }

        /** Ticks before a session's first retry, and the most its doubling back-off waits; default 50 and 400. */
        public Builder retryTicks(int first, int max) {
            if (first < 1 || max < first) throw new IllegalArgumentException("need 1 <= first <= max retry ticks");
            retryTicks = first;
            retryTicksMax = max;
            return this;
        }

        /** How long no replica may be reachable before waiting requests fail as unavailable; default 5 s. */
        public Builder unavailableAfter(Duration value) {
            if (value.isNegative() || value.isZero()) throw new IllegalArgumentException("unavailableAfter must be positive");
            unavailableAfter = value;
            return this;
        }

        /** Seeds the session ids and the retries' jitter, for a test that must repeat; default: a random seed. */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public VsrClient build() {
            return new VsrClient(this);
        }
    }

    /** An operation, its future and the tick by which it must complete. */
    private record Pending(byte[] operation, CompletableFuture<byte[]> future, long deadlineTick) {}

    /** A session and the operation it carries, if any. */
    private static final class Slot {
        ClientSession session;
        Pending inFlight;

        Slot(ClientSession session) {
            this.session = session;
        }
    }

    private final ClientTransport transport;
    private final ScheduledExecutorService loop;
    private final Prng prng;
    private final int retryTicks;
    private final int retryTicksMax;
    private final long requestTimeoutTicks;
    private final long unavailableTicks;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Long, Slot> byClientId = new HashMap<>();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final ClientSession.Sender sender;
    private volatile boolean closed;
    private volatile Thread loopThread;
    private long now;
    private long unreachableSinceTick = -1;

    private VsrClient(Builder b) {
        this.transport = b.transport;
        this.prng = new Prng(b.seed != null ? b.seed : new SecureRandom().nextLong());
        this.retryTicks = b.retryTicks;
        this.retryTicksMax = b.retryTicksMax;
        this.requestTimeoutTicks = Math.max(1, b.requestTimeout.toMillis() / b.tickMillis);
        this.unavailableTicks = Math.max(1, b.unavailableAfter.toMillis() / b.tickMillis);
        this.sender = transport::send;
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "vsr-client");
            thread.setDaemon(true);
            loopThread = thread;
            return thread;
        });
        int sessions = b.sessions;
        loop.execute(() -> {
            for (int i = 0; i < sessions; i++) slots.add(openSession(new Slot(null)));
        });
        transport.start(reply -> post(() -> onReply(reply)));
        loop.scheduleAtFixedRate(() -> tick(), b.tickMillis, b.tickMillis, TimeUnit.MILLISECONDS);
    }

    /** A client over {@code transport}. */
    public static Builder builder(ClientTransport transport) {
        return new Builder(transport);
    }

    /**
     * Sends {@code operation} to the replicated service; the future completes with the reply's
     * bytes, or exceptionally with a {@link VsrClientException}.
     */
    public CompletableFuture<byte[]> submit(byte[] operation) {
        Objects.requireNonNull(operation, "operation");
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new VsrClientException.Closed("the client is closed", false));
            return future;
        }
        byte[] copy = operation.clone();
        if (!post(() -> enqueue(copy, future))) {
            future.completeExceptionally(new VsrClientException.Closed("the client is closed", false));
        }
        return future;
    }

    /** Operations submitted and not yet completed, waiting or in flight; for a progress line. */
    public int pendingCount() {
        return ask(() -> {
            int n = waiting.size();
            for (Slot slot : slots) if (slot.inFlight != null) n++;
            return n;
        }, 0);
    }

    /** The highest view any reply has shown: the primary is that view modulo the replica count. */
    public long view() {
        return ask(() -> slots.stream().mapToLong(s -> s.session.view()).max().orElse(0), 0L);
    }

    /** Reads the sessions' state on their thread (at once when called from it), or {@code closedValue}. */
    private <T> T ask(java.util.function.Supplier<T> question, T closedValue) {
        if (Thread.currentThread() == loopThread) return question.get();
        CompletableFuture<T> answer = new CompletableFuture<>();
        if (!post(() -> answer.complete(question.get()))) return closedValue;
        return answer.join();
    }

    private boolean post(Runnable work) {
        try {
            loop.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private Slot openSession(Slot slot) {
        long clientId = prng.nextLong() & Long.MAX_VALUE;
        if (clientId == 0) clientId = 1;
        if (slot.session != null) byClientId.remove(slot.session.clientId());
        slot.session = new ClientSession(clientId, transport.replicaCount(), retryTicks, retryTicksMax, prng.fork());
        slot.inFlight = null;
        byClientId.put(clientId, slot);
        slot.session.register(sender);
        return slot;
    }

    private void enqueue(byte[] operation, CompletableFuture<byte[]> future) {
        if (closed) {
            future.completeExceptionally(new VsrClientException.Closed("the client is closed", false));
            return;
        }
        waiting.addLast(new Pending(operation, future, now + requestTimeoutTicks));
        dispatch();
    }

    /** Gives waiting operations to idle sessions, oldest first. */
    private void dispatch() {
        for (Slot slot : slots) {
            if (waiting.isEmpty()) return;
            if (slot.inFlight != null || !slot.session.idle()) continue;
            Pending next = waiting.pollFirst();
            slot.inFlight = next;
            slot.session.submit(next.operation(), sender);
        }
    }

    private void onReply(Reply reply) {
        Slot slot = byClientId.get(reply.clientId());
        if (slot == null) return;
        ClientSession.Completion completion = slot.session.onReply(reply);
        if (completion == null) return;
        if (completion.requestNumber() == Request.REGISTER) {
            if (completion.status() == Reply.Status.EVICTED) openSession(slot); // evicted before it began: again
            dispatch();
            return;
        }
        Pending done = slot.inFlight;
        slot.inFlight = null;
        long clientId = slot.session.clientId();
        switch (completion.status()) {
            case OK -> {
                if (done != null) done.future().complete(completion.result());
            }
            case EVICTED -> {
                if (done != null) {
                    done.future().completeExceptionally(new VsrClientException.Evicted("session " + clientId
                            + " was evicted from the cluster's client table; the operation may have executed"));
                }
                openSession(slot);
            }
            case TOO_LARGE -> {
                if (done != null) {
                    done.future().completeExceptionally(new VsrClientException.TooLarge("an operation of "
                            + done.operation().length + " bytes is larger than the cluster's batches; it never executes"));
                }
            }
        }
        dispatch();
    }

    private void tick() {
        now++;
        for (Slot slot : slots) slot.session.tick(sender);
        expire();
        if (transport.anyConnected()) {
            unreachableSinceTick = -1;
        } else if (unreachableSinceTick < 0) {
            unreachableSinceTick = now;
        } else if (now - unreachableSinceTick >= unavailableTicks) {
            failAll(() -> new VsrClientException.Unavailable("no replica of the cluster could be reached for "
                    + (now - unreachableSinceTick) + " ticks"));
        }
    }

    /** Fails the operations whose time is up. A session keeps retrying its own until the reply comes. */
    private void expire() {
        while (!waiting.isEmpty() && waiting.peekFirst().deadlineTick() <= now) {
            // Out of reach, a session cannot even register: say so rather than blame the sessions.
            waiting.pollFirst().future().completeExceptionally(unreachableSinceTick >= 0
                    ? new VsrClientException.Unavailable("no replica of the cluster could be reached within the "
                            + "request timeout")
                    : new VsrClientException.Timeout(
                            "no session became free for the operation within the request timeout; it was never sent"));
        }
        for (Slot slot : slots) {
            Pending p = slot.inFlight;
            if (p != null && p.deadlineTick() <= now && !p.future().isDone()) {
                p.future().completeExceptionally(new VsrClientException.Timeout("no reply within the request timeout "
                        + "(session " + slot.session.clientId() + ", request " + slot.session.requestNumber()
                        + "); the operation may have executed"));
            }
        }
    }

    private void failAll(java.util.function.Supplier<VsrClientException> why) {
        while (!waiting.isEmpty()) waiting.pollFirst().future().completeExceptionally(why.get());
        for (Slot slot : slots) {
            if (slot.inFlight != null && !slot.inFlight.future().isDone()) {
                slot.inFlight.future().completeExceptionally(why.get());
            }
        }
    }

    /**
     * Fails what is waiting or in flight with {@link VsrClientException.Closed}, stops the client's
     * thread and closes the transport.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        post(() -> {
            while (!waiting.isEmpty()) {
                waiting.pollFirst().future().completeExceptionally(new VsrClientException.Closed("the client was closed", false));
            }
            for (Slot slot : slots) {
                if (slot.inFlight != null && !slot.inFlight.future().isDone()) {
                    slot.inFlight.future().completeExceptionally(new VsrClientException.Closed(
                            "the client was closed; the operation may have executed", true));
                }
            }
        });
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) loop.shutdownNow();
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
        transport.close();
    }
}
