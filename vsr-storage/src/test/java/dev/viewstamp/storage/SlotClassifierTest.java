package dev.viewstamp.storage;

import static dev.viewstamp.storage.SlotClassifier.Decision.EMPTY;
import static dev.viewstamp.storage.SlotClassifier.Decision.LOST;
import static dev.viewstamp.storage.SlotClassifier.Decision.OK;
import static dev.viewstamp.storage.SlotClassifier.Decision.OK_FIX_HEADER;
import static dev.viewstamp.storage.SlotClassifier.Decision.REPAIR;
import static dev.viewstamp.storage.SlotClassifier.Decision.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.storage.SlotClassifier.Decision;
import dev.viewstamp.storage.SlotClassifier.HeaderCopy;
import dev.viewstamp.storage.SlotClassifier.PrepareCopy;
import dev.viewstamp.storage.SlotClassifier.Relation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The journal's slot decision table, row by row, and classification of real bytes. */
class SlotClassifierTest {

    private static String row(HeaderCopy h, PrepareCopy p, Relation r) {
        return h + "/" + p + "/" + r;
    }

    /** Every row of the table. Relations other than NONE apply only where both headers are intact. */
    private static Map<String, Decision> table() {
        Map<String, Decision> t = new LinkedHashMap<>();
        t.put(row(HeaderCopy.VALID, PrepareCopy.VALID, Relation.SAME), OK);
        t.put(row(HeaderCopy.VALID, PrepareCopy.VALID, Relation.PREPARE_NEWER), OK_FIX_HEADER);
        t.put(row(HeaderCopy.VALID, PrepareCopy.VALID, Relation.HEADER_NEWER), REPAIR);
        t.put(row(HeaderCopy.VALID, PrepareCopy.BODY_INVALID, Relation.SAME), REPAIR);
        t.put(row(HeaderCopy.VALID, PrepareCopy.BODY_INVALID, Relation.PREPARE_NEWER), UNKNOWN);
        t.put(row(HeaderCopy.VALID, PrepareCopy.BODY_INVALID, Relation.HEADER_NEWER), REPAIR);
        t.put(row(HeaderCopy.VALID, PrepareCopy.EMPTY, Relation.NONE), REPAIR);
        t.put(row(HeaderCopy.VALID, PrepareCopy.MISDIRECTED, Relation.NONE), REPAIR);
        t.put(row(HeaderCopy.VALID, PrepareCopy.HEADER_INVALID, Relation.NONE), REPAIR);
        for (HeaderCopy h : List.of(HeaderCopy.EMPTY, HeaderCopy.MISDIRECTED, HeaderCopy.INVALID)) {
            t.put(row(h, PrepareCopy.VALID, Relation.NONE), OK_FIX_HEADER);
            t.put(row(h, PrepareCopy.BODY_INVALID, Relation.NONE), UNKNOWN);
            t.put(row(h, PrepareCopy.MISDIRECTED, Relation.NONE), UNKNOWN);
            t.put(row(h, PrepareCopy.HEADER_INVALID, Relation.NONE), UNKNOWN);
        }
        t.put(row(HeaderCopy.EMPTY, PrepareCopy.EMPTY, Relation.NONE), EMPTY);
        t.put(row(HeaderCopy.MISDIRECTED, PrepareCopy.EMPTY, Relation.NONE), UNKNOWN);
        t.put(row(HeaderCopy.INVALID, PrepareCopy.EMPTY, Relation.NONE), UNKNOWN);
        // An unreadable header may have proven its prepare durable: a damaged prepare under it is
        // repaired when its own header names the op, and LOST (counted as damage) when it does not.
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.VALID, Relation.NONE), OK_FIX_HEADER);
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.BODY_INVALID, Relation.NONE), REPAIR);
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.MISDIRECTED, Relation.NONE), LOST);
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.HEADER_INVALID, Relation.NONE), LOST);
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.EMPTY, Relation.NONE), EMPTY);
        // An unreadable prepare is a torn write only under an intact empty header (rule 5).
        t.put(row(HeaderCopy.VALID, PrepareCopy.UNREADABLE, Relation.NONE), REPAIR);
        t.put(row(HeaderCopy.EMPTY, PrepareCopy.UNREADABLE, Relation.NONE), UNKNOWN);
        t.put(row(HeaderCopy.MISDIRECTED, PrepareCopy.UNREADABLE, Relation.NONE), LOST);
        t.put(row(HeaderCopy.INVALID, PrepareCopy.UNREADABLE, Relation.NONE), LOST);
        t.put(row(HeaderCopy.UNREADABLE, PrepareCopy.UNREADABLE, Relation.NONE), LOST);
        return t;
    }

    @Test
    void everyRowOfTheDecisionTable() {
        Map<String, Decision> table = table();
        int rows = 0;
        for (HeaderCopy h : HeaderCopy.values()) {
            for (PrepareCopy p : PrepareCopy.values()) {
                boolean bothIntact = h == HeaderCopy.VALID && (p == PrepareCopy.VALID || p == PrepareCopy.BODY_INVALID);
                for (Relation r : Relation.values()) {
                    if (bothIntact != (r != Relation.NONE)) continue; // not a reachable input
                    Decision expected = table.get(row(h, p, r));
                    assertThat(expected).as("row %s is in the table", row(h, p, r)).isNotNull();
                    assertThat(SlotClassifier.decide(h, p, r)).as(row(h, p, r)).isEqualTo(expected);
                    rows++;
                }
            }
        }
        assertThat(rows).isEqualTo(table.size());
        assertThatThrownBy(() -> SlotClassifier.decide(HeaderCopy.VALID, PrepareCopy.VALID, Relation.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------------------
    // Classification of real bytes, one case per kind of damage.

    private static final int SLOTS = 8;
    private static final long CLUSTER = 3;

    private static Entry entry(long op, String operation) {
        return Entry.create(1, op, 0x77, op, List.of(new Request(9, op, operation.getBytes())));
    }

    private static SlotClassifier.Slot classify(byte[] header, byte[] prepare) {
        return classify(0, header, prepare);
    }

    /** Slot 5 of a ring whose durable checkpoint is at {@code checkpointOp}: the window's op there is 5, 13, 21... */
    private static SlotClassifier.Slot classify(long checkpointOp, byte[] header, byte[] prepare) {
        return SlotClassifier.classify(5, new RingWindow(checkpointOp, SLOTS), CLUSTER, 4096, header, prepare);
    }

    private static byte[] headerOf(byte[] record) {
        return java.util.Arrays.copyOf(record, EntryCodec.HEADER_SIZE_BYTES);
    }

    @Test
    void bothCopiesIntactAndEqualIsOk() {
        byte[] record = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        SlotClassifier.Slot slot = classify(headerOf(record), record);
        assertThat(slot.decision()).isEqualTo(OK);
        assertThat(slot.entry()).isEqualTo(entry(5, "x"));
    }

    @Test
    void aCorruptBodyUnderAnIntactHeaderIsRepairedByOpAndChecksum() {
        byte[] record = EntryCodec.encode(entry(5, "payload"), CLUSTER, 10);
        byte[] damaged = record.clone();
        damaged[damaged.length - 1] ^= 1;
        SlotClassifier.Slot slot = classify(headerOf(record), damaged);
        assertThat(slot.decision()).isEqualTo(REPAIR);
        assertThat(slot.header().op()).isEqualTo(5);
        assertThat(slot.header().entryChecksum()).isEqualTo(entry(5, "payload").checksum());
        assertThat(slot.entry()).isNull();
    }

    @Test
    void aTornBodyWithoutItsRedundantHeaderIsATornWriteNotARepair() {
        // The redundant header is written only after the prepare is durable, so without it the
        // prepare was never acknowledged, and its own intact header proves nothing.
        byte[] record = EntryCodec.encode(entry(5, "payload"), CLUSTER, 10);
        byte[] torn = record.clone();
        torn[torn.length - 1] ^= 1;
        SlotClassifier.Slot slot = classify(new byte[128], torn);
        assertThat(slot.decision()).isEqualTo(UNKNOWN);
        assertThat(slot.header()).isNull();
    }

    @Test
    void aLostHeaderWriteLeavesTheIntactPrepareUsable() {
        byte[] record = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        assertThat(classify(new byte[128], record).decision()).isEqualTo(OK_FIX_HEADER);
    }

    @Test
    void aNewerHeaderOverAnOlderPrepareMeansThePrepareWriteWasLost() {
        // The checkpoint at op 8: op 13 is the window's op in slot 5, op 5 an earlier lap's.
        byte[] older = EntryCodec.encode(entry(5, "old"), CLUSTER, 10);
        byte[] newer = EntryCodec.encode(entry(13, "new"), CLUSTER, 20);
        SlotClassifier.Slot slot = classify(8, headerOf(newer), older);
        assertThat(slot.decision()).isEqualTo(REPAIR);
        assertThat(slot.header().op()).isEqualTo(13);
    }

    // ---------------------------------------------------------------------------------------------
    // A wrapped ring: slot 5 may still hold op 5 of the lap before op 13's.

    @Test
    void anEarlierLapInBothCopiesIsAnEmptySlotOfTheWindow() {
        // With the checkpoint at op 8, op 5 is covered: the slot holds nothing of op 13 yet.
        byte[] earlier = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        SlotClassifier.Slot slot = classify(8, headerOf(earlier), earlier);
        assertThat(slot.decision()).isEqualTo(EMPTY);
        assertThat(slot.header()).isNull();
        assertThat(slot.entry()).isNull();
        assertThat(slot.detail()).contains("op 5 of another lap");
        // Before that checkpoint the same bytes are op 5, live.
        assertThat(classify(0, headerOf(earlier), earlier).decision()).isEqualTo(OK);
    }

    @Test
    void aWindowPrepareOverAnEarlierLapsHeaderIsAPrepareWithoutItsHeaderCopy() {
        byte[] earlier = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        byte[] record = EntryCodec.encode(entry(13, "y"), CLUSTER, 30);
        SlotClassifier.Slot slot = classify(8, headerOf(earlier), record);
        assertThat(slot.headerCopy()).isEqualTo(HeaderCopy.EMPTY);
        assertThat(slot.decision()).isEqualTo(OK_FIX_HEADER);
        assertThat(slot.entry()).isEqualTo(entry(13, "y"));
    }

    @Test
    void aTornPrepareOverAnEarlierLapIsATornWriteNotARepairOfTheEarlierOp() {
        // Op 13's prepare tore over op 5's: its header is damaged, and the intact header copy
        // still names op 5. That header once proved op 5 durable, not op 13: taken for the slot's
        // header, the slot would ask peers to repair an op the checkpoint covers, or be taken for
        // damage to a live op. Op 13's header copy was never written, so op 13 was never acknowledged.
        byte[] earlier = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        byte[] torn = EntryCodec.encode(entry(13, "y"), CLUSTER, 30);
        torn[20] ^= 1;
        SlotClassifier.Slot slot = classify(8, headerOf(earlier), torn);
        assertThat(slot.decision()).isEqualTo(UNKNOWN);
        assertThat(slot.header()).isNull();
        assertThat(classify(0, headerOf(earlier), torn).decision()).as("before the wrap: op 5 to repair").isEqualTo(REPAIR);
    }

    @Test
    void anEarlierLapsPrepareUnderAnUnreadableHeaderIsEmptyNotLost() {
        // An unreadable header over a prepare that op 13 never replaced: nothing of op 13 was written.
        byte[] earlier = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        assertThat(classify(8, null, earlier).decision()).isEqualTo(EMPTY);
        byte[] damagedBody = earlier.clone();
        damagedBody[damagedBody.length - 1] ^= 1;
        assertThat(classify(8, null, damagedBody).decision()).isEqualTo(EMPTY);
        assertThat(classify(0, null, damagedBody).decision()).as("before the wrap: op 5 to repair").isEqualTo(REPAIR);
    }

    @Test
    void aPrepareMeantForAnotherSlotIsMisdirected() {
        byte[] record = EntryCodec.encode(entry(6, "x"), CLUSTER, 10);
        SlotClassifier.Slot slot = classify(new byte[128], record);
        assertThat(slot.prepareCopy()).isEqualTo(PrepareCopy.MISDIRECTED);
        assertThat(slot.decision()).isEqualTo(UNKNOWN);
    }

    @Test
    void anUnreadablePrepareWithAnIntactHeaderIsRepaired() {
        byte[] record = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        assertThat(classify(headerOf(record), null).decision()).isEqualTo(REPAIR);
    }

    @Test
    void aCorruptBodyUnderAnUnreadableHeaderIsRepairedByItsOwnHeaderNotDropped() {
        // The unreadable header may have said the prepare was durable, so this is not a torn
        // write: the prepare's intact header names what to fetch.
        byte[] record = EntryCodec.encode(entry(5, "payload"), CLUSTER, 10);
        byte[] damaged = record.clone();
        damaged[damaged.length - 1] ^= 1;
        SlotClassifier.Slot slot = classify(null, damaged);
        assertThat(slot.headerCopy()).isEqualTo(HeaderCopy.UNREADABLE);
        assertThat(slot.decision()).isEqualTo(REPAIR);
        assertThat(slot.header().entryChecksum()).isEqualTo(entry(5, "payload").checksum());
        assertThat(slot.detail()).contains("header: unreadable");
    }

    @Test
    void aDamagedPrepareHeaderUnderAnUnreadableHeaderIsLostNotTorn() {
        byte[] record = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        record[3] ^= 1;
        SlotClassifier.Slot slot = classify(null, record);
        assertThat(slot.decision()).isEqualTo(LOST);
        assertThat(slot.header()).isNull();
        assertThat(classify(null, null).decision()).isEqualTo(LOST);
    }

    @Test
    void anUnreadablePrepareIsATornWriteOnlyUnderAnEmptyHeader() {
        byte[] corruptHeader = headerOf(EntryCodec.encode(entry(5, "x"), CLUSTER, 10));
        corruptHeader[40] ^= 4;
        assertThat(classify(new byte[128], null).decision()).isEqualTo(UNKNOWN);
        SlotClassifier.Slot slot = classify(corruptHeader, null);
        assertThat(slot.prepareCopy()).isEqualTo(PrepareCopy.UNREADABLE);
        assertThat(slot.decision()).isEqualTo(LOST);
    }

    @Test
    void anUnreadableHeaderOverAnIntactPrepareKeepsThePrepare() {
        byte[] record = EntryCodec.encode(entry(5, "x"), CLUSTER, 10);
        SlotClassifier.Slot slot = classify(null, record);
        assertThat(slot.decision()).isEqualTo(OK_FIX_HEADER);
        assertThat(slot.entry()).isEqualTo(entry(5, "x"));
        assertThat(classify(null, new byte[512]).decision()).isEqualTo(EMPTY);
    }

    @Test
    void zeroedCopiesAreAnEmptySlot() {
        assertThat(classify(new byte[128], new byte[512]).decision()).isEqualTo(EMPTY);
    }
}
