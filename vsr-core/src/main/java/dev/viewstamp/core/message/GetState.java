package dev.viewstamp.core.message;

/**
 * VRR 5.2: the sender asks for the log entries after {@code fromOp}. {@code view} is the view the
 * sender wants to reach (its own view for catch-up within a view, or a newer view it learned of).
 */
public record GetState(long view, long fromOp, int replica) implements Message {}
