package dev.viewstamp.runtime;

import dev.viewstamp.codec.StatusReport;

/**
 * What a replica knows of one peer, for its admin endpoint: whether its connection to the peer is
 * up ({@link Transport.Inbound#peerUp}/{@code peerDown}), and the last {@link StatusReport} the
 * peer sent, with its age.
 *
 * @param replicaIndex the peer's index
 * @param connected this replica's connection to the peer is up
 * @param last the peer's last status report, or null when none arrived yet
 * @param ageMillis milliseconds since {@code last} arrived, or -1 when none did
 */
public record PeerStatus(int replicaIndex, boolean connected, StatusReport last, long ageMillis) {}
