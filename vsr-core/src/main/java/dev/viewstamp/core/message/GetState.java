package dev.viewstamp.core.message;

/**
 * VRR 5.2: the sender asks for the log entries after {@code fromOp}. {@code view} is the view the
 * sender wants to reach (its own view for catch-up within a view, or a newer view it learned of).
 * {@code nonce} is echoed in the answer, so the sender can tell an answer to this request from a
 * delayed answer to an older one.
 */
public record GetState(long view, long fromOp, int replica, long nonce) implements Message {

    public GetState(long view, long fromOp, int replica) {
        this(view, fromOp, replica, 0);
    }
}
