package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 3: the primary asks backups to append {@code entry}; {@code commit} piggybacks the
 * primary's commit number (VRR 4.1 step 6), named by the checksum of the primary's entry at that
 * op, so that a backup applies it only to a log that holds that very entry. The entry is
 * immutable; only the commit changes when a prepare is retransmitted.
 */
public record Prepare(long view, long commit, long commitChecksum, Entry entry, int replica) implements Message {}
