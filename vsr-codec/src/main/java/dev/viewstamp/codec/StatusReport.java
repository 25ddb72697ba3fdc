package dev.viewstamp.codec;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Status;

/**
 * What a replica says of itself to its peers about twice a second, in a STATUS frame (kind 19,
 * docs/WIRE.md) on the replica-to-replica links: the runtime's, not the protocol's. The core never
 * sees one; a peer keeps the latest, so that any replica's admin endpoint can show the whole
 * cluster ({@code GET /cluster}) although no replica knows another's admin address.
 *
 * @param replica the sender's index, in {@code [0, REPLICAS_MAX)}
 * @param status the sender's protocol status
 * @param view the sender's view; that view's primary is {@code view % replicaCount}
 * @param op the last op of the sender's log
 * @param commit the sender's commit number
 * @param checkpointOp the op of its durable checkpoint, 0 for none
 * @param stateChecksum its state's digest at {@code commit} ({@code Replica.stateChecksum})
 * @param syncCount state syncs installed since its process started
 */
public record StatusReport(int replica, Status status, long view, long op, long commit, long checkpointOp,
        long stateChecksum, long syncCount) {

    /** The body's fixed size: i32 replica, u8 status, then six i64. */
    public static final int BODY_SIZE_BYTES = Integer.BYTES + 1 + 6 * Long.BYTES;

    public StatusReport {
        if (replica < 0 || replica >= ClusterConfig.REPLICAS_MAX) {
            throw new IllegalArgumentException("replica index " + replica + " outside [0, " + ClusterConfig.REPLICAS_MAX + ")");
        }
        if (status == null) throw new IllegalArgumentException("status is null");
        if (view < 0 || op < 0 || commit < 0 || checkpointOp < 0 || syncCount < 0) {
            throw new IllegalArgumentException("negative view, op, commit, checkpoint or sync count");
        }
    }

    /** The fixed wire code of a status (not its ordinal, which a new constant could shift). */
    static int statusCode(Status status) {
        return switch (status) {
            case NORMAL -> 0;
            case VIEW_CHANGE -> 1;
            case RECOVERING -> 2;
        };
    }

    /** The status with wire code {@code code}, or null. */
    static Status statusOfCode(int code) {
        return switch (code) {
            case 0 -> Status.NORMAL;
            case 1 -> Status.VIEW_CHANGE;
            case 2 -> Status.RECOVERING;
            default -> null;
        };
    }
}
