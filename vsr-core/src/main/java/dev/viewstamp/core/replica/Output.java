package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.service.StateMachine;
import java.util.List;

/**
 * Everything a replica asks of the world during one step: messages to send and writes to make
 * durable. The driver (simulator or runtime) implements it.
 *
 * <p>Durability port contract: writes complete in the order they were issued, and the driver
 * reports each completion back ({@link Replica#onPrepareDurable}, {@link Replica#onStateDurable}).
 * The replica acts on a write only after its completion: it sends PrepareOk only for durable
 * prepares, and no message of a new view before that view is durable. A crash may lose any write
 * that has not completed; it never loses a completed one.
 */
public interface Output {

    /** Sends {@code message} to replica {@code replica}. Delivery is not guaranteed. */
    void send(int replica, Message message);

    /** Sends {@code reply} to the client {@code reply.clientId()}. Delivery is not guaranteed. */
    void reply(Reply reply);

    /** Appends {@code entry} to the durable log; completion: {@link Replica#onPrepareDurable}. */
    void persistPrepare(Entry entry);

    /**
     * Atomically: truncates the durable log after {@code anchorOp}, appends {@code suffix} (which
     * starts at {@code anchorOp + 1}), and records {@code state}. With an empty suffix and
     * {@code anchorOp} equal to the last op this only records the state. {@code anchorChecksum} is the checksum of the entry at
     * {@code anchorOp}. Completion: {@link Replica#onStateDurable}, with the last entry the write
     * covers.
     *
     * <p>{@code damagedOpMax} is -1 for a whole log. Otherwise this replica's log may lack ops it
     * acknowledged in {@code logView}, none above {@code damagedOpMax} (its journal came back
     * damaged from a crash), so it must not acknowledge, and votes only as a damaged log, until its
     * log is whole again; a restart hands it back in {@link Replica.Damage#opMax}.
     *
     * <p>{@code crashVector} is the replica's crash vector (its own incarnation and the latest it
     * knows of every other replica; see {@code message.Recovery}), handed back at restart.
     */
    void persistState(ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix);

    /**
     * Makes {@code checkpoint} durable with the service's {@code snapshot} (docs/CHECKPOINTS.md):
     * written while the replica goes on, then named by the superblock, which is the commit point.
     * Completion, in the order checkpoints were taken: {@link Replica#onCheckpointDurable}; the
     * replica then compacts its log to the checkpoint's op.
     */
    void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot);

    /**
     * State sync, serving side: reads bytes of this replica's durable checkpoint file for the
     * checkpoint at {@code checkpointOp} from {@code offset} (a chunk of the driver's size), and
     * sends them to replica {@code to} as a {@code SyncChunk}. Sends nothing when that checkpoint's
     * file is gone (a newer one replaced it): the asker will ask again and be offered the newer one.
     */
    void sendSyncChunk(int to, long checkpointOp, long identity, long offset);

    /**
     * State sync, receiving side: writes {@code bytes} at {@code offset} of the staged file of the
     * checkpoint at {@code checkpointOp}; the staged file is discarded when another checkpoint's
     * staging starts, or a chunk is written at offset 0 again. Completion:
     * {@link Replica#onSyncChunkDurable}.
     */
    void writeSyncChunk(long checkpointOp, long offset, byte[] bytes);

    /**
     * State sync, install: checks that the staged file is {@code sizeBytes} long with checksum
     * {@code fileChecksum}, holds the checkpoint at {@code checkpointOp}, and restores to a state
     * whose identity is {@code identity}; then makes it this replica's checkpoint in one durable
     * step (the superblock names it, with {@code state} and the log cut to the checkpoint's op), and
     * replaces the service's state by it. A crash before that step leaves the old state, after it
     * the new one. Completion: {@link Replica#onSyncInstalled}, or {@link Replica#onSyncFailed} when
     * a check fails (nothing changed then).
     */
    void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, ReplicaState state);

    /**
     * What a {@link #persistState} records besides the log: the views, the highest op known to be
     * committed with the checksum of the entry there (a restart trusts it only for a log that
     * holds that entry), the damage ({@code damagedOpMax}, -1 for a whole log) and the crash vector.
     */
    record ReplicaState(long view, long logView, long commitMax, long commitChecksum, long damagedOpMax,
            long[] crashVector) {
        public ReplicaState {
            crashVector = crashVector.clone();
        }
    }
}
