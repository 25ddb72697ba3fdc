package dev.viewstamp.storage;

import static dev.viewstamp.storage.WrittenJournal.headerSector;
import static dev.viewstamp.storage.WrittenJournal.slotOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Replica;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The journal's ring once it wraps (docs/CHECKPOINTS.md, section 4): 64 slots, a checkpoint every
 * 16 ops, and logs well past op 64, so that every slot holds an op of the live window (after the
 * durable checkpoint, at most 64 ops on) or of an earlier lap. One rule per test, each on the
 * case that needs it.
 */
class WrappedRingTest {
    private static final int INTERVAL = 16;

    @Test
    void aRestartAfterSeveralLapsRecoversTheLogAfterTheCheckpointAndNothingOfEarlierLaps() {
        // Ops 1..203, the checkpoint at 192 durable: the live window is 193..256. Slot 12 holds
        // op 204's place in it, but still op 140 from the lap before; slot 8 holds op 200.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);

        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.anchorOp()).isEqualTo(192);
        assertThat(recovery.headOp()).isEqualTo(203);
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(written.log.subList(192, 203));
        SlotClassifier.Slot earlierLap = recovery.slots().get(slotOf(204));
        assertThat(earlierLap.decision()).isEqualTo(SlotClassifier.Decision.EMPTY);
        assertThat(earlierLap.detail()).contains("op 140 of another lap");
        assertThat(recovery.writtenOpMax()).isEqualTo(203);
    }

    @Test
    void aRestartedJournalWritesOverEarlierLapsAndRecoversThem() {
        // After a restart the journal goes on where recovery left it: op 204 lands over op 140.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.appendAfterRestart();

        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.headOp()).isEqualTo(204);
        assertThat(recovery.entry(204)).isEqualTo(written.log.get(203));
        assertThat(recovery.slots().get(slotOf(204)).decision()).isEqualTo(SlotClassifier.Decision.OK);
    }

    @Test
    void theJournalRefusesAnOpWhoseSlotHoldsAnOpNoDurableCheckpointCovers() {
        // With the checkpoint at 192 the ring holds ops up to 256; op 257 would overwrite op 193.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        Journal journal = written.boot().result().journal();
        Entry beyond = Entry.create(0, 257, 0x1234, 257, List.of());
        AtomicReference<DiskError> error = new AtomicReference<>();

        journal.writePrepare(beyond, 1_000, 192, error::set);

        assertThat(error.get().kind()).isEqualTo(DiskError.Kind.NO_SPACE);
        assertThat(error.get().message()).contains("op 257").contains("still holds op 193")
                .contains("checkpoint at op 192");
        journal.writePrepare(Entry.create(0, 256, 0x1234, 256, List.of()), 1_000, 192,
                e -> assertThat(e).as("op 256, the window's last").isNull());
    }

    @Test
    void aDamagedPrepareAfterTheWrapIsRepairedFromItsHeaderCopy() {
        // Op 200 (slot 8) was durable: its body fails, its header copy names it.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.flipBodyBit(200);

        WrittenJournal.Booted booted = written.boot();
        Journal.Recovery recovery = booted.recovery();

        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.REPAIR);
            assertThat(fault.op()).isEqualTo(200);
            assertThat(fault.checksum()).isEqualTo(written.log.get(199).checksum());
        });
        assertThat(recovery.headOp()).isEqualTo(203);
    }

    @Test
    void aLostSlotAfterTheWrapIsDamageReachingTheWindowsOpNotTheSlotNumber() {
        // Ops 1..203; the header sector of slots 8..11 (ops 200..203) goes bad and op 201's prepare
        // header flips, so neither copy says what slot 9 holds (LOST). The op it may hold is the
        // window's, 201, not op 9 or 137 of earlier laps: the log ends at op 200 and the damage
        // reaches op 203 (the unreadable headers of 202 and 203 may have proven them durable).
        // Taken as op 9, as before the ring wrapped, the slot showed nothing beyond the break,
        // and the replica would have restarted whole without ops 201..203 it may have acknowledged.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.disk.unreadable(headerSector(slotOf(201)));
        written.flipPrepareHeaderBit(201);

        WrittenJournal.Booted booted = written.boot();
        Journal.Recovery recovery = booted.recovery();

        assertThat(recovery.slots().get(slotOf(201)).decision()).isEqualTo(SlotClassifier.Decision.LOST);
        assertThat(recovery.headOp()).isEqualTo(200);
        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.DAMAGED_SUFFIX);
            assertThat(fault.op()).isEqualTo(201);
        });
        assertThat(recovery.writtenOpMax()).isEqualTo(203);
        assertThat(LogRebuild.acknowledgedOpMax(recovery.slots().get(slotOf(201)), 0,
                new RingWindow(192, WrittenJournal.LAYOUT.slotCount()))).isEqualTo(201);
    }

    @Test
    void aLostSlotPastTheHeadMayHoldOnlyTheWindowsOp() {
        // Slot 20 holds op 148 of the lap before (the window's op there, 212, was never written).
        // A bad header sector and a flipped bit there make it LOST: recovery cannot tell, and
        // counts it as damage up to op 212, the only live op it could hold, never 148 (covered
        // by the checkpoint) nor 20.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.disk.unreadable(headerSector(slotOf(212)));
        written.flipPrepareHeaderBit(148);

        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.slots().get(slotOf(212)).decision()).isEqualTo(SlotClassifier.Decision.LOST);
        assertThat(recovery.headOp()).isEqualTo(203);
        assertThat(recovery.writtenOpMax()).isEqualTo(212);
        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.DAMAGED_SUFFIX);
            assertThat(fault.op()).isEqualTo(204);
        });
    }

    @Test
    void anUnreadableHeaderSectorOverEarlierLapsCostsNothing() {
        // The sector of slots 12..15 holds only earlier laps' headers (ops 140..143) past the
        // head: their prepares are intact records of those ops, so the slots are empty for the
        // window's ops 204..207, not damage.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.disk.unreadable(headerSector(slotOf(204)));

        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.headOp()).isEqualTo(203);
        for (long op = 204; op <= 207; op++) {
            assertThat(recovery.slots().get(slotOf(op)).decision()).as("op %d", op).isEqualTo(SlotClassifier.Decision.EMPTY);
        }
    }

    @Test
    void aRestartAfterTheWrapRewritesTheHeadersOfTheLogItFoundDamaged() {
        // A flipped bit in op 202's header copy: kept from its prepare, and the copy is
        // rewritten at the restart, so a later fault in op 202's prepare is a repair, not a loss.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.flipHeaderBit(slotOf(202));
        ReplicaStorage.Opened opened = written.restart();
        assertThat(opened.durable().damage()).isNull();
        assertThat(opened.durable().checkpoint().op()).isEqualTo(192);
        assertThat(written.headerBytes(slotOf(202))).isEqualTo(written.prepareHeaderBytes(slotOf(202)));

        written.flipBodyBit(202);

        assertThat(written.recovery().faults()).singleElement()
                .satisfies(fault -> assertThat(fault.op()).isEqualTo(202));
    }

    @Test
    void aDamagedJournalAfterTheCheckpointRestartsAsADamagedLogAboveIt() {
        // Op 200's body fails: the replica restarts from the checkpoint at 192 with ops 193..203
        // of which op 200 is to be repaired from its peers (rule 6), damaged up to op 203.
        WrittenJournal written = WrittenJournal.of(203, INTERVAL);
        written.flipBodyBit(200);

        ReplicaStorage.Opened opened = written.restart();

        Replica.Damage damage = opened.durable().damage();
        assertThat(opened.durable().checkpoint().op()).isEqualTo(192);
        assertThat(damage.anchorOp()).isEqualTo(192);
        assertThat(damage.headOp()).isEqualTo(203);
        assertThat(damage.knownFromOp()).isEqualTo(193);
        assertThat(damage.opMax()).isEqualTo(203);
        assertThat(damage.entries()).hasSize(11);
        assertThat(damage.entries()[200 - 193]).isNull();
        assertThat(damage.checksums()[200 - 193]).isEqualTo(written.log.get(199).checksum());
        assertThat(damage.entries()[0]).isEqualTo(written.log.get(192));
    }
}
