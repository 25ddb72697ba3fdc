package dev.viewstamp.storage;

import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The write-ahead log on disk: a ring of {@code slotCount} slots, op n in slot {@code n mod
 * slotCount}, each entry written twice: the whole record (header and body) in the prepares ring,
 * and its 128-byte header again in the headers ring. The second copy tells recovery which op a
 * slot should hold when the first is torn or corrupt, so the op can be fetched from a peer by
 * number and checksum instead of being dropped.
 *
 * <pre>
 * disk: [superblock: 4 x 16 KiB] [headers ring: slotCount x 128 B] [prepares ring: slotCount x slot size]
 * </pre>
 *
 * <p>Every record carries the journal's write sequence, and the superblock records the sequence
 * at its own write. Recovery trusts the log the superblock names (walking back from its head by
 * parent checksums), and extends it only with records written after that superblock: an older
 * record left in a slot after a truncation can never come back to life.
 *
 * <p>The ring wraps: op n may be written once the durable checkpoint C covers the op that slot
 * held a lap before ({@code n <= C + slotCount}, the ring rule of docs/CHECKPOINTS.md, section 4,
 * which the core keeps; a write beyond it fails here as a full journal, as a last defence). So
 * recovery reads a ring whose slots hold ops of the live window (C, C + slotCount], one per slot
 * ({@link RingWindow}), or ops of earlier laps, at or below C, which it never takes for live ones.
 */
public final class Journal {

    /** Where each zone lies, from the cluster's limits and the disk's sector size. */
    public record Layout(long clusterId, int slotCount, int bodySizeBytesMax, int sectorSizeBytes) {
        public Layout {
            if (slotCount < 1 || bodySizeBytesMax < 1 || bodySizeBytesMax > ClusterConfig.ENTRY_BODY_SIZE_BYTES_MAX
                    || sectorSizeBytes < EntryCodec.HEADER_SIZE_BYTES
                    || sectorSizeBytes % EntryCodec.HEADER_SIZE_BYTES != 0) {
                throw new IllegalArgumentException("bad journal layout: slots=" + slotCount + " body<=" + bodySizeBytesMax
                        + " sector=" + sectorSizeBytes);
            }
        }

        public long headersOffset() {
            return Superblock.ZONE_SIZE_BYTES;
        }

        public long headersSizeBytes() {
            return roundUp((long) slotCount * EntryCodec.HEADER_SIZE_BYTES, sectorSizeBytes);
        }

        public int slotSizeBytes() {
            return (int) roundUp(EntryCodec.HEADER_SIZE_BYTES + (long) bodySizeBytesMax, sectorSizeBytes);
        }

        public long preparesOffset() {
            return headersOffset() + headersSizeBytes();
        }

        /** The whole data file: superblock, headers ring and prepares ring. */
        public long sizeBytes() {
            return preparesOffset() + (long) slotCount * slotSizeBytes();
        }

        long prepareOffset(int slot) {
            return preparesOffset() + (long) slot * slotSizeBytes();
        }

        /** The slot of op {@code op}: {@code op mod slotCount}. */
        public int slotOf(long op) {
            return SlotClassifier.slotOf(op, slotCount);
        }

        private static long roundUp(long value, int multiple) {
            return (value + multiple - 1) / multiple * multiple;
        }
    }

    /** Something recovery found that the replica must act on. */
    public record Fault(Kind kind, long op, long checksum, String detail) {
        public enum Kind {
            /** The op's header is known but its body is missing or corrupt: fetch it from a peer. */
            REPAIR,
            /** The chain back from the superblock's head breaks here: this op (with this checksum) and all below are unknown. */
            BROKEN_CHAIN,
            /**
             * Records written after the superblock exist beyond a slot that breaks the chain, so
             * ops from here on may have been acknowledged and then damaged: never treat them as
             * never written.
             */
            DAMAGED_SUFFIX
        }
    }

