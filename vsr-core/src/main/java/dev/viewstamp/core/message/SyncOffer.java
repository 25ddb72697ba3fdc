package dev.viewstamp.core.message;

/**
 * State sync (docs/CHECKPOINTS.md): the answer to a {@link GetState} for ops the sender has
 * compacted away. The sender offers its newest durable checkpoint instead: the op, the checksum
 * and timestamp of the entry there, and the checkpoint's identity. The receiver fetches it with
 * {@link GetSyncChunk}.
 *
 * @param nonce the request's {@link GetState#nonce}
 */
public record SyncOffer(long view, long checkpointOp, long entryChecksum, long entryTimestamp, long identity,
        int replica, long nonce) implements Message {}
