package dev.viewstamp.client;

/**
 * Why a request of a {@link VsrClient} did not complete with a reply. {@link #outcomeKnown} says
 * whether the request may still have executed: after a timeout, an eviction or an unavailable
 * cluster it may have (a retry of it reached the primary before), so a caller that must know
 * reads the state back; a request too large or a closed client never executed it.
 */
public class VsrClientException extends RuntimeException {

    private final boolean outcomeKnown;

    VsrClientException(String message, boolean outcomeKnown) {
        super(message);
        this.outcomeKnown = outcomeKnown;
    }

    /** True when the request certainly did not execute; false when it may have. */
    public boolean outcomeKnown() {
        return outcomeKnown;
    }

    /** No reply within the request timeout: the request may or may not have executed. */
    public static final class Timeout extends VsrClientException {
        public Timeout(String message) {
            super(message, false);
        }
    }

    /**
     * The session was evicted from the cluster's client table while the request was outstanding:
     * it may have executed before the eviction. The client goes on with a new session.
     */
    public static final class Evicted extends VsrClientException {
        public Evicted(String message) {
            super(message, false);
        }
    }

    /** The request is larger than a batch may be: no primary prepares it, so it never executes. */
    public static final class TooLarge extends VsrClientException {
        public TooLarge(String message) {
            super(message, true);
        }
    }

    /** No replica could be reached for longer than the client waits: the request may have executed. */
    public static final class Unavailable extends VsrClientException {
        public Unavailable(String message) {
            super(message, false);
        }
    }

    /**
     * The client was closed first. A request still waiting for a session never left the client;
     * one already sent may have executed ({@link #outcomeKnown} says which).
     */
    public static final class Closed extends VsrClientException {
        public Closed(String message, boolean sent) {
            super(message, !sent);
        }
    }
}