    /**
     * The recovered log: ops {@code anchorOp + 1..headOp} with their checksums
     * ({@code checksums[op - anchorOp - 1]}), and the entry of each op whose body is intact (null
     * where it must be repaired), plus every fault found. {@code anchorOp} is the op of the
     * checkpoint the superblock names (0 without one): the log after it is all a restart needs,
     * and recovery never looks below it.
     * {@code writtenOpMax} is the highest op a durable record names (at least {@code headOp}; more
     * with a damaged suffix): no op above it can have been acknowledged. A slot that
     * no intact header explains and that lies past the head with nothing written after it is a
     * torn tail: a write that never completed, so never acknowledged; it is listed in
     * {@code slots} (decision UNKNOWN) but is not a fault.
     */
    public record Recovery(long anchorOp, long headOp, long[] checksums, Entry[] entries, List<Fault> faults,
            List<SlotClassifier.Slot> slots, long writtenOpMax) {

        /** The highest write sequence any intact header on the disk carries: a journal reopened here continues above it. */
        public long sequenceMax() {
            long max = 0;
            for (SlotClassifier.Slot slot : slots) if (slot.header() != null) max = Math.max(max, slot.header().sequence());
            return max;
        }

        /** True when every op up to the head is intact and nothing needs repair. */
        public boolean clean() {
            return faults.isEmpty();
        }

        public Entry entry(long op) {
            return entries[(int) (op - anchorOp - 1)];
        }

        /** The intact prefix of the log after the anchor: entries up to the first op needing repair, exclusive. */
        public List<Entry> intactPrefix() {
            List<Entry> prefix = new ArrayList<>();
            for (Entry entry : entries) {
                if (entry == null) break;
                prefix.add(entry);
            }
            return prefix;
        }
    }

    private final Disk disk;
    private final Layout layout;
    private final byte[] headers;
    /** Sectors of the headers ring whose contents in {@link #headers} the disk does not hold yet: see {@link #repairHeaders}. */
    private final BitSet headerSectorsToRepair;

    /**
     * A journal over {@code disk}, whose headers ring should hold {@code headers} (from recovery or
     * a fresh format), and does except in {@code headerSectorsToRepair}.
     */
    private Journal(Disk disk, Layout layout, byte[] headers, BitSet headerSectorsToRepair) {
        this.disk = disk;
        this.layout = layout;
        this.headers = headers;
        this.headerSectorsToRepair = headerSectorsToRepair;
    }

    /** A journal on a freshly formatted (zeroed) disk. */
    public static Journal formatted(Disk disk, Layout layout) {
        checkSize(disk, layout);
        return new Journal(disk, layout, new byte[(int) layout.headersSizeBytes()], new BitSet());
    }

    private static void checkSize(Disk disk, Layout layout) {
        if (disk.sizeBytes() < layout.sizeBytes()) {
            throw new IllegalArgumentException("disk of " + disk.sizeBytes() + " bytes is smaller than the journal's "
                    + layout.sizeBytes());
        }
    }

    public Layout layout() {
        return layout;
    }

    /**
     * Writes {@code entry} with write sequence {@code sequence}, on a disk whose superblock names
     * the checkpoint at {@code checkpointOp}: the prepare, then its header copy, with no sync
     * between them. For tests of the format; a replica uses {@link #writePrepare}, a sync, then
     * {@link #writeHeader} (see there).
     */
    public void write(Entry entry, long sequence, long checkpointOp, Disk.Completion completion) {
        writePrepare(entry, sequence, checkpointOp, error -> {
            if (error != null) completion.done(error);
            else writeHeader(entry, sequence, completion);
        });
    }

