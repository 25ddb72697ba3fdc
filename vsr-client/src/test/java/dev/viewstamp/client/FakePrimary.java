package dev.viewstamp.client;

import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.kv.KvStateMachine;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A transport to a stand-in cluster for the client's own tests: replica {@code primary} executes
 * requests on a real key-value store, at most once per session and request number (a retry gets
 * the cached reply, as from the client table), on a thread of its own; the others answer nothing.
 * A test can lose messages, evict a session, refuse a request as too large, or take every replica
 * out of reach.
 */
final class FakePrimary implements ClientTransport {

    private final int replicaCount;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final KvStateMachine store = new KvStateMachine();
    private final Map<Long, Reply> lastReply = new HashMap<>();
    private final Map<Long, Long> bases = new HashMap<>();
    private final Set<Long> evict = new HashSet<>();
    private volatile Consumer<Reply> replies;
    volatile int primary;
    volatile long view;
    volatile boolean connected = true;
    volatile int tooLargeBytes = Integer.MAX_VALUE;
    /** Requests to lose on their way in, from now. */
    final AtomicInteger loseNext = new AtomicInteger();
    final AtomicInteger executed = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();
    private long op;
    private volatile long lastClientId;

    FakePrimary(int replicaCount) {
        this.replicaCount = replicaCount;
    }

    @Override
    public int replicaCount() {
        return replicaCount;
    }

    @Override
    public void start(Consumer<Reply> replies) {
        this.replies = replies;
    }

    @Override
    public void send(int replica, Request request) {
        received.incrementAndGet();
        if (!connected || replica != primary) return;
        if (loseNext.get() > 0 && loseNext.getAndDecrement() > 0) return;
        executor.execute(() -> handle(request));
    }

    /** Evicts session {@code clientId} at its next request. */
    void evictAtNext(long clientId) {
        executor.execute(() -> evict.add(clientId));
    }

    /** The session of the last request handled. */
    long lastClientId() {
        return lastClientId;
    }

    private void handle(Request request) {
        long clientId = request.clientId();
        lastClientId = clientId;
        Reply cached = lastReply.get(clientId);
        if (cached != null && cached.requestNumber() == request.requestNumber()) {
            replies.accept(cached);
            return;
        }
        Reply reply;
        if (evict.remove(clientId)) {
            reply = new Reply(view, clientId, request.requestNumber(), Reply.Status.EVICTED, new byte[0], primary);
        } else if (request.isRegister()) {
            op++;
            bases.put(clientId, op * 10);
            reply = new Reply(view, clientId, 0, Reply.Status.OK, Request.encodeBase(op * 10), primary);
        } else if (request.operation().length > tooLargeBytes) {
            reply = new Reply(view, clientId, request.requestNumber(), Reply.Status.TOO_LARGE, new byte[0], primary);
        } else {
            op++;
            executed.incrementAndGet();
            byte[] result = store.execute(op, op, request.operation());
            reply = new Reply(view, clientId, request.requestNumber(), Reply.Status.OK, result, primary);
        }
        lastReply.put(clientId, reply);
        replies.accept(reply);
    }

    @Override
    public boolean anyConnected() {
        return connected;
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
