package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 6: the primary tells backups its commit number every interval, and so doubles as the
 * heartbeat. {@code commitChecksum} is the checksum of the entry at {@code commit}, so a backup
 * executes only entries it holds in the same hash chain.
 */
public record Commit(long view, long commit, long commitChecksum, int replica) implements Message {}
