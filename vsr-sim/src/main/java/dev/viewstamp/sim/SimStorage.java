package dev.viewstamp.sim;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.DurableBuilder;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.ReplicaStorage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The in-memory model of one replica's durable storage for scripted scenarios
 * ({@link ScenarioCluster.Storage#MODEL}): a log and a state in memory, with writes that complete
 * one by one in issue order when the scenario completes them. A crash loses every write that has
 * not completed and keeps every one that has. (The real journal and superblock on a simulated
 * disk: {@link SimReplicaDisk}.)
 */
final class SimStorage implements ScenarioStorage {

    private static final Output.ReplicaState FORMATTED = new Output.ReplicaState(0, 0, 0, 0, -1, new long[0]);

    /** A write waiting for completion: a single prepare, a log change with its state, or a checkpoint. */
    private record Write(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix,
            Entry prepare, Checkpoint checkpoint, StateMachine.Snapshot snapshot, Runnable sync) {

        Write(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix, Entry prepare) {
            this(state, anchorOp, anchorChecksum, suffix, prepare, null, null, null);
        }

        long lastOp() {
            if (prepare != null) return prepare.op();
            return suffix.isEmpty() ? anchorOp : suffix.get(suffix.size() - 1).op();
        }

        long lastChecksum() {
            if (prepare != null) return prepare.checksum();
            return suffix.isEmpty() ? anchorChecksum : suffix.get(suffix.size() - 1).checksum();
        }

        /** Reports this write's completion through the matching durability callback. */
        void reportTo(ReplicaStorage.Listener listener) {
            if (sync != null) return; // a sync write reports as it applies
            if (checkpoint != null) listener.onCheckpointDurable(checkpoint.op());
            else if (prepare != null) listener.onPrepareDurable(lastOp(), lastChecksum());
            else listener.onStateDurable(state.view(), state.logView(), lastOp(), lastChecksum());
        }
    }

    /** The state the last completed log change recorded. */
    private Output.ReplicaState state = FORMATTED;
    private boolean lost;
    private final ArrayList<Entry> log = new ArrayList<>();
    /** Ops of the log whose prepares can no longer be read ({@link #decayPrepare}), until they are written again. */
    private final TreeSet<Long> unreadable = new TreeSet<>();
    /** The newest durable checkpoint and its snapshot's bytes, or null. */
    private Checkpoint checkpoint;
    private byte[] snapshotBytes;
    /** The checkpoint's file is gone: a restart knows the checkpoint only from the superblock. */
    private boolean checkpointFileLost;
    /** The staged file of a state sync, and the checkpoint it belongs to. */
    private ByteArrayOutputStream staged;
    private long stagedOp = -1;
    private final long clusterId;
    private final int replicaIndex;
    private boolean servedChunksDamaged;
    /** New, empty services: an install restores one off to the side to check the file's identity. */
    private final Supplier<StateMachine> services;
    /** The pipeline depth this storage was "formatted" with, handed back at every restart. */
    private final int pipelinePrepareCountMax;

    /** Where completions go: the scenario forwards them to the replica running on this storage. */
    private final ReplicaStorage.Listener listener;
    private final ArrayDeque<Write> pending = new ArrayDeque<>();

    SimStorage(long clusterId, int replicaIndex, int pipelinePrepareCountMax, ReplicaStorage.Listener listener,
            Supplier<StateMachine> services) {
        this.replicaIndex = replicaIndex;
        this.clusterId = clusterId;
        this.services = services;
        this.pipelinePrepareCountMax = pipelinePrepareCountMax;
        this.listener = listener;
    }

    @Override
    public void persistPrepare(Entry entry) {
        pending.addLast(new Write(null, 0, 0, null, entry));
    }

    @Override
    public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        pending.addLast(new Write(state, anchorOp, anchorChecksum, suffix, null));
    }

    @Override
    public void persistCheckpoint(Checkpoint taken, StateMachine.Snapshot snapshot) {
        pending.addLast(new Write(null, 0, 0, null, null, taken, snapshot, null));
    }

    @Override
    public byte[] snapshotBytes() {
        return snapshotBytes;
    }

    /**
     * The durable checkpoint's file is lost (a fault of the disk), while the superblock still names
     * it. The model tells a damaged file from a lost one no better than a restart does: both are
     * unusable.
     */
    @Override
    public void loseCheckpointFile(boolean damaged) {
        Check.that(checkpoint != null, "scenario: a checkpoint to lose");
        checkpointFileLost = true;
    }

    @Override
    public void serveSyncChunk(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send) {
        if (checkpoint == null || checkpointFileLost || checkpoint.op() != checkpointOp
                || checkpoint.identity() != identity) {
            return;
        }
        byte[] file = CheckpointBytes.encode(checkpoint, snapshotBytes);
        if (offset < 0 || offset >= file.length) return;
        int end = (int) Math.min(file.length, offset + ScenarioCluster.SYNC_CHUNK_SIZE_BYTES);
        byte[] chunk = Arrays.copyOfRange(file, (int) offset, end);
        if (servedChunksDamaged) chunk[0] ^= 0x01;
        send.accept(SyncChunk.of(checkpointOp, identity, offset, file.length, SyncChunk.checksumOf(file), chunk,
                replicaIndex));
    }

    @Override
    public void damageServedChunks(boolean on) {
        servedChunksDamaged = on;
    }

    @Override
    public void stageSyncChunk(long checkpointOp, long offset, byte[] bytes) {
        pending.addLast(new Write(null, 0, 0, null, null, null, null, () -> {
            if (offset == 0 || stagedOp != checkpointOp) staged = new ByteArrayOutputStream();
            stagedOp = checkpointOp;
            Check.that(staged.size() == offset, "scenario: sync chunks are staged in order");
            staged.writeBytes(bytes);
            listener.onSyncChunkDurable(checkpointOp, staged.size());
        }));
    }

    @Override
    public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
            Output.ReplicaState installed) {
        pending.addLast(new Write(null, 0, 0, null, null, null, null,
                () -> install(checkpointOp, identity, sizeBytes, fileChecksum, installed)));
    }

    /** Checks the staged file (size, checksum, identity once restored), then makes it the durable checkpoint. */
    private void install(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
            Output.ReplicaState installed) {
        byte[] file = stagedOp == checkpointOp && staged != null ? staged.toByteArray() : new byte[0];
        if (file.length != sizeBytes || SyncChunk.checksumOf(file) != fileChecksum) {
            listener.onSyncFailed(checkpointOp, "the staged file is not the one offered");
            return;
        }
        CheckpointBytes.Parsed parsed;
        StateMachine restored = services.get();
        try {
            parsed = CheckpointBytes.decode(file);
            restored.restore(new ByteArrayInputStream(parsed.snapshot()));
        } catch (IOException e) {
            listener.onSyncFailed(checkpointOp, "the staged file does not restore: " + e.getMessage());
            return;
        }
        if (parsed.checkpoint().op() != checkpointOp
                || parsed.checkpoint().identityWith(clusterId, restored.stateChecksum()) != identity) {
            listener.onSyncFailed(checkpointOp, "the staged file restores to another state");
            return;
        }
        checkpoint = parsed.checkpoint();
        snapshotBytes = parsed.snapshot();
        checkpointFileLost = false;
        // The log is cut to the checkpoint's op; what lies below it is known only through it.
        while (log.size() > checkpointOp) log.remove(log.size() - 1);
        while (log.size() < checkpointOp) log.add(null);
        unreadable.clear();
        state = installed;
        lost = false;
        staged = null;
        stagedOp = -1;
        listener.onSyncInstalled(new CheckpointFile.Contents(checkpoint, snapshotBytes));
    }

    @Override
    public boolean completeWrites() {
        boolean progress = false;
        // A completion may ask for more writes (a backup's next prepare); they complete in this loop too.
        for (Write write; (write = pending.pollFirst()) != null; ) {
            apply(write);
            write.reportTo(listener);
            progress = true;
        }
        return progress;
    }

    /** Applies a completed write to the durable state. */
    private void apply(Write write) {
        if (write.sync() != null) {
            write.sync().run();
        } else if (write.checkpoint() != null) {
            Check.that(write.checkpoint().op() <= log.size(), "a checkpoint of durable ops");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                write.snapshot().writeTo(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("a snapshot into memory", e);
            }
            checkpoint = write.checkpoint();
            snapshotBytes = bytes.toByteArray();
            checkpointFileLost = false;
        } else if (write.prepare() != null) {
            if (write.prepare().op() <= log.size()) {
                // A repaired entry (a decayed prepare, or one a test's restartWith said was lost).
                Check.that(log.get((int) write.prepare().op() - 1).checksum() == write.prepare().checksum(),
                        "a repair writes the entry the log holds");
                unreadable.remove(write.prepare().op());
            } else {
                // The core only appends the op after the last one it has written.
                Check.that(write.prepare().op() == log.size() + 1, "durable append is the next op");
                log.add(write.prepare());
            }
        } else {
            Check.that(write.anchorOp() <= log.size(), "durable anchor within the log");
            while (log.size() > write.anchorOp()) log.remove(log.size() - 1);
            log.addAll(write.suffix());
            unreadable.removeIf(op -> op > write.anchorOp());
            state = write.state();
            lost = false;
        }
    }

    @Override
    public void lose() {
        crash();
        log.clear();
        unreadable.clear();
        checkpoint = null;
        snapshotBytes = null;
        staged = null;
        stagedOp = -1;
        state = FORMATTED;
        lost = true;
    }

    @Override
    public void crash() {
        pending.clear();
    }

    @Override
    public void decayPrepare(long op) {
        Check.that(op >= 1 && op <= log.size(), "scenario: a prepare of the durable log decays");
        unreadable.add(op);
    }

    /**
     * What a restart reads. The entries of decayed prepares are missing, under the checksums their
     * redundant headers still hold (a repair, as journal recovery reports it); and a log the core
     * said was damaged comes back damaged as far as it said.
     */
    @Override
    public Replica.Durable durable() {
        DurableBuilder restart = Replica.Durable.builder().pipelinePrepareCountMax(pipelinePrepareCountMax);
        if (lost) return restart.recovering().build();
        restart.views(state.view(), state.logView()).crashVector(state == FORMATTED ? null : state.crashVector())
                .commit(state.commitMax(), state.commitChecksum());
        long anchor = checkpoint == null ? 0 : checkpoint.op();
        if (checkpointFileLost) {
            // A lost file leaves what the superblock says of the checkpoint: no client table.
            restart.checkpointLost(new Checkpoint(checkpoint.op(), checkpoint.entryChecksum(),
                    checkpoint.entryTimestamp(), checkpoint.identity(), new byte[0]));
        } else {
            restart.checkpoint(checkpoint);
        }
        if (state.damagedOpMax() < 0 && unreadable.isEmpty()) {
            return restart.log(log.subList((int) anchor, log.size())).build();
        }
        int held = (int) (log.size() - anchor);
        long[] checksums = new long[held];
        Entry[] entries = new Entry[held];
        for (int i = 0; i < held; i++) {
            entries[i] = log.get((int) anchor + i);
            checksums[i] = entries[i].checksum();
        }
        for (long op : unreadable) if (op > anchor) entries[(int) (op - anchor - 1)] = null;
        return restart.damage(new Replica.Damage(log.size(), anchor + 1, checksums, entries,
                Math.max(log.size(), state.damagedOpMax()), anchor)).build();
    }

    @Override
    public void restarted() {
        // Nothing to open: the model's state is read where it lies.
    }
}
