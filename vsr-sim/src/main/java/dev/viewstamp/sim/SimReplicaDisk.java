package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.storage.Superblock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One simulated replica's data file and checkpoint files: the real superblock, journal and
 * {@link ReplicaStorage} code on a {@link SimDisk}, with the checkpoint files in a
 * {@link SimCheckpointStore} beside it. A crash keeps the disk and the files (losing what was not
 * synced) and drops the storage object; a restart reads the superblock, the checkpoint it names
 * and the journal after it exactly as the runtime does, and hands the replica what it found,
 * damage included.
 */
final class SimReplicaDisk {
    private final ClusterConfig config;
    private final SimDisk disk;
    private final SimCheckpointStore checkpoints;
    private final Journal.Layout layout;
    private final ReplicaStorage.Listener listener;
    private ReplicaStorage storage;
    private final Superblock.State formatted;
    /** The state-sync chunk this replica serves, set on every storage it opens. */
    private int syncChunkSizeBytes = ReplicaStorage.SYNC_CHUNK_SIZE_BYTES;
    long lostDisks;
    /** Restarts whose journal came back damaged, and what recovery reported, for the summary. */
    long damagedRestarts;
    /** Restarts that found the named checkpoint's file missing or damaged. */
    long checkpointLostRestarts;
    long repairFaults;
    long brokenChains;
    long damagedSuffixes;

    /** A disk formatted for replica {@code replicaIndex} of {@code config}, with {@code layout}'s journal. */
    SimReplicaDisk(ClusterConfig config, Journal.Layout layout, int replicaIndex, Prng prng, SimDisk.Faults faults,
            ReplicaStorage.Listener listener) {
        this.config = config;
        this.layout = layout;
        this.listener = listener;
        this.disk = new SimDisk(layout.sizeBytes(), prng, faults);
        // The disk's generator: the files draw from it only once there are checkpoints.
        this.checkpoints = new SimCheckpointStore(prng, disk, faults.latencyTicksMax());
        this.formatted = Superblock.State.formatted().clusterId(layout.clusterId()).replicaIndex(replicaIndex)
                .replicaCount(config.replicaCount()).pipelinePrepareCountMax(config.pipelinePrepareCountMax())
                .checkpointIntervalOps(config.checkpointIntervalOps()).formatId(1).journalSlotCount(layout.slotCount())
                .journalBodySizeBytesMax(layout.bodySizeBytesMax()).build();
        writeSuperblock(formatted);
        this.storage = new ReplicaStorage(disk, checkpoints, Journal.formatted(disk, layout), formatted, 0, 0, listener);
        storage.canariesForTesting(config.canaries());
        storage.syncChunkSizeBytes(syncChunkSizeBytes);
    }

    /** The bound on data faults when this disk has them, or null: see {@link #dataFaults}. */
    private SurvivableFaults survivable;

    /**
     * Whether this disk takes data faults, and where: with {@code zones} null, only in the
     * prepares ring (the fault model before issue 7, so old seeds replay); otherwise in the
     * zones given, within what the format survives ({@link SurvivableFaults}).
     */
    void dataFaults(boolean faulty, boolean[] zones) {
        if (!faulty) {
            disk.policy(SimDisk.FaultPolicy.NONE);
        } else if (zones == null) {
            disk.policy(SimDisk.FaultPolicy.zone(layout.preparesOffset(), layout.sizeBytes()));
        } else {
            survivable = new SurvivableFaults(disk, layout, zones);
            disk.policy(survivable);
        }
    }

    /** A latent error appears on a sector nobody is writing, where the bound allows one; true if it did. */
    boolean decay(Prng prng) {
        if (survivable == null) return false;
        long offset = survivable.decay(prng);
        if (offset >= 0) disk.decay(offset);
        return offset >= 0;
    }

    /** Data faults applied so far, by zone: superblock, headers, prepares. */
    long[] faultsByZone() {
        if (survivable != null) return survivable.faultsByZone.clone();
        return new long[] {0, 0, disk.corruptions() + disk.misdirections() + disk.latentErrors() + disk.lostWrites()};
    }

    SimDisk disk() {
        return disk;
    }

    SimCheckpointStore checkpoints() {
        return checkpoints;
    }

    /** Space returned: the storage retries what a full disk stopped (a runtime would on a timer). */
    void resume() {
        if (storage != null) storage.resume();
    }

    void persistPrepare(Entry entry) {
        storage.persistPrepare(entry);
    }

