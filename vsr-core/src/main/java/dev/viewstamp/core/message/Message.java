package dev.viewstamp.core.message;

/**
 * Every message of VR Revisited that the core sends or receives. Dispatch with a {@code switch}
 * over this sealed type and no {@code default}, so a new message fails to compile until every
 * dispatcher handles it.
 *
 * <p>Replica-to-replica messages carry the sender's {@code replica} index and the sender's
 * {@code view}. Client messages ({@link Request}, {@link Reply}) carry the client id instead.
 */
public sealed interface Message
        permits Request, Reply, Prepare, PrepareOk, Commit, StartViewChange, DoViewChange, StartView, GetState,
                NewState, GetEntries, Entries, Recovery, RecoveryResponse, SyncOffer, GetSyncChunk, SyncChunk {}
