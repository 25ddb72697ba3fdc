package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.storage.Superblock;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The simulator's bound on data faults ({@link SurvivableFaults}) on a journal ring that wraps:
 * {@link ReplicaStorage} runs through many laps of 32 slots, checkpointing every 8 ops, on a
 * {@link SimDisk} that takes every kind of data fault in every zone (flipped bits, misdirected and
 * lost writes, latent errors on writes and decay) as often as the bound allows, and crashes at
 * random ticks. The bound tracks each slot's two copies, whichever lap's op they hold; every
 * restart must find every acknowledged op after its checkpoint intact, or reported (to repair, a
 * broken chain, a damaged suffix), never silently lost.
 */
class SurvivableFaultsTest {
    private static final long CLUSTER = 9;
    private static final int SLOTS = 32;
    private static final int INTERVAL = 8;
    private static final Journal.Layout LAYOUT = new Journal.Layout(CLUSTER, SLOTS, 200, SimDisk.SECTOR_SIZE_BYTES);

    /** One replica's disk, files and storage, driven as a replica drives them. */
    private static final class Node {
        final Prng prng;
        final SimDisk disk;
        final SimCheckpointStore store;
        final SurvivableFaults bound;
        ReplicaStorage storage;
        /** The log as the replica holds it: ops 1..n (those up to the checkpoint are covered by it). */
        final List<Entry> log = new ArrayList<>();
        /** Acknowledged ops (op to checksum) of this run, after the restart's log. */
        final TreeMap<Long, Long> acknowledged = new TreeMap<>();
        long durableCheckpointOp;
        long takenCheckpointOp;
        long acknowledgedOp;
        long tick;

        Node(long seed) {
            prng = new Prng(seed);
            disk = new SimDisk(LAYOUT.sizeBytes(), prng.fork(), new SimDisk.Faults(5, 0.1, 0.05, 0.05, 0.1));
            store = new SimCheckpointStore(prng.fork(), disk, 5);
            Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                    .pipelinePrepareCountMax(8).checkpointIntervalOps(INTERVAL).formatId(1).journalSlotCount(SLOTS)
                    .journalBodySizeBytesMax(LAYOUT.bodySizeBytesMax()).build();
            Superblock.write(disk, formatted, e -> assertThat(e).isNull());
            runUntil(disk::idle);
            bound = new SurvivableFaults(disk, LAYOUT, new boolean[] {true, true, true});
            disk.policy(bound);
            storage = new ReplicaStorage(disk, store, dev.viewstamp.storage.Journal.formatted(disk, LAYOUT), formatted, 0,
                    0, listener());
        }

        ReplicaStorage.Listener listener() {
            return new ReplicaStorage.Listener() {
                @Override
                public void onPrepareDurable(long op, long checksum) {
                    assertThat(checksum).isEqualTo(log.get((int) op - 1).checksum());
                    acknowledged.put(op, checksum);
                    acknowledgedOp = Math.max(acknowledgedOp, op);
                }

                @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }

                @Override public void onCheckpointDurable(long op) { durableCheckpointOp = op; }

                @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
            };
        }

        void tick() {
            tick++;
            disk.tick();
            store.tick();
        }

        void runUntil(BooleanSupplier done) {
            for (int i = 0; !done.getAsBoolean(); i++) {
                assertThat(i).as("the disk completes").isLessThan(1_000_000);
                tick();
            }
        }

