package dev.viewstamp.storage;

import static dev.viewstamp.storage.WrittenJournal.headerSector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A restart rewrites the redundant headers that recovery found missing, damaged or unreadable
 * for ops of the recovered log (Journal.repairHeaders, run by ReplicaStorage.open), and no others.
 */
class HeaderRepairTest {

    @Test
    void aRestartRewritesADamagedHeaderSoALaterFaultInItsPrepareIsNotTakenForATornWrite() {
        // A bit flips in op 10's redundant header. Recovery keeps op 10 from its intact prepare
        // (OK_FIX_HEADER), which said the header would be rewritten; nothing did. A later flip
        // in op 10's body then found both copies damaged, and op 10, the last op, with no later
        // header to show that the log went on, was taken for a torn write: the replica came back
        // clean with 9 ops, though it may have acknowledged op 10.
        WrittenJournal written = WrittenJournal.of(10);
        written.flipHeaderBit(10);
        ReplicaStorage.Opened opened = written.restart();
        assertThat(opened.durable().damage()).isNull();
        assertThat(opened.storage().stopped()).isFalse();
        assertThat(written.headerBytes(10)).isEqualTo(written.prepareHeaderBytes(10));

        written.flipBodyBit(10);
        Journal.Recovery recovery = written.recovery();

        assertThat(recovery.faults()).singleElement().satisfies(fault -> {
            assertThat(fault.kind()).isEqualTo(Journal.Fault.Kind.REPAIR);
            assertThat(fault.op()).isEqualTo(10);
        });
        assertThat(recovery.headOp()).isEqualTo(10);
    }

    @Test
    void aRestartRewritesAnUnreadableHeaderSectorFromTheLog() {
        // A write remaps a bad sector on a real drive; the ops of the log it held get their
        // headers back, and the slot past the log stays empty.
        WrittenJournal written = WrittenJournal.of(10);
        written.disk.unreadable(headerSector(9));
        written.restart();

        Journal.Recovery recovery = written.recovery();
        assertThat(recovery.clean()).isTrue();
        for (int slot = 1; slot <= 10; slot++) {
            assertThat(recovery.slots().get(slot).decision()).as("slot %d", slot).isEqualTo(SlotClassifier.Decision.OK);
        }
        assertThat(recovery.slots().get(11).headerCopy()).isEqualTo(SlotClassifier.HeaderCopy.EMPTY);
    }

    @Test
    void aRestartWritesNoHeaderForAPreparePastTheLog() {
        // Op 12's prepare landed but op 11's did not (a torn group commit): op 12 was never
        // acknowledged, and a header for it would say it may have been, so that the next restart
        // would report a damaged suffix where there is none.
        WrittenJournal written = WrittenJournal.of(10);
        WrittenJournal.Booted booted = written.boot();
        Entry orphan = Entry.create(0, 12, 0x1234, 12, List.of(new Request(5, 12, new byte[40])));
        booted.result().journal().writePrepare(orphan, booted.recovery().sequenceMax() + 2, 0, e -> assertThat(e).isNull());
        assertThat(written.recovery().slots().get(12).decision()).isEqualTo(SlotClassifier.Decision.OK_FIX_HEADER);

        written.restart();

        assertThat(written.headerBytes(12)).containsOnly(0);
        Journal.Recovery recovery = written.recovery();
        assertThat(recovery.clean()).isTrue();
        assertThat(recovery.headOp()).isEqualTo(10);
    }

    @Test
    void aRestartRecordsTheDamageBeforeItRewritesTheHeadersThatShowedIt() {
        // The headers of slots 8..11 are unreadable and op 9's prepare header is damaged: recovery
        // reports damage reaching op 11 (UnreadableSectorTest). The repair then writes that sector
        // (8 from the log, zeros past it), which erases the evidence, so the superblock must
        // already say that the log is damaged up to op 11.
        WrittenJournal written = WrittenJournal.of(11);
        written.disk.unreadable(headerSector(9));
        written.flipPrepareHeaderBit(9);
        int eventsBefore = written.disk.events().size();

        ReplicaStorage.Opened opened = written.restart();

        assertThat(opened.durable().damage().opMax()).isEqualTo(11);
        List<ImageDisk.Event> events = written.disk.events().subList(eventsBefore, written.disk.events().size());
        int firstHeaderWrite = -1;
        int lastSuperblockWrite = -1;
        for (int i = 0; i < events.size(); i++) {
            ImageDisk.Event event = events.get(i);
            if (event.sync()) continue;
            if (event.offset() < Superblock.ZONE_SIZE_BYTES) lastSuperblockWrite = i;
            else if (firstHeaderWrite < 0) firstHeaderWrite = i;
        }
        assertThat(firstHeaderWrite).isPositive();
        assertThat(lastSuperblockWrite).isLessThan(firstHeaderWrite);
        WrittenJournal.Booted after = written.boot();
        assertThat(after.superblock().damagedOpMax()).isEqualTo(11);
        assertThat(DurableState.of(after.superblock(), after.recovery()).damage().opMax()).isEqualTo(11);
    }
}
