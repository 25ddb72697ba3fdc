package dev.viewstamp.runtime;

import dev.viewstamp.core.replica.Status;

/**
 * What a running {@link ReplicaNode} shows, read on its replica's thread ({@link ReplicaNode#status}):
 * for tests, and later for the admin endpoint's {@code /status}.
 *
 * @param opDurable the last op of the log that this replica's journal holds durably: what it acknowledges
 * @param checkpointOp the op of the durable checkpoint, 0 for none
 * @param syncCount state syncs installed since the node started
 * @param stateChecksum the service's state and client table ({@code Replica.stateChecksum})
 * @param storage {@code ok}, or why the storage stopped ({@code ReplicaStorage.status})
 * @param droppedMessages inbound messages dropped because the queue was full
 */
public record NodeStatus(int replicaIndex, Status status, long view, boolean primary, long op, long opDurable, long commit,
        long checkpointOp, long syncCount, long stateChecksum, String storage, long droppedMessages) {}
