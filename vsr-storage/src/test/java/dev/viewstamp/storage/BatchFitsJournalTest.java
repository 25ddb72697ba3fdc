package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The primary's batches against the real journal: a batch of exactly the journal's body limit is
 * written and read back, one byte more is never built, and the journal itself refuses a body over
 * its limit even where the slot (rounded up to a sector) would have room for it.
 */
class BatchFitsJournalTest {
    private static final long CLUSTER = 5;
    private static final int SLOTS = 16;
    /** A slot is 1,128 bytes rounded up to 1,536: room for a few bytes over the limit. */
    private static final int BODY_MAX = 1000;

    private final ClusterConfig config = ClusterConfig.builder().clusterId(CLUSTER).replicaCount(1)
            .pipelinePrepareCountMax(1).journalBodySizeBytesMax(BODY_MAX).batchSizeBytesMax(BODY_MAX).build();
    private final Journal.Layout layout = new Journal.Layout(CLUSTER, SLOTS, config.journalBodySizeBytesMax(),
            MemoryDisk.SECTOR);
    private final MemoryDisk disk = new MemoryDisk((int) layout.sizeBytes());
    private final ArrayDeque<Runnable> completions = new ArrayDeque<>();
    private final List<DiskError> errors = new ArrayList<>();
    private final List<Long> durable = new ArrayList<>();
    private Replica replica;
    private final ReplicaStorage storage = formatted();

    @Test
    void aBatchOfExactlyTheBodyLimitIsJournalledAndReadBack() {
        // Three requests of 20 bytes of overhead each and 940 bytes of operations: 1,000 bytes.
        List<Entry> log = primaryLogAfter(300, 320, 320);

        assertThat(log).hasSize(2);
        assertThat(log.get(1).requests()).hasSize(3);
        assertThat(log.get(1).bodySizeBytes()).isEqualTo(BODY_MAX);
        assertThat(errors).isEmpty();
        assertThat(recover().intactPrefix()).isEqualTo(log);
    }

    @Test
    void aBatchOneByteOverTheBodyLimitIsNeverBuilt() {
        List<Entry> log = primaryLogAfter(300, 320, 321);

        // The third request goes into a prepare of its own instead.
        assertThat(log).hasSize(3);
        assertThat(log.get(1).requests()).hasSize(2);
        assertThat(log.get(2).requests()).hasSize(1);
        for (Entry entry : log) assertThat(entry.bodySizeBytes()).isLessThanOrEqualTo(BODY_MAX);
        assertThat(errors).isEmpty();
        assertThat(recover().intactPrefix()).isEqualTo(log);
    }

    @Test
    void theJournalRefusesABodyOverItsLimitEvenWhenTheSlotHasRoom() {
        // Only a primary with another configuration could send this: 20 + 981 = 1,001 bytes.
        Entry entry = Entry.create(0, 1, OpLog.rootChecksum(CLUSTER), 1, List.of(new Request(9, 1, new byte[981])));
        assertThat(entry.sizeBytes()).isLessThanOrEqualTo(layout.slotSizeBytes());

        storage.persistPrepare(entry);
        runCompletions();

        assertThat(durable).isEmpty();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(DiskError.Kind.WRITE);
            assertThat(e.message()).contains("body of 1001 bytes, over the journal's limit of 1000");
        });
        Journal.Recovery recovery = recover();
        assertThat(recovery.headOp()).isZero();
        assertThat(recovery.clean()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * A single-replica primary (it commits on its own durable write) registers a client, which
     * fills its one-deep pipeline, queues one request per operation size behind it, and runs until
     * every write has completed. Returns its log.
     */
    private List<Entry> primaryLogAfter(int... operationSizes) {
        replica = Replica.create(config, 0, new CountingStateMachine(), new Prng(1));
        Output out = new StorageOutput();
        replica.step(Request.register(1), out);
        for (int i = 0; i < operationSizes.length; i++) {
            replica.step(new Request(2 + i, 1, new byte[operationSizes[i]]), out);
        }
        runCompletions();
        assertThat(replica.commit()).isEqualTo(replica.op());
        List<Entry> log = new ArrayList<>();
        for (long op = 1; op <= replica.op(); op++) log.add(replica.entry(op));
        return log;
    }

    /** Completions are handed to the replica after its step returns, as a driver does. */
    private void runCompletions() {
        while (!completions.isEmpty()) completions.pollFirst().run();
    }

    private ReplicaStorage formatted() {
        Superblock.State state = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(1)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(SLOTS).journalBodySizeBytesMax(BODY_MAX)
                .build();
        Superblock.write(disk, state, e -> assertThat(e).isNull());
        state.checkConfig(config);
        return new ReplicaStorage(disk, Journal.formatted(disk, layout), state, 0, 0, new ReplicaStorage.Listener() {
            @Override public void onCheckpointDurable(long op) { } // no checkpoints here
            @Override
            public void onPrepareDurable(long op, long checksum) {
                durable.add(op);
                completions.add(() -> replica.onPrepareDurable(op, checksum, new StorageOutput()));
            }

            @Override
            public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
                completions.add(() -> replica.onStateDurable(view, logView, lastOp, lastChecksum, new StorageOutput()));
            }

            @Override
            public void onError(DiskError error) {
                errors.add(error);
            }
        });
    }

    private Journal.Recovery recover() {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        AtomicReference<Journal.RecoveryResult> recovered = new AtomicReference<>();
        Journal.recover(disk, layout, read.get().state(), recovered::set);
        return recovered.get().recovery();
    }

    /** The replica's writes go to the real storage; a single replica sends no messages. */
    private final class StorageOutput implements Output {
        @Override public void send(int to, Message message) { }
        @Override public void reply(Reply reply) { }
        @Override public void persistPrepare(Entry entry) { storage.persistPrepare(entry); }

        @Override
        public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            storage.persistState(state, anchorOp, anchorChecksum, suffix);
        }

        @Override
        public void persistCheckpoint(dev.viewstamp.core.replica.Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
            throw new AssertionError("this test's configuration takes no checkpoints");
        }

        @Override
        public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
            throw new AssertionError("a single replica without checkpoints serves no state sync");
        }

        @Override
        public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
            throw new AssertionError("a single replica without checkpoints fetches no state sync");
        }

        @Override
        public void installSync(long op, long identity, long sizeBytes, long fileChecksum, Output.ReplicaState state) {
            throw new AssertionError("a single replica without checkpoints installs no state sync");
        }
    }

    private static final class CountingStateMachine implements StateMachine {
        private long executed;

        @Override
        public byte[] execute(long op, long timestamp, byte[] operation) {
            executed++;
            return new byte[0];
        }

        @Override
        public long stateChecksum() {
            return executed;
        }
    }
}
