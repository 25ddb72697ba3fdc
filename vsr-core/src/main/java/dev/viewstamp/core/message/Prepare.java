package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 3: the primary asks backups to append {@code entry}; {@code commit} piggybacks the
 * primary's commit number (VRR 4.1 step 6). The entry is immutable; only {@code commit} changes
 * when a prepare is retransmitted.
 */
public record Prepare(long view, long commit, Entry entry, int replica) implements Message {}
