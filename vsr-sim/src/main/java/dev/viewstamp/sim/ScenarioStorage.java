package dev.viewstamp.sim;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.storage.ReplicaStorage;
import java.util.List;
import java.util.function.Consumer;

/**
 * One replica's durable storage in a scripted scenario ({@link ScenarioCluster}), behind the core's
 * durability port. Writes complete only when the scenario calls {@link #completeWrites}, in the
 * order they were asked for, and each completion reaches the replica through the
 * {@link ReplicaStorage.Listener} the storage was made with; so a script
 * decides exactly when a replica's writes become durable.
 *
 * <p>A crash loses every write that has not completed and keeps every one that has.
 */
interface ScenarioStorage {

    /** Asks for {@code entry} to be appended and made durable. */
    void persistPrepare(Entry entry);

    /** Asks for a log change: the state, the log cut back to {@code anchorOp}, then {@code suffix}. */
    void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix);

    /** Asks for a checkpoint to be made durable, with the service's snapshot. */
    void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot);

    /** The bytes of the durable checkpoint's snapshot, from which a restart restores the service; null without one. */
    byte[] snapshotBytes();

    /**
     * State sync, serving: reads the chunk at {@code offset} of the durable checkpoint's file, when
     * it is the checkpoint at {@code checkpointOp} with {@code identity}, and hands it to
     * {@code send}; nothing otherwise (another checkpoint, a file gone, past its end).
     */
    void serveSyncChunk(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send);

    /**
     * State sync: stages a chunk of a fetched checkpoint's file; completion
     * {@link ReplicaStorage.Listener#onSyncChunkDurable}.
     */
    void stageSyncChunk(long checkpointOp, long offset, byte[] bytes);

    /**
     * State sync: checks the staged file and installs it as the durable checkpoint with
     * {@code state} and the log cut to its op; completion
     * {@link ReplicaStorage.Listener#onSyncInstalled} (the scenario restores the replica's service
     * from it) or {@link ReplicaStorage.Listener#onSyncFailed}.
     */
    void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, Output.ReplicaState state);

    /**
     * While {@code on}, every chunk this storage serves reads back with a flipped bit, as from a
     * checkpoint file damaged at rest (its chunk checksum is computed over the damaged bytes, so
     * only the fetcher's install can tell).
     */
    void damageServedChunks(boolean on);

    /** Completes every write asked for so far, and every write those completions ask for; false if there was none. */
    boolean completeWrites();

    /** A crash: writes not yet complete are lost. */
    void crash();

    /** The disk is gone: a restart finds nothing and must recover from the cluster. */
    void lose();

    /**
     * A latent sector error on the crashed replica's disk: the prepare of {@code op} can no longer
     * be read, while its redundant header still can. The next restart finds the op to repair.
     */
    void decayPrepare(long op);

    /**
     * The crashed replica's durable checkpoint's file is lost ({@code damaged} false) or gets a
     * flipped bit ({@code damaged} true), while its superblock still names it: the restart must
     * fetch that checkpoint from a peer.
     */
    void loseCheckpointFile(boolean damaged);

    /**
     * What a restart of the crashed replica reads. Asking again before the restart gives the same
     * answer: a test may look at it, then restart the replica from it or from a damaged copy.
     */
    Replica.Durable durable();

    /** A replica runs on this storage again, restarted from {@link #durable} or from a state the test built. */
    void restarted();
}