    void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
        storage.persistState(state, anchorOp, anchorChecksum, suffix);
    }

    void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        storage.persistCheckpoint(checkpoint, snapshot);
    }

    /** Serves state-sync chunks of {@code value} bytes: small ones make a small checkpoint take several. */
    void syncChunkSizeBytes(int value) {
        syncChunkSizeBytes = value;
        if (storage != null) storage.syncChunkSizeBytes(value);
    }

    void serveSyncChunk(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send) {
        storage.serveSyncChunk(checkpointOp, identity, offset, send);
    }

    void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
        storage.writeSyncChunk(checkpointOp, offset, bytes);
    }

    void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, Output.ReplicaState state,
            Supplier<? extends StateMachine> services) {
        storage.installSync(checkpointOp, identity, sizeBytes, fileChecksum, state, services);
    }

    /** Runs the disk and file operations due this tick: completions reach the replica through the listener. */
    void tick() {
        disk.tick();
        checkpoints.tick();
    }

    boolean writing() {
        return !disk.idle() || !checkpoints.idle();
    }

    /**
     * A crash: unsynced sectors survive or not, each on its own, checkpoint files not yet written
     * are not there; the storage object is gone.
     */
    void crash() {
        disk.crash();
        checkpoints.crash();
        storage = null;
    }

    /**
     * The disk is lost: a blank one takes its place, formatted for recovery, as an operator does
     * with {@code vsr format --recover}. The next boot recovers from the cluster.
     */
    void lose() {
        disk.wipe();
        checkpoints.wipe();
        if (survivable != null) survivable.reset();
        storage = null;
        lostDisks++;
        writeSuperblock(formatted.recoveringFromLostDisk());
    }

    /** Formats: writes {@code state} to every superblock copy and waits for it. */
    private void writeSuperblock(Superblock.State state) {
        DiskError[] error = {null};
        boolean[] done = {false};
        Superblock.write(disk, state, e -> {
            error[0] = e;
            done[0] = true;
        });
        drainUntil(() -> done[0]);
        Check.that(error[0] == null, "formatting a simulated disk");
    }

    /**
     * Reads the superblock, the checkpoint it names and the journal after it, as a restarting
     * process does: what the replica restarts from, and the checkpoint's file to restore its
     * service from (none, when the named file is missing or fails its checks: the replica then
     * fetches the checkpoint from a peer).
     */
    ReplicaStorage.Opened boot() {
        Superblock.ReadResult[] read = {null};
        Superblock.read(disk, r -> read[0] = r);
        drainUntil(() -> read[0] != null);
        return boot(read[0]);
    }

    /** The op of the checkpoint the superblock names, 0 for none: a scenario aims a fault at its file. */
    long namedCheckpointOp() {
        Superblock.ReadResult[] read = {null};
        Superblock.read(disk, r -> read[0] = r);
        drainUntil(() -> read[0] != null);
        return read[0].state().checkpoint().op();
    }

    private ReplicaStorage.Opened boot(Superblock.ReadResult result) {
        Superblock.ReadResult[] read = {result};
        Superblock.State superblock = read[0].state();
        Check.that(superblock != null, "a superblock copy survives (writes sync one copy at a time)");
        superblock.checkConfig(config); // as a starting process does: the limits it runs with are the formatted ones
        CheckpointFile.Loaded[] loaded = {null};
        CheckpointFile.load(checkpoints, superblock.clusterId(), superblock.checkpoint(), l -> loaded[0] = l);
        drainUntil(() -> loaded[0] != null);
        Journal.RecoveryResult[] recovered = {null};
        Journal.recover(disk, layout, superblock, config.canaries(), r -> recovered[0] = r);
        drainUntil(() -> recovered[0] != null);
        Journal.Recovery recovery = recovered[0].recovery();
        for (Journal.Fault fault : recovery.faults()) {
            switch (fault.kind()) {
                case REPAIR -> repairFaults++;
                case BROKEN_CHAIN -> brokenChains++;
                case DAMAGED_SUFFIX -> damagedSuffixes++;
            }
        }
        ReplicaStorage.Opened opened = ReplicaStorage.open(disk, checkpoints, read[0], recovered[0], loaded[0],
                listener);
        storage = opened.storage();
        storage.canariesForTesting(config.canaries());
        storage.syncChunkSizeBytes(syncChunkSizeBytes);
        if (opened.durable().damage() != null) damagedRestarts++;
        if (opened.durable().checkpointLost()) checkpointLostRestarts++;
        return opened;
    }

    private void drainUntil(java.util.function.BooleanSupplier done) {
        for (int i = 0; !done.getAsBoolean(); i++) {
            Check.that(i < 1_000_000, "simulated disk operation completes");
            tick();
        }
    }
}
