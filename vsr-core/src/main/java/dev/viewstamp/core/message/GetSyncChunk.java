package dev.viewstamp.core.message;

/**
 * State sync: asks for the bytes of the checkpoint at {@code checkpointOp} (with {@code identity})
 * from {@code offset} on. A sender that no longer holds that checkpoint offers its newer one.
 *
 * @param nonce echoed in an offer, like {@link GetState#nonce}
 */
public record GetSyncChunk(long checkpointOp, long identity, long offset, int replica, long nonce)
        implements Message {}
