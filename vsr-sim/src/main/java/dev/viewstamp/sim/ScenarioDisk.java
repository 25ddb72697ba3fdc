package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One replica's data file in a scripted scenario ({@link ScenarioCluster.Storage#REAL}): the real
 * {@link ReplicaStorage} write order (group commit, redundant headers, superblocks around a log
 * change, a checkpoint's file before the superblock that names it, a state sync's staged file and
 * its install) on a {@link SimDisk} and its checkpoint files, without data faults, through the simulator's {@link SimReplicaDisk}. A restart
 * reads the superblock, the checkpoint it names and the journal as the simulator's replicas do.
 *
 * <p>The scenario controls time on the disk: its operations run only in {@link #completeWrites},
 * which runs them until the disk is idle, so every write asked for so far and every write its
 * completion asks for is durable and reported when it returns. A crash between two such calls
 * finds nothing unsynced (each step of the storage ends in a sync) and loses exactly the writes
 * that were held back, as the model does.
 */
final class ScenarioDisk implements ScenarioStorage {
    /**
     * The ring's slots when the configuration names none (journalSlotCount 0: the core keeps no ring
     * rule): more than any such scenario's log has ops, so its ring never needs to wrap. A
     * configuration that names a slot count gets a ring of that many, which wraps once checkpoints
     * free its slots.
     */
    private static final int JOURNAL_SLOT_COUNT_UNCONFIGURED = 2048;
    /** The disk's own generator, apart from the cluster's, so replicas and clients draw alike on both storages. */
    private static final long DISK_SEED = 0x5CE7A810L;
    private static final int DISK_TICKS_PER_COMPLETION_MAX = 1_000_000;

    private final Journal.Layout layout;
    private final SimReplicaDisk disk;
    /** New, empty services: an install restores one off to the side to check the staged file's identity. */
    private final Supplier<StateMachine> services;
    /** True while a replica runs on this disk; false from a crash until the next restart. */
    private boolean running = true;
    /** What the disk held when a restart last read it, until a replica restarts on it; null when not read since the crash. */
    private ReplicaStorage.Opened booted;

    ScenarioDisk(ClusterConfig config, int replicaIndex, ReplicaStorage.Listener listener,
            Supplier<StateMachine> services) {
        this.services = services;
        int slotCount = config.journalSlotCount() > 0 ? config.journalSlotCount() : JOURNAL_SLOT_COUNT_UNCONFIGURED;
        this.layout = new Journal.Layout(config.clusterId(), slotCount, config.journalBodySizeBytesMax(),
                SimDisk.SECTOR_SIZE_BYTES);
        this.disk = new SimReplicaDisk(config, layout, replicaIndex, new Prng(DISK_SEED + replicaIndex),
                SimDisk.Faults.NONE, listener);
        disk.syncChunkSizeBytes(ScenarioCluster.SYNC_CHUNK_SIZE_BYTES);
    }

    @Override
    public void persistPrepare(Entry entry) {
        disk.persistPrepare(entry);
    }

    @Override
    public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        disk.persistState(state, anchorOp, anchorChecksum, suffix);
    }

    @Override
    public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        disk.persistCheckpoint(checkpoint, snapshot);
    }

    @Override
    public void serveSyncChunk(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send) {
        disk.serveSyncChunk(checkpointOp, identity, offset, send);
    }

    @Override
    public void damageServedChunks(boolean on) {
        disk.checkpoints().faults(on ? new SimCheckpointStore.Faults(1.0, 0) : SimCheckpointStore.Faults.NONE);
    }

    @Override
    public void stageSyncChunk(long checkpointOp, long offset, byte[] bytes) {
        disk.writeSyncChunk(checkpointOp, offset, bytes);
    }

    @Override
    public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
            Output.ReplicaState state) {
        disk.installSync(checkpointOp, identity, sizeBytes, fileChecksum, state, services);
    }

    /** The snapshot in the checkpoint file the restart read. */
    @Override
    public byte[] snapshotBytes() {
        CheckpointFile.Contents file = boot().checkpointFile();
        return file == null ? null : file.snapshot();
    }

    @Override
    public boolean completeWrites() {
        boolean progress = false;
        for (int ticks = 0; disk.writing(); ticks++) {
            Check.that(ticks < DISK_TICKS_PER_COMPLETION_MAX, "scenario: a simulated disk goes idle");
            disk.tick();
            progress = true;
        }
        return progress;
    }

    @Override
    public void crash() {
        disk.crash();
        running = false;
        booted = null;
    }

    @Override
    public void lose() {
        disk.lose();
        running = false;
        booted = null;
    }

    /**
     * Makes the first sector of {@code op}'s slot unreadable: the prepare's header and the start of
     * its body. The ring wraps, so the slot holds {@code op} only while it is in the journal's live
     * window (after the durable checkpoint, within one ring of it): the scenario decays a live op.
     */
    @Override
    public void decayPrepare(long op) {
        Check.that(!running, "scenario: a disk decays while its replica is down");
        Check.that(booted == null, "scenario: a disk decays before the restart reads it");
        Check.that(op >= 1, "scenario: an op", op, 1);
        disk.disk().decay(layout.preparesOffset() + (long) layout.slotOf(op) * layout.slotSizeBytes());
    }

    @Override
    public void loseCheckpointFile(boolean damaged) {
        Check.that(!running && booted == null, "scenario: a crashed replica's file is lost before its restart reads it");
        long op = disk.namedCheckpointOp();
        Check.that(op > 0, "scenario: a checkpoint to lose");
        if (damaged) disk.checkpoints().damageFile(op);
        else disk.checkpoints().loseFile(op);
    }

    /** Reads the superblock, its checkpoint and the journal once after a crash; the restart then opens the storage that read. */
    @Override
    public Replica.Durable durable() {
        return boot().durable();
    }

    private ReplicaStorage.Opened boot() {
        Check.that(!running, "scenario: a restart reads the disk of a crashed replica");
        if (booted == null) booted = disk.boot();
        return booted;
    }

    @Override
    public void restarted() {
        boot(); // a replica restarted from a state the test built still writes to the storage recovery opened
        running = true;
        booted = null;
    }
}