        /** One tick of a replica's work: perhaps an op (within the ring rule), a checkpoint, a decayed sector. */
        void step() {
            if (prng.chance(0.6) && log.size() < durableCheckpointOp + SLOTS) {
                long op = log.size() + 1;
                long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
                Entry entry = Entry.create(0, op, parent, tick, List.of(new Request(1, tick, new byte[prng.nextInt(60)])));
                log.add(entry);
                storage.persistPrepare(entry);
            }
            while (takenCheckpointOp + INTERVAL <= acknowledgedOp) {
                long op = takenCheckpointOp + INTERVAL;
                Entry entry = log.get((int) op - 1);
                Checkpoint checkpoint = new Checkpoint(op, entry.checksum(), entry.timestamp(),
                        new Checksum().add(op).add(entry.checksum()).value(), new byte[0]);
                storage.persistCheckpoint(checkpoint, new StateMachine.Snapshot() {
                    @Override public long stateChecksum() { return op; }
                    @Override public void writeTo(OutputStream out) { }
                });
                takenCheckpointOp = op;
            }
            if (prng.chance(0.1)) {
                long offset = bound.decay(prng);
                if (offset >= 0) disk.decay(offset);
            }
            tick();
        }
    }

    @Test
    void everyRestartThroughManyLapsWithDataFaultsInEveryZoneKeepsTheAcknowledgedOps() {
        Prng seeds = new Prng(41);
        int restarts = 0;
        int damaged = 0;
        long opsMax = 0;
        long faults = 0;
        for (int trial = 0; trial < 60; trial++) {
            Node node = new Node(seeds.nextLong());
            for (int run = 0; run < 4; run++) {
                int ticks = (int) node.prng.between(50, 2_000);
                for (int t = 0; t < ticks; t++) node.step();
                node.disk.crash();
                node.store.crash();
                restarts++;
                Journal.Recovery recovery = restart(node, "trial " + trial + " run " + run);
                opsMax = Math.max(opsMax, node.log.size());
                if (recovery == null) {
                    damaged++;
                    break; // a damaged replica repairs from its peers; this one has none
                }
            }
            for (long zone : node.bound.faultsByZone) faults += zone;
        }
        assertThat(faults).as("data faults the bound let in").isGreaterThan(500);
        assertThat(opsMax).as("rings wrapped many times").isGreaterThan(10L * SLOTS);
        assertThat(restarts).isGreaterThan(60);
        assertThat(damaged).as("restarts whose damage recovery reported").isPositive();
    }

    /**
     * Reads the disk as a restart does and checks it against what was acknowledged; when it came
     * back whole, reopens the storage on it (its repairs written first) and returns the recovery,
     * and null when it came back damaged.
     */
    private static Journal.Recovery restart(Node node, String where) {
        Superblock.ReadResult[] read = {null};
        Superblock.read(node.disk, r -> read[0] = r);
        node.runUntil(() -> read[0] != null);
        Superblock.State superblock = read[0].state();
        assertThat(superblock).as("%s: a superblock copy survives", where).isNotNull();
        Journal.RecoveryResult[] recovered = {null};
        Journal.recover(node.disk, LAYOUT, superblock, r -> recovered[0] = r);
        node.runUntil(() -> recovered[0] != null);
        Journal.Recovery recovery = recovered[0].recovery();
        long checkpointOp = superblock.checkpoint().op();
        assertThat(checkpointOp).as(where).isGreaterThanOrEqualTo(node.durableCheckpointOp);
        assertThat(recovery.anchorOp()).as(where).isEqualTo(checkpointOp);

        long brokenUpTo = checkpointOp;
        long damagedFrom = Long.MAX_VALUE;
        for (Journal.Fault fault : recovery.faults()) {
            if (fault.kind() == Journal.Fault.Kind.BROKEN_CHAIN) brokenUpTo = Math.max(brokenUpTo, fault.op());
            if (fault.kind() == Journal.Fault.Kind.DAMAGED_SUFFIX) damagedFrom = Math.min(damagedFrom, fault.op());
        }
        for (long op = brokenUpTo + 1; op <= recovery.headOp(); op++) {
            assertThat(recovery.checksums()[(int) (op - checkpointOp - 1)]).as("%s: op %d is the op written", where, op)
                    .isEqualTo(node.log.get((int) op - 1).checksum());
        }
        for (var acked : node.acknowledged.tailMap(brokenUpTo, false).entrySet()) {
            long op = acked.getKey();
            if (op >= damagedFrom) break;
            assertThat(op).as("%s: acknowledged op %d is in the recovered log", where, op)
                    .isLessThanOrEqualTo(recovery.headOp());
            assertThat(recovery.checksums()[(int) (op - checkpointOp - 1)]).as(where).isEqualTo(acked.getValue());
            if (recovery.entry(op) == null) {
                assertThat(recovery.faults()).as("%s: op %d without a body is reported", where, op)
                        .anyMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR && f.op() == op);
            }
        }
        if (!recovery.clean() || superblock.damagedOpMax() >= 0) return null;

        // Whole: reopen as a replica does, and go on with the log it recovered.
        CheckpointFile.Loaded[] loaded = {null};
        CheckpointFile.load(node.store, CLUSTER, superblock.checkpoint(), l -> loaded[0] = l);
        node.runUntil(() -> loaded[0] != null);
        while (node.log.size() > recovery.headOp()) node.log.remove(node.log.size() - 1);
        node.acknowledged.clear();
        node.acknowledgedOp = recovery.headOp();
        node.durableCheckpointOp = checkpointOp;
        node.takenCheckpointOp = checkpointOp;
        node.storage = ReplicaStorage.open(node.disk, node.store, read[0], recovered[0], loaded[0],
                node.listener()).storage();
        // Once the restart's repairs are written (the redundant headers of the log it recovered),
        // the replica may acknowledge every op of that log.
        node.runUntil(() -> node.disk.idle() && node.store.idle());
        for (long op = checkpointOp + 1; op <= recovery.headOp(); op++) {
            node.acknowledged.put(op, node.log.get((int) op - 1).checksum());
        }
        return recovery;
    }
}
