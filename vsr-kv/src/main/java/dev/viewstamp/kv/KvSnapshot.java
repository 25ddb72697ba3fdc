package dev.viewstamp.kv;

import dev.viewstamp.core.service.StateMachine;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A {@link KvStateMachine}'s state at one moment: its side of a {@link ShardedMap#share()} of the
 * entries and of the expiry times, which nobody writes again, with the limits and checksum of that
 * moment.
 *
 * <p>Threads: {@link #writeTo} may run on any thread while the store goes on executing on the
 * replica's, because the store copies each shard before its first write after the snapshot and so
 * never writes a map this snapshot holds, and because values are never changed in place. The
 * caller hands the snapshot to that thread through a happens-before edge (an executor submission,
 * say), as {@link StateMachine.Snapshot} requires, so the snapshot needs no locks or volatile
 * fields of its own.
 */
final class KvSnapshot implements StateMachine.Snapshot {

    private final ShardedMap<byte[]> entries;
    private final ShardedMap<Long> expiries;
    private final KvLimits limits;
    private final long entryCount;
    private final long expiryCount;
    private final long stateChecksum;

    /**
     * @param entries the snapshot's side of a share of the entries: from now on, nobody writes it
     * @param expiries the snapshot's side of a share of the expiry times: nobody writes it either
     */
    KvSnapshot(ShardedMap<byte[]> entries, ShardedMap<Long> expiries, KvLimits limits, long expiryCount,
            long stateChecksum) {
        this.entries = entries;
        this.expiries = expiries;
        this.limits = limits;
        this.entryCount = entries.size();
        this.expiryCount = expiryCount;
        this.stateChecksum = stateChecksum;
    }

    @Override
    public long stateChecksum() {
        return stateChecksum;
    }

    /** Writes the format of {@link SnapshotCodec}. O(keys), which is why it runs off the replica's thread. */
    @Override
    public void writeTo(OutputStream out) throws IOException {
        SnapshotCodec.write(entries, expiries, limits, entryCount, expiryCount, stateChecksum, out);
    }
}
