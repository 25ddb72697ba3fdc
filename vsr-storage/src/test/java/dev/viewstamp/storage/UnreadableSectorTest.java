package dev.viewstamp.storage;

import static dev.viewstamp.storage.WrittenJournal.headerSector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Replica;
import org.junit.jupiter.api.Test;

/**
 * Latent sector errors (issue 7): one unreadable sector must cost only what that sector holds,
 * and an unreadable copy is possible damage, never proof that something was not written. Each
 * test writes ops the way a replica does, so every op may have been acknowledged, then damages
 * the disk and restarts.
 */
class UnreadableSectorTest {

    @Test
    void anUnreadableHeaderSectorDoesNotHideADamagedPrepareBeyondIt() {
        // Ops 1..10 are durable with their redundant headers. The sector holding the headers of
        // slots 0..3 goes bad, and a bit flips in op 5's body. Op 5's header is intact in the
        // next sector, so op 5 was durable and perhaps acknowledged, and so were 6..10. Reading
        // the whole ring in one read lost every header: op 5 then looked like a torn write, the
        // log ended at op 4 and recovery reported nothing.
        WrittenJournal written = WrittenJournal.of(10);
        written.disk.unreadable(headerSector(0));
        written.flipBodyBit(5);

        WrittenJournal.Booted booted = written.boot();
        Journal.Recovery recovery = booted.recovery();

        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.REPAIR);
            assertThat(fault.op()).isEqualTo(5);
            assertThat(fault.checksum()).isEqualTo(written.log.get(4).checksum());
        });
        assertThat(recovery.headOp()).isEqualTo(10);
        assertThat(recovery.writtenOpMax()).isEqualTo(10);
        Replica.Damage damage = DurableState.of(booted.superblock(), recovery).damage();
        assertThat(damage).isNotNull();
        assertThat(damage.opMax()).isEqualTo(10);
    }

    @Test
    void aDamagedPrepareUnderAnUnreadableHeaderIsDamageReachingTheLastOpItsSectorMayProve() {
        // Ops 1..11 are durable. The sector holding the headers of slots 8..11 goes bad, and a bit
        // flips in op 9's prepare header, so neither copy says what slot 9 holds. Its header may
        // have proven op 9 durable, and the headers of 10 and 11 theirs: the log ends at op 8,
        // but recovery must report damage from op 9 up to op 11, not a torn tail at op 9.
        WrittenJournal written = WrittenJournal.of(11);
        written.disk.unreadable(headerSector(9));
        written.flipPrepareHeaderBit(9);

        WrittenJournal.Booted booted = written.boot();
        Journal.Recovery recovery = booted.recovery();

        assertThat(recovery.slots().get(9).decision()).isEqualTo(SlotClassifier.Decision.LOST);
        assertThat(recovery.headOp()).isEqualTo(8);
        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.DAMAGED_SUFFIX);
            assertThat(fault.op()).isEqualTo(9);
        });
        assertThat(recovery.writtenOpMax()).isEqualTo(11);
        assertThat(DurableState.of(booted.superblock(), recovery).damage().opMax()).isEqualTo(11);
    }

    @Test
    void aHeaderWriteAfterAReadErrorKeepsTheIntactHeadersOfItsNeighbours() {
        // A header write rewrites its whole sector from the in-memory ring. After a failed read of
        // the ring that ring was all zeros, so the first append after the restart (op 11) erased
        // the headers of ops 8..10, which share its sector: the proof that they were durable.
        WrittenJournal written = WrittenJournal.of(10);
        written.disk.unreadable(headerSector(0));

        written.appendAfterRestart();

        Journal.Recovery recovery = written.recovery();
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(written.log);
        for (int slot = 4; slot <= 11; slot++) {
            assertThat(recovery.slots().get(slot).decision()).as("slot %d", slot).isEqualTo(SlotClassifier.Decision.OK);
        }
    }

    @Test
    void aHeaderWriteIntoAnUnreadableSectorRewritesTheLogHeadersItHeld() {
        // The first header written into a sector that could not be read (op 11's) also rewrites
        // the headers of ops 8..10 there, from the log recovery rebuilt, not as never written.
        WrittenJournal written = WrittenJournal.of(10);
        written.disk.unreadable(headerSector(11));

        written.appendAfterRestart();

        Journal.Recovery recovery = written.recovery();
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(written.log);
        for (int slot = 1; slot <= 11; slot++) {
            assertThat(recovery.slots().get(slot).decision()).as("slot %d", slot).isEqualTo(SlotClassifier.Decision.OK);
        }
    }

    @Test
    void anUnreadableHeaderSectorAloneCostsNothingAcknowledged() {
        // Every prepare under the bad sector is intact and vouches for itself: the log is whole.
        WrittenJournal written = WrittenJournal.of(10);
        written.disk.unreadable(headerSector(9));

        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.intactPrefix()).containsExactlyElementsOf(written.log);
        assertThat(recovery.slots().get(9).headerCopy()).isEqualTo(SlotClassifier.HeaderCopy.UNREADABLE);
        assertThat(recovery.slots().get(11).decision()).isEqualTo(SlotClassifier.Decision.EMPTY);
    }
}
