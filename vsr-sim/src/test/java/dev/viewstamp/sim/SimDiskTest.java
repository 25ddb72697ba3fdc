package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.storage.Superblock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SimDiskTest {
    private static final long CLUSTER = 1;

    @Test
    void operationsCompleteInIssueOrderAfterTheirLatency() {
        SimDisk disk = new SimDisk(64 * 1024, new Prng(1), new SimDisk.Faults(10, 0, 0, 0));
        List<String> done = new ArrayList<>();
        disk.write(0, new byte[512], e -> done.add("write"));
        disk.sync(e -> done.add("sync"));
        disk.read(0, new byte[512], e -> done.add("read"));
        assertThat(done).isEmpty();
        for (int tick = 0; tick < 40; tick++) disk.tick();
        assertThat(done).containsExactly("write", "sync", "read");
        assertThat(disk.idle()).isTrue();
    }

    @Test
    void aCrashKeepsSyncedDataAndLosesOrKeepsEachUnsyncedSector() {
        SimDisk disk = new SimDisk(64 * 1024, new Prng(2), SimDisk.Faults.NONE);
        byte[] synced = new byte[512];
        synced[0] = 7;
        disk.write(0, synced, e -> { });
        disk.sync(e -> { });
        disk.write(512, new byte[] {9}, e -> { });
        for (int tick = 0; tick < 5; tick++) disk.tick();
        disk.write(1024, new byte[] {5}, e -> { }); // never runs: pending at the crash
        disk.crash();
        byte[] back = new byte[1536];
        disk.read(0, back, e -> assertThat(e).isNull());
        for (int tick = 0; tick < 5; tick++) disk.tick();
        assertThat(back[0]).isEqualTo((byte) 7);
        assertThat(back[1024]).isZero();
    }

    /**
     * ReplicaStorage on a SimDisk with data faults in the prepares ring (the simulator's bound: a
     * slot never loses both its copies): crash at a random tick, recover, and find every
     * acknowledged entry intact or reported for repair.
     */
    @Test
    void replicaStorageOnASimDiskLosesNoAcknowledgedEntry() {
        Prng seeds = new Prng(3);
        int faulty = 0;
        for (int trial = 0; trial < 100; trial++) {
            Prng prng = new Prng(seeds.nextLong());
            boolean dataFaults = trial % 2 == 1;
            SimDisk.Faults faults = dataFaults ? new SimDisk.Faults(5, 0.01, 0.005, 0.005) : new SimDisk.Faults(5, 0, 0, 0);
            Journal.Layout layout = new Journal.Layout(CLUSTER, 256, 200, SimDisk.SECTOR_SIZE_BYTES);
            SimDisk disk = new SimDisk(layout.sizeBytes(), prng.fork(), faults);
            Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0)
                    .replicaCount(3).pipelinePrepareCountMax(8).formatId(1).journalSlotCount(1024)
                    .journalBodySizeBytesMax(4096).build();
            Superblock.write(disk, formatted, e -> assertThat(e).isNull());
            while (!disk.idle()) disk.tick();
            disk.policy(dataFaults ? SimDisk.FaultPolicy.zone(layout.preparesOffset(), layout.sizeBytes())
                    : SimDisk.FaultPolicy.NONE);

            List<Long> acknowledged = new ArrayList<>();
            List<Entry> log = new ArrayList<>();
            ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0,
                    new ReplicaStorage.Listener() {
                        @Override public void onCheckpointDurable(long op) { } // no checkpoints here
                        @Override public void onPrepareDurable(long op, long checksum) {
                            while (acknowledged.size() < op) acknowledged.add(null);
                            acknowledged.set((int) op - 1, checksum);
                        }
                        @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                        @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
                    });
            int crashTick = (int) prng.between(10, 400);
            for (int tick = 0; tick < crashTick; tick++) {
                if (log.size() < 200 && prng.chance(0.5)) {
                    long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
                    Entry entry = Entry.create(0, log.size() + 1, parent, tick, List.of(new Request(1, tick, new byte[40])));
                    log.add(entry);
                    storage.persistPrepare(entry);
                }
                disk.tick();
            }
            disk.crash();
            disk.allowDataFaults(false);

            AtomicReference<Superblock.ReadResult> superblock = new AtomicReference<>();
            Superblock.read(disk, superblock::set);
            while (superblock.get() == null) disk.tick();
            AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
            Journal.recover(disk, layout, superblock.get().state(), result::set);
            while (result.get() == null) disk.tick();
            Journal.Recovery recovery = result.get().recovery();
            if (!recovery.clean()) faulty++;

            long brokenUpTo = 0;
            long damagedFrom = Long.MAX_VALUE;
            for (Journal.Fault fault : recovery.faults()) {
                if (fault.kind() == Journal.Fault.Kind.BROKEN_CHAIN) brokenUpTo = Math.max(brokenUpTo, fault.op());
                if (fault.kind() == Journal.Fault.Kind.DAMAGED_SUFFIX) damagedFrom = Math.min(damagedFrom, fault.op());
            }
            for (int i = 0; i < acknowledged.size(); i++) {
                long op = i + 1;
                if (op <= brokenUpTo || op >= damagedFrom) continue;
                assertThat(op).as("trial %d: acknowledged op %d recovered", trial, op).isLessThanOrEqualTo(recovery.headOp());
                assertThat(recovery.checksums()[i]).isEqualTo(acknowledged.get(i));
                if (recovery.entry(op) == null) {
                    assertThat(recovery.faults()).anyMatch(f -> f.kind() == Journal.Fault.Kind.REPAIR && f.op() == op);
                }
            }
        }
        assertThat(faulty).as("data faults showed up in recovery").isPositive();
    }
}
