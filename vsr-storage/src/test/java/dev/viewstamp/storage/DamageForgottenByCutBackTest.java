package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Damage recovery found must become durable before any other write (ReplicaStorage.persistDamage).
 * Otherwise the superblock still says "whole", and the first log change that cuts back below the
 * recovered head writes an intermediate superblock that says so too, with a journal sequence
 * above every record, which erases the journal's evidence: a crash right there recovers a clean,
 * shorter log, and the replica forgets it may have acknowledged ops up to 5. (Found by review.)
 */
class DamageForgottenByCutBackTest {
    private static final long CLUSTER = 2;
    private static final int SECTOR = 512;

    private static final ReplicaStorage.Listener QUIET = new ReplicaStorage.Listener() {
        @Override public void onCheckpointDurable(long op) { } // no checkpoints here
        @Override public void onPrepareDurable(long op, long checksum) { }
        @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
        @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
    };

    private record Booted(Superblock.State superblock, Journal.RecoveryResult result, Replica.Durable durable) {}

    private static Booted boot(Journal.Layout layout, ImageDisk disk) {
        AtomicReference<Superblock.ReadResult> sb = new AtomicReference<>();
        Superblock.read(disk, sb::set);
        AtomicReference<Journal.RecoveryResult> result = new AtomicReference<>();
        Journal.recover(disk, layout, sb.get().state(), result::set);
        return new Booted(sb.get().state(), result.get(), DurableState.of(sb.get().state(), result.get().recovery()));
    }

    @Test
    void withoutRecordingTheDamageACrashDuringALogChangeForgetsAcknowledgedOps() {
        assertThat(run(false)).as("crash points that forget acknowledged ops 3..5").isNotEmpty();
    }

    @Test
    void recordingTheDamageFirstKeepsItAtEveryCrashPoint() {
        assertThat(run(true)).as("crash points that forget acknowledged ops 3..5").isEmpty();
    }

    private static List<String> run(boolean persistDamageAtBoot) {
        Journal.Layout layout = new Journal.Layout(CLUSTER, 64, 256, SECTOR);
        ImageDisk disk = new ImageDisk((int) layout.sizeBytes(), SECTOR);
        Superblock.State formatted = Superblock.State.formatted().clusterId(CLUSTER).replicaIndex(0).replicaCount(3)
                .pipelinePrepareCountMax(8).formatId(1).journalSlotCount(64).journalBodySizeBytesMax(256).build();
        Superblock.write(disk, formatted, e -> assertThat(e).isNull());
        ReplicaStorage storage = new ReplicaStorage(disk, Journal.formatted(disk, layout), formatted, 0, 0, QUIET);
        List<Entry> log = new ArrayList<>();
        for (int op = 1; op <= 5; op++) {
            long parent = log.isEmpty() ? OpLog.rootChecksum(CLUSTER) : log.get(log.size() - 1).checksum();
            Entry entry = Entry.create(0, op, parent, op, List.of(new Request(3, op, new byte[50])));
            log.add(entry);
            storage.persistPrepare(entry); // durable, redundant header written: may have been acknowledged
        }

        // Crash; a data fault damages the body of op 3's prepare.
        byte[] image = ImageDisk.copy(disk.image());
        image[(int) layout.prepareOffset(3) + EntryCodec.HEADER_SIZE_BYTES + 10] ^= 0x5A;
        ImageDisk damaged = new ImageDisk(image, SECTOR);
        Booted first = boot(layout, damaged);
        assertThat(first.durable().damage()).isNotNull();
        assertThat(first.durable().damage().opMax()).isEqualTo(5);
        assertThat(first.superblock().damagedOpMax()).isEqualTo(-1); // nothing durable says "damaged" yet

        // The replica (log 1..2, damaged up to 5) replaces its log after op 2, e.g. merging a
        // primary's entries 3..5 after giving up repair: persistState(..., damagedOpMax 5, anchor 2, ...).
        Journal.Recovery recovery = first.result().recovery();
        long sequence = Math.max(first.superblock().journalSequence(), recovery.sequenceMax());
        damaged.events().clear();
        byte[] base = ImageDisk.copy(damaged.image());
        ReplicaStorage restarted = new ReplicaStorage(damaged, first.result().journal(), first.superblock(), sequence,
                recovery.headOp(), QUIET);
        if (persistDamageAtBoot) restarted.persistDamage(first.durable().damage().opMax());
        restarted.persistState(new Output.ReplicaState(0, 0, 0, 0, 5, new long[3]), 2, log.get(1).checksum(), log.subList(2, 5));

        // Crash at every event boundary of that log change: each recovery must still either hold
        // ops 1..5 or report damage reaching op 5.
        List<String> forgotten = new ArrayList<>();
        for (int count = 0; count <= damaged.events().size(); count++) {
            byte[] cut = ImageDisk.copy(base);
            for (int i = 0; i < count; i++) ImageDisk.apply(cut, damaged.events().get(i), Integer.MAX_VALUE);
            Booted after = boot(layout, new ImageDisk(cut, SECTOR));
            boolean keeps = after.durable().damage() != null ? after.durable().damage().opMax() >= 5
                    : after.durable().log().size() >= 5;
            if (!keeps) {
                forgotten.add("crash after event " + count + ": clean log of " + after.durable().log().size()
                        + " ops, superblock damagedOpMax " + after.superblock().damagedOpMax());
            }
        }
        return forgotten;
    }
}