    /**
     * Writes {@code entry}'s whole record into its slot of the prepares ring. Not durable until
     * {@link #sync}. {@code checkpointOp} is the op of the checkpoint that the durable superblock
     * names (0: none): the slot of an op beyond {@code checkpointOp + slotCount} still holds an op
     * that no durable checkpoint covers, so that write fails as a full journal (the ring rule,
     * which the core keeps: this is the last defence behind it).
     */
    public void writePrepare(Entry entry, long sequence, long checkpointOp, Disk.Completion completion) {
        RingWindow window = new RingWindow(checkpointOp, layout.slotCount());
        if (entry.op() > window.opMax()) {
            completion.done(new DiskError(DiskError.Kind.NO_SPACE, "journal full: op " + entry.op() + " needs slot "
                    + layout.slotOf(entry.op()) + ", which still holds op " + (entry.op() - layout.slotCount())
                    + ", above the durable checkpoint at op " + checkpointOp + " (the ring rule: a journal of "
                    + layout.slotCount() + " slots holds ops up to " + window.opMax() + " until the next checkpoint"
                    + " is durable)"));
            return;
        }
        // The body limit, not the slot: a slot is rounded up to a sector and may have room for a
        // few bytes more, but recovery refuses a header that claims a body over the limit, so such
        // a record would be written, acknowledged, and then read back as damage.
        if (entry.bodySizeBytes() > layout.bodySizeBytesMax()) {
            completion.done(new DiskError(DiskError.Kind.WRITE, "entry at op " + entry.op() + " has a body of "
                    + entry.bodySizeBytes() + " bytes, over the journal's limit of " + layout.bodySizeBytesMax()
                    + " (fixed when the data file was formatted): batchSizeBytesMax must not exceed it"));
            return;
        }
        byte[] record = EntryCodec.encode(entry, layout.clusterId(), sequence);
        Check.that(record.length <= layout.slotSizeBytes(), "a record within its body limit fits its slot",
                record.length, layout.slotSizeBytes());
        int slot = SlotClassifier.slotOf(entry.op(), layout.slotCount());
        byte[] padded = new byte[(int) Layout.roundUp(record.length, layout.sectorSizeBytes())];
        System.arraycopy(record, 0, padded, 0, record.length);
        disk.write(layout.prepareOffset(slot), padded, completion);
    }

    /**
     * Writes {@code entry}'s header into the headers ring (the sector holding it). A replica does
     * this only after the prepare is durable, so an intact redundant header is proof that its
     * prepare was durable, and a damaged prepare under it is damage to be repaired, never a torn
     * write to be discarded ({@link SlotClassifier}).
     */
    public void writeHeader(Entry entry, long sequence, Disk.Completion completion) {
        int slot = SlotClassifier.slotOf(entry.op(), layout.slotCount());
        byte[] record = EntryCodec.encode(entry, layout.clusterId(), sequence);
        int headerOffset = slot * EntryCodec.HEADER_SIZE_BYTES;
        System.arraycopy(record, 0, headers, headerOffset, EntryCodec.HEADER_SIZE_BYTES);
        writeHeaderSector(headerOffset / layout.sectorSizeBytes(), completion);
    }

    /** Writes sector {@code index} of the headers ring from the in-memory ring. */
    private void writeHeaderSector(int index, Disk.Completion completion) {
        int size = layout.sectorSizeBytes();
        byte[] sector = new byte[size];
        System.arraycopy(headers, index * size, sector, 0, size);
        disk.write(layout.headersOffset() + (long) index * size, sector, completion);
    }

    /**
     * Writes the redundant headers recovery found missing, damaged or stale for ops of the
     * recovered log (decision OK_FIX_HEADER, or a body to repair under an unreadable header), and
     * every sector of the headers ring it could not read, which a write remaps on a real drive:
     * a sync, the sectors, a sync. Until then a second fault in such a slot's prepare would find
     * neither copy intact, and the last ops of a log would be taken for a torn write.
     *
     * <p>The first sync makes every prepare recovery read durable (a process crash leaves unsynced
     * writes readable in the page cache), so a header still never reaches the disk before its
     * prepare is durable (rule 5). Each header written is a copy of the one that the log's chain
     * vouches for, and goes only to a slot of the recovered log, which the replica holds as its
     * own: a prepare past the log (a torn tail, or a truncated log's leftover) gets none, since
     * its header would claim that a write never acknowledged may have been. The caller runs this
     * after recording recovery's damage (see {@link #headersRing}) and before any other write.
     */
    public void repairHeaders(Disk.Completion completion) {
        int[] sectors = headerSectorsToRepair.stream().toArray();
        if (sectors.length == 0) {
            completion.done(null);
            return;
        }
        sync(error -> {
            if (error != null) {
                completion.done(error);
                return;
            }
            forEach(0, sectors.length, (index, next) -> writeHeaderSector(sectors[index], writeError -> {
                if (writeError != null) completion.done(writeError);
                else next.run();
            }), () -> sync(syncError -> {
                if (syncError == null) headerSectorsToRepair.clear();
                completion.done(syncError);
            }));
        });
    }

