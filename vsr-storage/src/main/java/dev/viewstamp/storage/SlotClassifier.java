package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.message.Entry;

/**
 * Classifies one journal slot from its two copies: the redundant header in the headers ring and
 * the prepare (header and body) in the prepares ring. The decision is a table over the state of
 * each copy and, when both headers are intact, which one is newer; {@link Decision} names every
 * outcome and the test enumerates every row.
 *
 * <p>A slot is classified for the one op of the journal's live window that it holds
 * ({@link RingWindow}): an intact copy of an earlier lap's op (at or below the checkpoint) is a
 * copy never written for that op, so it enters the table as {@code EMPTY}, as zeros would in a
 * ring that has not wrapped yet. Only the op number tells the two laps apart: the bytes of either
 * are intact records of this journal.
 */
final class SlotClassifier {
    private SlotClassifier() {}

    /** What the redundant header at a slot holds. */
    enum HeaderCopy {
        /**
         * Never written for the window's op: all zero, or an intact header of an earlier lap's op
         * (at or below the checkpoint).
         */
        EMPTY,
        /** Intact, and its op is the window's op of this slot. */
        VALID,
        /** Intact, but its op belongs in another slot: a misdirected write. */
        MISDIRECTED,
        /** Neither zero nor intact: torn or corrupt. */
        INVALID,
        /**
         * The sector holding it could not be read: what it held is unknown, perhaps the proof that
         * its prepare was durable, so it is never taken as proof of absence. (A crash that tears a
         * header write may leave the sector unreadable on some drives, but every prepare whose
         * header that sector holds was durable, and so intact, by then.)
         */
        UNREADABLE
    }

    /** What the prepare at a slot holds. */
    enum PrepareCopy {
        /** Never written for the window's op: all zero, or an earlier lap's record (whatever its body holds). */
        EMPTY,
        VALID,
        MISDIRECTED,
        /** The prepare's header is torn or corrupt: its op is unknown. */
        HEADER_INVALID,
        /** The prepare's header is intact but its body is torn or corrupt. */
        BODY_INVALID,
        /** A sector of the prepare could not be read: what it held is unknown. */
        UNREADABLE
    }

    /** When both headers are intact: how they relate. */
    enum Relation {
        SAME,
        /** The redundant header was written after the prepare (a higher journal sequence). */
        HEADER_NEWER,
        /** The prepare was written after the redundant header. */
        PREPARE_NEWER,
        /** Not applicable: at most one intact header. */
        NONE
    }

    /** What recovery does with the slot. */
    enum Decision {
        /** Never written. */
        EMPTY(false, false),
        /** Both copies agree: the entry is intact. */
        OK(true, false),
        /**
         * The prepare is intact and newer (or the header copy is lost): use it. When the op is in
         * the recovered log, the header is rewritten ({@link Journal#repairHeaders}).
         */
        OK_FIX_HEADER(true, false),
        /** The header names an op whose body is missing or corrupt: fetch it from a peer by op and checksum. */
        REPAIR(false, true),
        /** Something was written here but no intact header says what: the op is unknown. */
        UNKNOWN(false, false),
        /**
         * Both copies are damaged and one of them is unreadable: the op is unknown, and since
         * nothing intact says it was not durable, it may have been acknowledged. Recovery counts
         * the slot as damage (a broken chain, or a damaged suffix reaching it), never as a torn
         * write.
         */
        LOST(false, false);

        final boolean entry;
        final boolean repair;

        Decision(boolean entry, boolean repair) {
            this.entry = entry;
            this.repair = repair;
        }
    }

