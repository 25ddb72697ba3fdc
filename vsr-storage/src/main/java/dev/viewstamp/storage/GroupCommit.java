package dev.viewstamp.storage;

import dev.viewstamp.core.message.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepares on their way to durability ({@link ReplicaStorage#persistPrepare}), written in groups:
 * at their turn, the prepares at the front of the storage's queue form one group commit.
 *
 * <p>Every prepare of the batch is written, then one sync, then their redundant headers and a
 * second sync, then they are reported in order. The headers go out only once the prepares are
 * durable, so recovery can tell a torn write (no redundant header: never acknowledged) from
 * damage to a durable prepare (repair it). After an error the batch stays queued, and
 * {@link ReplicaStorage#resume} writes it again from its first prepare.
 */
final class GroupCommit {

    /** A prepare to append and make durable; it stays queued until reported. */
    record Prepare(Entry entry) implements ReplicaStorage.Pending {}

    private final ReplicaStorage storage;

    GroupCommit(ReplicaStorage storage) {
        this.storage = storage;
    }

    /** Writes the prepares at the front of the queue, whose turn it is. */
    void run() {
        write(frontPrepares(), 0);
    }

    /** The prepares at the front of the queue: one group commit. They stay queued until reported. */
    private List<Entry> frontPrepares() {
        List<Entry> batch = new ArrayList<>();
        for (ReplicaStorage.Pending pending : storage.queued()) {
            if (!(pending instanceof Prepare prepare)) break;
            batch.add(prepare.entry());
        }
        return batch;
    }

    private void write(List<Entry> batch, int index) {
        if (index < batch.size()) {
            storage.appendToJournal(batch.get(index), () -> write(batch, index + 1));
            return;
        }
        long firstSequence = storage.journalSequence() - batch.size() + 1;
        storage.syncJournal(() -> storage.writeHeaders(batch, firstSequence, 0, () -> storage.completePrepares(batch)));
    }
}