    /** Makes every completed write durable (one sync for many writes: group commit). */
    public void sync(Disk.Completion completion) {
        disk.sync(completion);
    }

    // ---------------------------------------------------------------------------------------------
    // Recovery.

    /**
     * Reads both rings, classifies every slot ({@link SlotClassifier}) and rebuilds the log named by
     * {@code superblock}. Read errors count as damaged copies, never as exceptions, and cost only
     * the sectors that failed: an unreadable redundant header is possible damage, never proof that
     * its prepare was not durable.
     */
    public static void recover(Disk disk, Layout layout, Superblock.State superblock, Consumer<RecoveryResult> done) {
        recover(disk, layout, superblock, java.util.Set.of(), done);
    }

    /** As {@link #recover(Disk, Layout, Superblock.State, Consumer)}, with planted bugs ({@link Canary}) for tests. */
    public static void recover(Disk disk, Layout layout, Superblock.State superblock, java.util.Set<Canary> canaries,
            Consumer<RecoveryResult> done) {
        checkSize(disk, layout);
        boolean wholeRingOnly = canaries.contains(Canary.READ_HEADER_RING_WHOLE);
        RingWindow window = new RingWindow(superblock.checkpoint().op(), layout.slotCount());
        readHeaders(disk, layout, wholeRingOnly, ring -> {
            byte[][] prepares = new byte[layout.slotCount()][];
            int scanned = prepareScanSlots(ring, layout, superblock);
            byte[] unwritten = new byte[EntryCodec.HEADER_SIZE_BYTES];
            for (int distance = scanned; distance < layout.slotCount(); distance++) {
                prepares[window.slotAt(distance)] = unwritten;
            }
            readPrepares(disk, layout, window, scanned, prepares, () -> {
                SlotClassifier.Slot[] slots = new SlotClassifier.Slot[layout.slotCount()];
                for (int slot = 0; slot < layout.slotCount(); slot++) {
                    byte[] header = null; // unreadable
                    if (!ring.unreadable(slot)) {
                        header = new byte[EntryCodec.HEADER_SIZE_BYTES];
                        System.arraycopy(ring.bytes(), slot * EntryCodec.HEADER_SIZE_BYTES, header, 0, header.length);
                    }
                    slots[slot] = SlotClassifier.classify(slot, window, layout.clusterId(), layout.bodySizeBytesMax(),
                            header, prepares[slot]);
                }
                Recovery recovery = LogRebuild.rebuild(slots, layout, superblock);
                BitSet toRepair = new BitSet();
                byte[] headers = headersRing(ring, slots, recovery, toRepair);
                done.accept(new RecoveryResult(recovery, new Journal(disk, layout, headers, toRepair)));
            });
        });
    }

    /**
     * The in-memory headers ring a recovered journal starts from, which also says which sectors of
     * the ring {@link #repairHeaders} must write ({@code toRepair}). A header write rewrites the
     * whole sector from it, so it must hold what each sector should keep:
     *
     * <ul>
     *   <li>the bytes read, except that a slot of the recovered log holds the header the log's
     *       chain vouches for where its copy was missing, damaged or stale (its sector is repaired);
     *   <li>for a sector that could not be read, the header of each op of the recovered log that
     *       it holds, and zeros elsewhere (the sector is repaired). Zeros for every slot would
     *       have made the first header written there erase its neighbours' proof of durability.
     *       What an unreadable header past the log may have held is damage that recovery
     *       reported, and that the replica records in the superblock before it writes anything
     *       else ({@link ReplicaStorage#open}).
     * </ul>
     */
    private static byte[] headersRing(HeadersRing ring, SlotClassifier.Slot[] slots, Recovery recovery, BitSet toRepair) {
        byte[] bytes = ring.bytes();
        toRepair.or(ring.unreadableSectors());
        for (SlotClassifier.Slot slot : slots) {
            EntryCodec.Header header = logHeader(slot, recovery);
            if (header == null) continue;
            boolean copyIntact = slot.headerCopy() == SlotClassifier.HeaderCopy.VALID
                    && slot.relation() != SlotClassifier.Relation.PREPARE_NEWER;
            if (copyIntact) continue; // the copy on disk is the header the log rests on
            byte[] encoded = EntryCodec.encodeHeader(header);
            System.arraycopy(encoded, 0, bytes, slot.slot() * EntryCodec.HEADER_SIZE_BYTES, encoded.length);
            toRepair.set(slot.slot() * EntryCodec.HEADER_SIZE_BYTES / ring.sectorSizeBytes());
        }
        return bytes;
    }

