package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 6: the primary tells backups its commit number every interval, and so doubles as the
 * heartbeat. {@code commitChecksum} is the checksum of the entry at {@code commit}, so a backup
 * executes only entries it holds in the same hash chain. {@code crashVector} is the primary's
 * (null while no replica ever recovered): a backup that missed the votes that carried a newer
 * incarnation of itself learns it here, and takes the next, so its acknowledgements count again.
 * {@code checkpointOp} and {@code checkpointIdentity} announce the primary's newest checkpoint, as
 * in {@link Prepare}.
 */
public record Commit(long view, long commit, long commitChecksum, int replica, long[] crashVector, long checkpointOp,
        long checkpointIdentity) implements Message {

    public Commit(long view, long commit, long commitChecksum, int replica) {
        this(view, commit, commitChecksum, replica, null);
    }

    public Commit(long view, long commit, long commitChecksum, int replica, long[] crashVector) {
        this(view, commit, commitChecksum, replica, crashVector, 0, 0);
    }

    public Commit {
        crashVector = crashVector == null ? null : crashVector.clone();
    }

    @Override
    public String toString() {
        return "Commit[view=" + view + ", commit=" + commit + ", commitChecksum=" + commitChecksum + ", replica=" + replica
                + CrashVectors.describe(crashVector) + Checkpoints.describe(checkpointOp, checkpointIdentity) + "]";
    }
}