    /** The decision table. Every combination of inputs has exactly one row. */
    static Decision decide(HeaderCopy header, PrepareCopy prepare, Relation relation) {
        return switch (prepare) {
            case VALID -> switch (header) {
                case VALID -> switch (relation) {
                    case SAME -> Decision.OK;
                    case PREPARE_NEWER -> Decision.OK_FIX_HEADER;
                    // The header names a newer op whose prepare write was lost (or misdirected).
                    case HEADER_NEWER -> Decision.REPAIR;
                    case NONE -> throw new IllegalArgumentException("two intact headers always relate");
                };
                // The prepare's own checksums vouch for it, whatever became of the header copy.
                case EMPTY, MISDIRECTED, INVALID, UNREADABLE -> Decision.OK_FIX_HEADER;
            };
            case BODY_INVALID -> switch (header) {
                // The redundant header is written only once the prepare is durable, so an intact
                // one naming this prepare (or a newer op) means a durable body was damaged.
                case VALID -> relation == Relation.PREPARE_NEWER ? Decision.UNKNOWN : Decision.REPAIR;
                // No redundant header for it: a prepare torn by a crash before it was durable,
                // so never acknowledged. (Its own header is no evidence of durability.)
                case EMPTY, MISDIRECTED, INVALID -> Decision.UNKNOWN;
                // The header copy may have proven the prepare durable, so this is not a torn write
                // that can be dropped: fetch the op its intact header names.
                case UNREADABLE -> Decision.REPAIR;
            };
            case EMPTY -> switch (header) {
                case VALID -> Decision.REPAIR;
                case EMPTY -> Decision.EMPTY;
                case MISDIRECTED, INVALID -> Decision.UNKNOWN;
                // Nothing ever zeroes a written prepare, and the header is written only after the
                // prepare, so an intact empty prepare means the slot was never written. (Losing
                // both copies of one slot is beyond what the format survives.)
                case UNREADABLE -> Decision.EMPTY;
            };
            case MISDIRECTED, HEADER_INVALID -> switch (header) {
                case VALID -> Decision.REPAIR;
                case EMPTY, MISDIRECTED, INVALID -> Decision.UNKNOWN;
                // Neither copy says which op this is, and the unreadable one may have said it was
                // durable.
                case UNREADABLE -> Decision.LOST;
            };
            case UNREADABLE -> switch (header) {
                case VALID -> Decision.REPAIR;
                // An intact empty header says the prepare never became durable (rule 5), so
                // whatever it held was never acknowledged.
                case EMPTY -> Decision.UNKNOWN;
                // Nothing intact says the prepare was not durable. A damaged header copy may have
                // been its proof (a crash tears a header only over a durable, intact prepare), and
                // the prepare may be a durable one that a bad sector hides. A never-written header
                // with a flipped bit looks the same; counting that as damage is only caution.
                case MISDIRECTED, INVALID, UNREADABLE -> Decision.LOST;
            };
        };
    }

    /** A classified slot: the decision, the header it rests on (null when unknown) and the entry when intact. */
    record Slot(int slot, HeaderCopy headerCopy, PrepareCopy prepareCopy, Relation relation, Decision decision,
            EntryCodec.Header header, Entry entry, String detail) {}