    /** The intact header {@code slot} rests on when it holds an op of the recovered log, else null. */
    private static EntryCodec.Header logHeader(SlotClassifier.Slot slot, Recovery recovery) {
        EntryCodec.Header header = slot.header();
        if (header == null || header.op() <= recovery.anchorOp() || header.op() > recovery.headOp()) return null;
        return recovery.checksums()[(int) (header.op() - recovery.anchorOp() - 1)] == header.entryChecksum() ? header : null;
    }

    /** The headers ring as read: its bytes, and the sectors that could not be read (zero in {@code bytes}). */
    record HeadersRing(byte[] bytes, BitSet unreadableSectors, int sectorSizeBytes) {
        boolean unreadable(int slot) {
            return unreadableSectors.get(slot * EntryCodec.HEADER_SIZE_BYTES / sectorSizeBytes);
        }
    }

    /**
     * Reads the headers ring in one read, and when that fails, sector by sector, so that a bad
     * sector costs only the headers it holds ({@code sector / 128} of them), not the whole ring.
     */
    private static void readHeaders(Disk disk, Layout layout, boolean wholeRingOnly, Consumer<HeadersRing> done) {
        byte[] bytes = new byte[(int) layout.headersSizeBytes()];
        int sector = layout.sectorSizeBytes();
        BitSet unreadable = new BitSet();
        disk.read(layout.headersOffset(), bytes, error -> {
            if (error == null) {
                done.accept(new HeadersRing(bytes, unreadable, sector));
                return;
            }
            Arrays.fill(bytes, (byte) 0); // a failed read may have filled part of the buffer
            if (wholeRingOnly) {
                // Canary READ_HEADER_RING_WHOLE: every header lost, and none known to be unreadable.
                done.accept(new HeadersRing(bytes, unreadable, sector));
                return;
            }
            forEach(0, bytes.length / sector, (index, next) -> {
                byte[] buffer = new byte[sector];
                disk.read(layout.headersOffset() + (long) index * sector, buffer, sectorError -> {
                    if (sectorError == null) System.arraycopy(buffer, 0, bytes, index * sector, sector);
                    else unreadable.set(index);
                    next.run();
                });
            }, () -> done.accept(new HeadersRing(bytes, unreadable, sector)));
        });
    }

    /** One step of {@link #forEach}: does the work for {@code index}, then calls {@code next}, perhaps later. */
    @FunctionalInterface
    private interface Step {
        void run(int index, Runnable next);
    }

    /**
     * Runs {@code step} for each index of {@code [from, end)} in order, then {@code done}. Iterative
     * over steps that complete synchronously, recursive only through asynchronous completions, so
     * a long ring on a synchronous disk does not grow the stack.
     */
    private static void forEach(int from, int end, Step step, Runnable done) {
        for (int index = from; index < end; index++) {
            int current = index;
            boolean[] completedInline = {false};
            boolean[] insideCall = {true};
            step.run(current, () -> {
                if (insideCall[0]) completedInline[0] = true;
                else forEach(current + 1, end, step, done);
            });
            insideCall[0] = false;
            if (!completedInline[0]) return; // the completion continues from the next index
        }
        done.run();
    }

    /** A recovered log and the journal to keep writing with. */
    public record RecoveryResult(Recovery recovery, Journal journal) {}

