package dev.viewstamp.core.message;

/** VRR 4.2 step 1: the sender has started a view change to {@code view}. */
public record StartViewChange(long view, int replica) implements Message {}
