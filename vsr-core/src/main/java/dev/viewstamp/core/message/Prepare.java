package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 3: the primary asks backups to append {@code entry}; {@code commit} piggybacks the
 * primary's commit number (VRR 4.1 step 6), named by the checksum of the primary's entry at that
 * op, so that a backup applies it only to a log that holds that very entry. The entry is
 * immutable; only the commit changes when a prepare is retransmitted.
 *
 * <p>{@code checkpointOp} and {@code checkpointIdentity} announce the primary's newest checkpoint
 * (0 and 0 before its first): a backup whose checkpoint at that op has another identity stops,
 * rather than serve a state that diverged (docs/CHECKPOINTS.md, section 6).
 */
public record Prepare(long view, long commit, long commitChecksum, Entry entry, int replica, long checkpointOp,
        long checkpointIdentity) implements Message {

    public Prepare(long view, long commit, long commitChecksum, Entry entry, int replica) {
        this(view, commit, commitChecksum, entry, replica, 0, 0);
    }

    @Override
    public String toString() {
        return "Prepare[view=" + view + ", commit=" + commit + ", commitChecksum=" + commitChecksum + ", entry=" + entry
                + ", replica=" + replica + Checkpoints.describe(checkpointOp, checkpointIdentity) + "]";
    }
}