    /**
     * How many slots recovery must read prepares from, counted along the ring from the slot of the
     * checkpoint's op ({@link RingWindow#distance}: the slot of the window's last op first, then
     * those of the ops after the checkpoint, in op order; without a checkpoint, from slot 0): up
     * to the last op of the live window with a redundant header or named by the superblock, plus
     * {@link #TORN_TAIL_SCAN_SLOTS}. Every acknowledged prepare has its redundant header (it is
     * written once the prepare is durable, before the acknowledgement), so a prepare beyond that
     * frontier without one was never acknowledged: a torn tail whatever it holds. An intact header
     * of an earlier lap's op (at or below the checkpoint) is no header of the window's op; a
     * damaged or unreadable one may be, so it counts. When the window's last op has a header,
     * the whole ring is read.
     */
    static int prepareScanSlots(HeadersRing ring, Layout layout, Superblock.State superblock) {
        RingWindow window = new RingWindow(superblock.checkpoint().op(), layout.slotCount());
        int highest = 0;
        for (int distance = layout.slotCount() - 1; distance >= 0; distance--) {
            if (headerOfWindow(ring, layout, window, window.slotAt(distance))) {
                if (distance == 0) return layout.slotCount();
                highest = distance;
                break;
            }
        }
        long named = Math.max(superblock.logHeadOp(), window.checkpointOp()) - window.checkpointOp();
        long frontier = Math.max(highest, Math.min(named, layout.slotCount()));
        return (int) Math.min(layout.slotCount(), frontier + 1 + TORN_TAIL_SCAN_SLOTS);
    }

    /**
     * True when {@code slot}'s redundant header may be that of the window's op: anything but zeros
     * or an intact header of an earlier lap's op in its own slot. An unreadable header may be the
     * one that proves its prepare durable, and a damaged or misdirected one may have replaced it.
     */
    private static boolean headerOfWindow(HeadersRing ring, Layout layout, RingWindow window, int slot) {
        if (ring.unreadable(slot)) return true;
        int offset = slot * EntryCodec.HEADER_SIZE_BYTES;
        boolean zero = true;
        for (int i = offset; i < offset + EntryCodec.HEADER_SIZE_BYTES; i++) {
            if (ring.bytes()[i] != 0) {
                zero = false;
                break;
            }
        }
        if (zero) return false;
        if (window.checkpointOp() == 0) return true; // no earlier lap: nothing written is below the window
        try {
            EntryCodec.Header header = EntryCodec.decodeHeader(ring.bytes(), offset, layout.clusterId(),
                    layout.bodySizeBytesMax());
            return layout.slotOf(header.op()) != slot || header.op() > window.checkpointOp();
        } catch (dev.viewstamp.codec.CodecException e) {
            return true;
        }
    }

    /** Slots past the last durable op that recovery still reads, so it reports a torn tail's leftovers. */
    static final int TORN_TAIL_SCAN_SLOTS = 256;

    /**
     * Reads the prepares of the first {@code count} slots along the ring from the checkpoint's
     * ({@link #prepareScanSlots}): each one's first sector, then the rest of the record only when
     * that sector holds an intact header of an op of the live window saying there is more, so
     * recovery reads what was written, not the whole ring, and never the body of an earlier lap's
     * op. An unreadable slot is null (damaged).
     */
    private static void readPrepares(Disk disk, Layout layout, RingWindow window, int count, byte[][] prepares,
            Runnable done) {
        forEach(0, count, (distance, next) -> {
            int slot = window.slotAt(distance);
            readPrepare(disk, layout, window, slot, prepare -> {
                prepares[slot] = prepare;
                next.run();
            });
        }, done);
    }

    private static void readPrepare(Disk disk, Layout layout, RingWindow window, int slot, Consumer<byte[]> done) {
        int sector = layout.sectorSizeBytes();
        byte[] first = new byte[sector];
        disk.read(layout.prepareOffset(slot), first, error -> {
            if (error != null) {
                done.accept(null);
                return;
            }
            EntryCodec.Header header;
            try {
                header = EntryCodec.decodeHeader(first, 0, layout.clusterId(), layout.bodySizeBytesMax());
            } catch (dev.viewstamp.codec.CodecException e) {
                done.accept(first); // empty or a damaged header: the classifier decides from these bytes
                return;
            }
            int size = header.sizeBytes();
            // An op of another lap is classified from its header alone.
            if (size <= sector || !window.contains(header.op())) {
                done.accept(first);
                return;
            }
            byte[] whole = new byte[(int) Math.min(Layout.roundUp(size, sector), layout.slotSizeBytes())];
            disk.read(layout.prepareOffset(slot), whole, wholeError -> done.accept(wholeError == null ? whole : null));
        });
    }
}
