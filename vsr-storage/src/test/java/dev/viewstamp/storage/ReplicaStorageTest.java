package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What a restart reads back of the state ReplicaStorage records besides the log. */
class ReplicaStorageTest {
    private static final long CLUSTER = 4;

    @Test
    void theSuperblockKeepsViewsCommitNumberAndCrashVectorForTheRestart() {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 64, 128, 512);
        ImageDisk disk = new ImageDisk((int) layout.sizeBytes(), 512);
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(1).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(64).journalBodySizeBytesMax(128).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0,
                new ReplicaStorage.Listener() {
                    @Override public void onCheckpointDurable(long op) { } // no checkpoints here
                    @Override public void onPrepareDurable(long op, long checksum) { }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                    @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
                });
        List<Entry> log = new ArrayList<>();
        long parent = OpLog.rootChecksum(CLUSTER);
        for (int op = 1; op <= 6; op++) {
            Entry entry = Entry.create(2, op, parent, op, List.of(new Request(9, op, new byte[4])));
            log.add(entry);
            parent = entry.checksum();
        }
        storage.persistState(new Output.ReplicaState(2, 2, 4, 0, -1, new long[] {0, 3, 1}), 0, OpLog.rootChecksum(CLUSTER),
                log);

        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        Superblock.State state = read.get().state();
        AtomicReference<Journal.RecoveryResult> recovered = new AtomicReference<>();
        Journal.recover(disk, layout, state, recovered::set);
        Replica.Durable durable = DurableState.of(state, recovered.get().recovery());
        assertThat(durable.view()).isEqualTo(2);
        assertThat(durable.logView()).isEqualTo(2);
        assertThat(durable.commitMax()).isEqualTo(4);
        assertThat(durable.crashVector()).containsExactly(0, 3, 1);
        assertThat(durable.log()).hasSize(6);
        assertThat(durable.damage()).isNull();
    }

    @Test
    void aStateThatOnlySomeCopiesHoldIsWrittenToEveryCopyAtTheRestartThatAdoptsIt() {
        // A crash tore a superblock write after its first copy: copy 0 says view 5, copies 1..3
        // still say view 0. The replica never acted on view 5 before the crash, but the restart
        // adopts it (the highest sequence), and the replica then votes in view 5. Left in one copy,
        // one bad sector there would bring back view 0 at the next restart, and the replica would
        // forget a view it voted in.
        WrittenJournal written = WrittenJournal.of(3);
        Superblock.State formatted = written.boot().superblock();
        Superblock.State viewFive = formatted.successor().view(5).commit(0, 0).build();
        written.disk.write(0, Superblock.encode(viewFive, 0), e -> assertThat(e).isNull());
        written.disk.sync(e -> assertThat(e).isNull());
        WrittenJournal.Booted booted = written.boot();
        assertThat(booted.superblock().view()).isEqualTo(5);
        assertThat(booted.read().copies()).containsExactly(Superblock.CopyStatus.VALID, Superblock.CopyStatus.STALE,
                Superblock.CopyStatus.STALE, Superblock.CopyStatus.STALE);

        ReplicaStorage.Opened opened = written.restart();
        assertThat(opened.storage().superblock().view()).isEqualTo(5);
        written.disk.unreadable(3); // a sector of copy 0

        WrittenJournal.Booted after = written.boot();
        assertThat(after.superblock().view()).isEqualTo(5);
        assertThat(after.superblock().sequence()).isEqualTo(viewFive.sequence() + 1);
        assertThat(after.read().copies()).containsExactly(Superblock.CopyStatus.UNREADABLE, Superblock.CopyStatus.VALID,
                Superblock.CopyStatus.VALID, Superblock.CopyStatus.VALID);
        assertThat(after.recovery().intactPrefix()).containsExactlyElementsOf(written.log);
    }
}
