package dev.viewstamp.codec;

import dev.viewstamp.core.replica.ClusterConfig;

/**
 * The first frame on every connection, in each direction: who is speaking. A replica's
 * connection carries its index, a client's its client id. A receiver decodes the first frame with
 * {@link WireFormat#decodeHello} and every later one with {@link WireFormat#decode}; a Hello
 * anywhere else, or a message in its place, is a malformed frame that closes the connection.
 *
 * @param clusterId the cluster the sender belongs to; it travels in the frame header, and a
 *     receiver of another cluster refuses the frame
 * @param id the replica index for {@link Role#REPLICA} (within {@code [0, REPLICAS_MAX)}), the client
 *     id for {@link Role#CLIENT}
 */
public record Hello(long clusterId, Role role, long id) {

    /** Which side of the protocol the sender plays. */
    public enum Role { REPLICA, CLIENT }

    public Hello {
        if (role == null) throw new IllegalArgumentException("role is null");
        if (role == Role.REPLICA && (id < 0 || id >= ClusterConfig.REPLICAS_MAX)) {
            throw new IllegalArgumentException("replica index " + id + " outside [0, " + ClusterConfig.REPLICAS_MAX + ")");
        }
    }
}
