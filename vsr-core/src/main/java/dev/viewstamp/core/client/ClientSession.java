package dev.viewstamp.core.client;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;

/**
 * A client's session with the cluster, as a deterministic state machine that the simulator and
 * the network client both drive: it registers, numbers requests, keeps one outstanding at a
 * time, retries by tick (first to the primary it believes in, then to every replica), and learns
 * the view from every reply.
 *
 * <p>Use: {@link #register}, wait for {@link #onReply} to return a completion, then
 * {@link #submit} one operation at a time. {@link #tick} drives retries.
 */
public final class ClientSession {

    /** Where a session sends its requests. */
    public interface Sender {
        void send(int replica, Request request);
    }

    /**
     * The outcome of a request, returned by {@link #onReply}: {@code OK} with the result;
     * {@code EVICTED}, the session is over and the request's outcome unknown; or {@code TOO_LARGE},
     * the request never executes (it fits no batch) and the session goes on.
     */
    public record Completion(long requestNumber, Reply.Status status, byte[] result) {}

    private final long clientId;
    private final int replicaCount;
    private final int requestTimeoutTicks;
    private final int requestTimeoutTicksMax;
    private final Prng prng;

    private long view;
    private long requestNumber = -1;
    private boolean registered;
    private boolean evicted;
    private Request outstanding;
    private long now;
    private long deadline;
    private int attempts;

    public ClientSession(long clientId, int replicaCount, int requestTimeoutTicks, int requestTimeoutTicksMax, Prng prng) {
        if (replicaCount < 1) throw new IllegalArgumentException("replicaCount must be positive");
        if (requestTimeoutTicks < 1 || requestTimeoutTicksMax < requestTimeoutTicks) {
            throw new IllegalArgumentException("need 1 <= requestTimeoutTicks <= requestTimeoutTicksMax");
        }
        this.clientId = clientId;
        this.replicaCount = replicaCount;
        this.requestTimeoutTicks = requestTimeoutTicks;
        this.requestTimeoutTicksMax = requestTimeoutTicksMax;
        this.prng = prng;
    }

    public long clientId() { return clientId; }
    public long view() { return view; }
    public boolean registered() { return registered; }
    public boolean evicted() { return evicted; }
    /** True when a new request may be submitted. */
    public boolean idle() { return registered && !evicted && outstanding == null; }
    public boolean hasOutstanding() { return outstanding != null; }
    /** The number of the outstanding request, or of the last one completed when idle. */
    public long requestNumber() { return requestNumber; }

    /** Sends the registration request (request number 0). */
    public void register(Sender sender) {
        Check.that(requestNumber == -1, "register once");
        requestNumber = Request.REGISTER;
        start(Request.register(clientId), sender);
    }

    /** Sends {@code operation} as the next request; the session must be {@link #idle()}. */
    public Request submit(byte[] operation, Sender sender) {
        if (!idle()) throw new IllegalStateException("session " + clientId + " is not idle");
        requestNumber++;
        Request request = new Request(clientId, requestNumber, operation);
        start(request, sender);
        return request;
    }

    private void start(Request request, Sender sender) {
        outstanding = request;
        attempts = 0;
        sender.send(primary(), request);
        deadline = now + timeoutTicks();
    }

    /**
     * Retries on timeout: the first retry goes to the believed primary again (the request or the
     * reply may have been lost), later ones to every replica, because the primary may have changed.
     * The timeout doubles per attempt up to its maximum, with seeded jitter.
     */
    public void tick(Sender sender) {
        now++;
        if (outstanding == null || now < deadline) return;
        attempts++;
        if (attempts == 1) {
            sender.send(primary(), outstanding);
        } else {
            for (int replica = 0; replica < replicaCount; replica++) sender.send(replica, outstanding);
        }
        deadline = now + timeoutTicks();
    }

    private long timeoutTicks() {
        long ticks = Math.min((long) requestTimeoutTicks << Math.min(attempts, 16), requestTimeoutTicksMax);
        return ticks + prng.between(0, requestTimeoutTicks / 2);
    }

    /** Handles a reply; returns the completion when it answers the outstanding request, else null. */
    public Completion onReply(Reply reply) {
        if (reply.clientId() != clientId) return null;
        view = Math.max(view, reply.view());
        if (outstanding == null || reply.requestNumber() != outstanding.requestNumber()) return null;
        outstanding = null;
        switch (reply.status()) {
            case EVICTED -> evicted = true;
            // The request will never execute, so the caller hears so now instead of the session
            // retrying it for ever. The session goes on; its next request takes the next number.
            case TOO_LARGE -> { }
            case OK -> {
                if (reply.requestNumber() == Request.REGISTER) {
                    registered = true;
                    // Number requests after the session's base (one below the op that registered it).
                    requestNumber = Request.decodeBase(reply.result());
                }
            }
        }
        return new Completion(reply.requestNumber(), reply.status(), reply.result());
    }

    private int primary() {
        return (int) Long.remainderUnsigned(view, replicaCount);
    }
}