    /**
     * Classifies slot {@code slot} of a journal whose live ops are {@code window} from its
     * redundant header bytes (null when its sector could not be read) and its prepare bytes (null
     * when their first sector could not be read).
     */
    static Slot classify(int slot, RingWindow window, long clusterId, int bodySizeBytesMax, byte[] headerBytes,
            byte[] prepareBytes) {
        int slotCount = window.slotCount();
        if (headerBytes != null && prepareBytes != null && allZero(headerBytes, EntryCodec.HEADER_SIZE_BYTES)
                && allZero(prepareBytes, EntryCodec.HEADER_SIZE_BYTES)) {
            // The common case of a ring not yet written this far, decided without the table's work.
            return new Slot(slot, HeaderCopy.EMPTY, PrepareCopy.EMPTY, Relation.NONE, Decision.EMPTY, null, null, "");
        }
        EntryCodec.Header redundant = null;
        HeaderCopy headerCopy;
        String detail = "";
        if (headerBytes == null) {
            headerCopy = HeaderCopy.UNREADABLE;
            detail = "header: unreadable";
        } else if (allZero(headerBytes, EntryCodec.HEADER_SIZE_BYTES)) {
            headerCopy = HeaderCopy.EMPTY;
        } else {
            try {
                redundant = EntryCodec.decodeHeader(headerBytes, 0, clusterId, bodySizeBytesMax);
                if (slotOf(redundant.op(), slotCount) != slot) {
                    headerCopy = HeaderCopy.MISDIRECTED;
                } else if (!window.contains(redundant.op())) {
                    headerCopy = HeaderCopy.EMPTY;
                    detail = "header: op " + redundant.op() + " of another lap";
                    redundant = null;
                } else {
                    headerCopy = HeaderCopy.VALID;
                }
            } catch (CodecException e) {
                headerCopy = HeaderCopy.INVALID;
                detail = "header: " + e.getMessage();
            }
        }

        EntryCodec.Header prepareHeader = null;
        Entry entry = null;
        PrepareCopy prepareCopy;
        if (prepareBytes == null) {
            prepareCopy = PrepareCopy.UNREADABLE;
            detail = join(detail, "prepare: unreadable");
        } else if (allZero(prepareBytes, EntryCodec.HEADER_SIZE_BYTES)) {
            prepareCopy = PrepareCopy.EMPTY;
        } else {
            try {
                prepareHeader = EntryCodec.decodeHeader(prepareBytes, 0, clusterId, bodySizeBytesMax);
                if (slotOf(prepareHeader.op(), slotCount) != slot) {
                    prepareCopy = PrepareCopy.MISDIRECTED;
                } else if (!window.contains(prepareHeader.op())) {
                    // Its body is not read whole (Journal.readPrepare) and not needed: no live op.
                    prepareCopy = PrepareCopy.EMPTY;
                    detail = join(detail, "prepare: op " + prepareHeader.op() + " of another lap");
                    prepareHeader = null;
                } else {
                    try {
                        entry = EntryCodec.decode(prepareBytes, 0, clusterId, bodySizeBytesMax);
                        prepareCopy = PrepareCopy.VALID;
                    } catch (CodecException e) {
                        prepareCopy = PrepareCopy.BODY_INVALID;
                        detail = join(detail, "prepare body: " + e.getMessage());
                    }
                }
            } catch (CodecException e) {
                prepareCopy = PrepareCopy.HEADER_INVALID;
                detail = join(detail, "prepare: " + e.getMessage());
            }
        }

        boolean bothIntact = headerCopy == HeaderCopy.VALID
                && (prepareCopy == PrepareCopy.VALID || prepareCopy == PrepareCopy.BODY_INVALID);
        // Different copies with equal sequences cannot come from this journal (every write has its
        // own); the prepare counts as newer only when its sequence is strictly higher.
        Relation relation = !bothIntact ? Relation.NONE
                : redundant.headerChecksum() == prepareHeader.headerChecksum() ? Relation.SAME
                : prepareHeader.sequence() > redundant.sequence() ? Relation.PREPARE_NEWER : Relation.HEADER_NEWER;
        Decision decision = decide(headerCopy, prepareCopy, relation);

        EntryCodec.Header header = switch (decision) {
            case EMPTY, UNKNOWN, LOST -> null;
            case OK, OK_FIX_HEADER -> prepareHeader;
            case REPAIR -> {
                if (headerCopy == HeaderCopy.VALID && (prepareHeader == null || relation != Relation.PREPARE_NEWER)) {
                    yield redundant;
                }
                yield prepareHeader;
            }
        };
        if (!decision.entry) entry = null;
        return new Slot(slot, headerCopy, prepareCopy, relation, decision, header, entry, detail);
    }

    static int slotOf(long op, int slotCount) {
        return (int) Long.remainderUnsigned(op, slotCount);
    }

    private static boolean allZero(byte[] bytes, int length) {
        for (int i = 0; i < Math.min(length, bytes.length); i++) if (bytes[i] != 0) return false;
        return true;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }
}
