package dev.viewstamp.runtime;

/**
 * What a running replica reports as it goes, for a metrics system the runtime does not depend on
 * ({@code vsr server}'s admin endpoint implements it with the Prometheus client). Every method has
 * a no-op default, and {@link #NONE} is what a node without metrics uses.
 *
 * <p>Called on the hot paths: the replica thread (commits, replies, view changes, checkpoints),
 * the journal thread (syncs) and the transport's I/O threads (bytes, connections). An
 * implementation must be thread-safe and cheap: no allocation, no lock, no I/O; an atomic add or
 * a histogram's lock-free observe. The callers pass primitives only, so a call allocates nothing.
 */
public interface NodeMetrics {

    /** Reports nothing. */
    NodeMetrics NONE = new NodeMetrics() {};

    /** The replica's commit number advanced by {@code opCount} ops (by execution or by an installed state sync). */
    default void onCommitted(long opCount) {}

    /** The replica entered a higher view (a view change started or was learned of). */
    default void onViewChange() {}

    /** A state sync installed a checkpoint fetched from a peer. */
    default void onSyncInstalled() {}

    /**
     * The primary replied to a request {@code nanos} after its replica thread took the request off
     * the inbound queue: the request's time through batching, replication, the journal's sync and
     * execution on this replica.
     */
    default void onRequestReplied(long nanos) {}

    /** One fsync of the data file on the journal thread took {@code nanos} (group commit: many prepares each). */
    default void onJournalSync(long nanos) {}

    /** A checkpoint became durable {@code nanos} after the core asked for it (snapshot, encoding, file, superblock). */
    default void onCheckpointDurable(long nanos) {}

    /** {@code bytes} arrived on one of the transport's connections (peers and clients). */
    default void onBytesIn(long bytes) {}

    /** {@code bytes} were handed to one of the transport's connections to send. */
    default void onBytesOut(long bytes) {}

    /** A connection of the transport opened (accepted or dialled). */
    default void onConnectionOpened() {}

    /** A connection of the transport closed. */
    default void onConnectionClosed() {}
}
