package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.EntryCodec;
import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.replica.ClusterConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The replica's small, vital state: identity (cluster, replica), {@code view}, {@code logView},
 * the commit number, the head of the log and the headers of the log suffix the last log change
 * installed, kept in {@link #COPIES} redundant copies at the start of the disk. Each copy has a
 * checksum, its own index and a sequence number; a write puts the same new state (sequence + 1)
 * into each copy in turn, syncing after each, so a crash can tear at most one copy.
 *
 * <p>Reading takes the valid copy with the highest sequence. A crash during a write leaves some
 * copies new and some old, and either state is one the replica was entitled to have (it acts on a
 * new state only after the last sync). A torn, corrupt or misdirected copy fails its checksum or
 * its index check; as long as one copy of the latest state is intact, nothing durable is lost.
 *
 * <p>The suffix headers name the entries of the last log change (docs/STORAGE.md, rule 2): the
 * superblock that switches to a new log is written after the new entries are durable, and its
 * headers let recovery tell those entries from leftovers of the old log in the same slots.
 *
 * <p>The commit number is named by the checksum of the entry at that op: a restart trusts it only
 * for a log that holds that very entry. The pipeline depth and the checkpoint interval are recorded
 * at format time: the core refuses to start with another depth, since a log proves committed every
 * entry a pipeline below its head, and replicas compare checkpoints by op, so they must take them
 * at the same ops.
 *
 * <p>The superblock names the newest durable checkpoint (docs/CHECKPOINTS.md, section 4): it is
 * that checkpoint's commit point, written only once its file is durable, and journal recovery
 * walks back from the log's head only down to the checkpoint's op.
 *
 * <pre>
 * copy (16 KiB, little-endian; the checksum covers the used bytes and the checkpoint block, every other byte is zero)
 *   0 u64 checksum of bytes 8 .. 256 + 128 * suffix header count, then of bytes 16320 .. 16384
 *   8 u32 magic 'VSRS'   12 u16 version (3)   14 u16 copy index
 *  16 u64 sequence   24 u64 cluster id   32 u16 replica index   34 u16 replica count   36 u32 pipeline prepare count max
 *  40 u64 view       48 u64 log view     56 u64 commit max
 *  64 u64 log head op   72 u64 log head checksum   80 u64 format id (random, drawn by vsr format)
 *  88 u64 journal sequence (the journal's last write sequence when this state was written)
 *  96 u32 suffix header count   100 u32 journal slot count   104 u32 journal body size max
 * 108 u32 flags (bit 0: recovering from a lost disk)   112 u64 damaged op max + 1 (0: the log is whole)
 * 120 u64 checksum of the entry at the commit max
 * 128 crash vector: u64 incarnation per replica (up to 16), then zero to 255
 * 256 suffix headers, 128 bytes each (up to 125), ending at the log head   then zero to 16319
 * 16320 checkpoint block: u64 checkpoint op (0: no checkpoint, and every field but the interval is 0)
 *       16328 u64 identity   16336 u64 checksum of the entry at the checkpoint op   16344 u64 that entry's timestamp
 *       16352 u64 file size in bytes   16360 u64 file checksum (its last eight bytes)
 *       16368 u32 checkpoint interval in ops (0: no checkpoints), recorded by vsr format   16372 zero to the end
 * </pre>
 *
 * <p>Version 2 had no checkpoint block (and room for 126 suffix headers); a version-2 copy is
 * refused with a request to format again. The block is at the end, not after the fixed fields,
 * so that a state without a checkpoint puts every other byte where version 2 did: a crash tears
 * its copies, and a fault damages them, exactly as before (the block is zero on both sides of a
 * torn write), and runs without checkpoints (the simulator's) stay what they were.
 */
public final class Superblock {
    public static final int COPIES = 4;
    public static final int COPY_SIZE_BYTES = 16 * 1024;
    /** How many replicas' incarnations a copy's crash vector holds. */
    public static final int REPLICAS_MAX = 16;
    private static final int CRASH_VECTOR_OFFSET = 128;
    private static final int SUFFIX_OFFSET = CRASH_VECTOR_OFFSET + 8 * REPLICAS_MAX;
    /** The checkpoint block: the last 64 bytes of a copy, of which the fields take 52. */
    private static final int CHECKPOINT_OFFSET = COPY_SIZE_BYTES - 64;
    private static final int CHECKPOINT_FIELDS_BYTES = 52;
    /** How many suffix headers a copy holds: as many as fit before the checkpoint block. */
    public static final int SUFFIX_HEADERS_MAX = (CHECKPOINT_OFFSET - SUFFIX_OFFSET) / EntryCodec.HEADER_SIZE_BYTES;
    private static final int FLAG_RECOVERING = 1;
    public static final long ZONE_SIZE_BYTES = (long) COPIES * COPY_SIZE_BYTES;
    static final int MAGIC = 0x53525356; // "VSRS" little-endian
    static final short VERSION = 3;
    private static final int FIXED_BYTES = 128;

    private Superblock() {}

    /**
     * The state a superblock holds. {@code damagedOpMax} is -1 for a whole log (see Replica.Damage).
     * {@code formatId} is a random number drawn when the data file was formatted, which names the
     * file; it is not an incarnation (those are the crash vector's entries).
     */
    public record State(long sequence, long clusterId, int replicaIndex, int replicaCount, int pipelinePrepareCountMax,
            long view, long logView, long commitMax, long commitChecksum, long logHeadOp, long logHeadChecksum,
            long formatId, long journalSequence, List<EntryCodec.Header> suffix, int journalSlotCount,
            int journalBodySizeBytesMax, long damagedOpMax, List<Long> crashVector, boolean recovering,
            int checkpointIntervalOps, CheckpointReference checkpoint) {

        /**
         * The state {@code vsr format} writes: view 0, an empty log whose head is the cluster's
         * root checksum, a whole log, and the limits the cluster's safety depends on. Name the
         * cluster, the replica and the limits on the builder, then {@link Builder#build()}.
         */
        public static Builder formatted() {
            Builder formatted = new Builder();
            formatted.sequence = 1;
            formatted.damagedOpMax = -1;
            formatted.rootOnBuild = true;
            return formatted;
        }

        public State {
            suffix = List.copyOf(suffix);
            crashVector = List.copyOf(crashVector);
            if (replicaCount > REPLICAS_MAX || crashVector.size() != replicaCount) {
                throw new IllegalArgumentException("a crash vector of " + crashVector.size() + " entries for " + replicaCount
                        + " replicas (at most " + REPLICAS_MAX + ")");
            }
            if (pipelinePrepareCountMax < 1) {
                throw new IllegalArgumentException("pipelinePrepareCountMax " + pipelinePrepareCountMax + " is not positive");
            }
            if (journalSlotCount < 1 || journalBodySizeBytesMax < 1) {
                throw new IllegalArgumentException("journal layout: " + journalSlotCount + " slots of at most "
                        + journalBodySizeBytesMax + " body bytes");
            }
            if (suffix.size() > SUFFIX_HEADERS_MAX) {
                throw new IllegalArgumentException(suffix.size() + " suffix headers, more than " + SUFFIX_HEADERS_MAX);
            }
            checkCheckpoint(checkpointIntervalOps, checkpoint, journalSlotCount, pipelinePrepareCountMax);
            for (int i = 0; i < suffix.size(); i++) {
                EntryCodec.Header header = suffix.get(i);
                boolean last = i == suffix.size() - 1;
                if (header.op() != logHeadOp - (suffix.size() - 1 - i) || (last && header.entryChecksum() != logHeadChecksum)
                        || (i > 0 && header.parent() != suffix.get(i - 1).entryChecksum())) {
                    throw new IllegalArgumentException("suffix headers do not chain to the log head at op " + logHeadOp);
                }
            }
            if (sequence < 0 || clusterId < 0 || replicaIndex < 0 || replicaCount < 1 || replicaIndex >= replicaCount
                    || view < logView || logView < 0 || commitMax < 0 || logHeadOp < 0 || journalSequence < 0
                    || damagedOpMax < -1) {
                throw new IllegalArgumentException("inconsistent superblock state: sequence=" + sequence + " cluster="
                        + clusterId + " replica=" + replicaIndex + "/" + replicaCount + " view=" + view + " logView="
                        + logView + " commitMax=" + commitMax + " logHeadOp=" + logHeadOp);
            }
        }

        /**
         * The interval and the named checkpoint fit each other and the journal: checkpoints at
         * multiples of the interval, none without one, and a ring of at least
         * {@code 2 * interval + pipeline} slots (docs/CHECKPOINTS.md, section 2), so that the next
         * checkpoint can be durable before the ring needs the slots of the ops before this one.
         */
        private static void checkCheckpoint(int intervalOps, CheckpointReference checkpoint, int slotCount,
                int pipelinePrepareCountMax) {
            if (checkpoint == null) throw new IllegalArgumentException("no checkpoint reference (use CheckpointReference.NONE)");
            if (intervalOps < 0) throw new IllegalArgumentException("checkpoint interval " + intervalOps + " is negative");
            if (intervalOps > 0 && slotCount < 2L * intervalOps + pipelinePrepareCountMax) {
                throw new IllegalArgumentException("a journal of " + slotCount + " slots is too small for a checkpoint every "
                        + intervalOps + " ops: it needs at least 2 * " + intervalOps + " + " + pipelinePrepareCountMax
                        + " (the pipeline)");
            }
            if (checkpoint.present() && (intervalOps == 0 || checkpoint.op() % intervalOps != 0)) {
                throw new IllegalArgumentException("a checkpoint at op " + checkpoint.op() + " with a checkpoint interval of "
                        + intervalOps + " ops");
            }
        }

        /**
         * A builder for the state that follows this one: the same state with the next sequence,
         * to which the caller names what changed. A state written by a running replica is never
         * recovering. The commit claim is the replica's, as it names it: a lower one than before
         * is still true, and a bare maximum of two claims would name no chain.
         */
        public Builder successor() {
            Builder next = toBuilder();
            next.sequence = sequence + 1;
            next.recovering = false;
            return next;
        }

        /** A builder holding this very state. */
        public Builder toBuilder() {
            Builder b = new Builder();
            b.sequence = sequence;
            b.clusterId = clusterId;
            b.replicaIndex = replicaIndex;
            b.replicaCount = replicaCount;
            b.pipelinePrepareCountMax = pipelinePrepareCountMax;
            b.view = view;
            b.logView = logView;
            b.commitMax = commitMax;
            b.commitChecksum = commitChecksum;
            b.logHeadOp = logHeadOp;
            b.logHeadChecksum = logHeadChecksum;
            b.formatId = formatId;
            b.journalSequence = journalSequence;
            b.suffix = suffix;
            b.journalSlotCount = journalSlotCount;
            b.journalBodySizeBytesMax = journalBodySizeBytesMax;
            b.damagedOpMax = damagedOpMax;
            b.crashVector = crashVector;
            b.recovering = recovering;
            b.checkpointIntervalOps = checkpointIntervalOps;
            b.checkpoint = checkpoint;
            return b;
        }

        /**
         * The same state with the next sequence. Written to every copy, it repairs the copies a
         * torn write left older, or a fault damaged, without changing what they say.
         */
        public State rewritten() {
            return toBuilder().sequence(sequence + 1).build();
        }

        /** The crash vector as an array (see {@code message.Recovery}). */
        public long[] crashVectorArray() {
            return crashVector.stream().mapToLong(Long::longValue).toArray();
        }

        /** The same state, marked as the state of a replica that lost its disk and must recover. */
        public State recoveringFromLostDisk() {
            return toBuilder().recovering(true).build();
        }

        /** The journal layout this superblock's data file was formatted with. */
        public Journal.Layout journalLayout(int sectorSizeBytes) {
            return new Journal.Layout(clusterId, journalSlotCount, journalBodySizeBytesMax, sectorSizeBytes);
        }

        /**
         * Checks, at start, that a replica configured with {@code config} may run on this data
         * file: the same cluster and replica count, the checkpoint interval, the journal's slot
         * count (when the configuration names one) and the journal body limit it was formatted
         * with. The body limit is part of the format: it sizes the slots, and recovery refuses a
         * header that claims a larger body. A configuration that named a larger limit would let a
         * primary batch prepares this journal cannot hold (its storage stops at the first one); one
         * that named a smaller limit would say something false about this replica's journal, which
         * the other replicas' primaries rely on. So the configured value must be the formatted one,
         * and changing it means formatting again.
         *
         * @throws IllegalArgumentException naming the first disagreement
         */
        public void checkConfig(ClusterConfig config) {
            if (config.clusterId() != clusterId) {
                throw new IllegalArgumentException("the data file belongs to cluster " + clusterId
                        + ", but the configuration names cluster " + config.clusterId());
            }
            if (config.replicaCount() != replicaCount) {
                throw new IllegalArgumentException("the data file was formatted for " + replicaCount
                        + " replicas, but the configuration names " + config.replicaCount());
            }
            if (config.checkpointIntervalOps() != checkpointIntervalOps) {
                // Replicas compare checkpoints by op (docs/CHECKPOINTS.md, section 2), and the
                // superblock's checkpoint sits at a multiple of the formatted interval.
                throw new IllegalArgumentException("the data file was formatted to take a checkpoint every "
                        + checkpointIntervalOps + " ops (0: never), but the configuration's checkpointIntervalOps is "
                        + config.checkpointIntervalOps() + ": the interval is the same on every replica and never "
                        + "changes; configure the formatted value, or format again");
            }
            if (config.journalSlotCount() != 0 && config.journalSlotCount() != journalSlotCount) {
                // The core's ring rule counts the ring's slots (docs/CHECKPOINTS.md, section 4): with
                // more than the journal has it prepares ops the journal must refuse, with fewer it
                // waits for checkpoints it does not need.
                throw new IllegalArgumentException("the data file's journal has " + journalSlotCount + " slots, but the "
                        + "configuration's journalSlotCount is " + config.journalSlotCount() + ": configure the "
                        + "formatted value, or format again");
            }
            if (config.journalBodySizeBytesMax() != journalBodySizeBytesMax) {
                throw new IllegalArgumentException("the data file's journal was formatted for bodies up to "
                        + journalBodySizeBytesMax + " bytes, but the configuration's journalBodySizeBytesMax is "
                        + config.journalBodySizeBytesMax() + ": configure the formatted value (with batchSizeBytesMax "
                        + "at most that), or format again");
            }
        }
    }

    /**
     * Builds a {@link State} by name, so that no call is a row of same-typed numbers. Start from
     * {@link State#formatted()}, {@link State#successor()} or {@link State#toBuilder()}; the
     * state's constructor checks the result.
     */
    public static final class Builder {
        private long sequence;
        private long clusterId;
        private int replicaIndex;
        private int replicaCount;
        private int pipelinePrepareCountMax;
        private long view;
        private long logView;
        private long commitMax;
        private long commitChecksum;
        private long logHeadOp;
        private long logHeadChecksum;
        private long formatId;
        private long journalSequence;
        private List<EntryCodec.Header> suffix = List.of();
        private int journalSlotCount;
        private int journalBodySizeBytesMax;
        private long damagedOpMax;
        private List<Long> crashVector;
        private boolean recovering;
        private int checkpointIntervalOps;
        private CheckpointReference checkpoint = CheckpointReference.NONE;
        /** A formatted state's commit and head name the cluster's root, known once the cluster is. */
        private boolean rootOnBuild;

        private Builder() {}

        public Builder sequence(long value) { sequence = value; return this; }
        public Builder clusterId(long value) { clusterId = value; return this; }
        public Builder replicaIndex(int value) { replicaIndex = value; return this; }
        public Builder replicaCount(int value) { replicaCount = value; return this; }
        public Builder pipelinePrepareCountMax(int value) { pipelinePrepareCountMax = value; return this; }
        public Builder view(long value) { view = value; return this; }
        public Builder logView(long value) { logView = value; return this; }
        public Builder formatId(long value) { formatId = value; return this; }
        public Builder journalSequence(long value) { journalSequence = value; return this; }
        public Builder journalSlotCount(int value) { journalSlotCount = value; return this; }
        public Builder journalBodySizeBytesMax(int value) { journalBodySizeBytesMax = value; return this; }
        /** The highest op the log's damage may reach, or -1 for a whole log. */
        public Builder damagedOpMax(long value) { damagedOpMax = value; return this; }
        public Builder recovering(boolean value) { recovering = value; return this; }
        /** Take a checkpoint at every multiple of this op; 0: never. Recorded at format time. */
        public Builder checkpointIntervalOps(int value) { checkpointIntervalOps = value; return this; }
        /** The newest durable checkpoint, or {@link CheckpointReference#NONE}. */
        public Builder checkpoint(CheckpointReference value) { checkpoint = value; return this; }

        /** The commit number and the checksum of the entry at that op, which names its chain. */
        public Builder commit(long op, long entryChecksum) {
            commitMax = op;
            commitChecksum = entryChecksum;
            return this;
        }

        /** The log's head and the headers of the last log change's suffix, ending at that head. */
        public Builder logHead(long op, long entryChecksum, List<EntryCodec.Header> suffixHeaders) {
            logHeadOp = op;
            logHeadChecksum = entryChecksum;
            suffix = suffixHeaders;
            return this;
        }

        public Builder crashVector(List<Long> incarnations) { crashVector = incarnations; return this; }

        /** The crash vector, or null to keep the one the builder holds. */
        public Builder crashVector(long[] incarnations) {
            if (incarnations != null) crashVector = java.util.Arrays.stream(incarnations).boxed().toList();
            return this;
        }

        /** @throws IllegalArgumentException when the state is inconsistent (see {@link State}) */
        public State build() {
            if (rootOnBuild) {
                long root = dev.viewstamp.core.replica.OpLog.rootChecksum(clusterId);
                commitChecksum = root;
                logHeadChecksum = root;
            }
            List<Long> vector = crashVector != null ? crashVector : java.util.Collections.nCopies(replicaCount, 0L);
            return new State(sequence, clusterId, replicaIndex, replicaCount, pipelinePrepareCountMax, view, logView,
                    commitMax, commitChecksum, logHeadOp, logHeadChecksum, formatId, journalSequence, suffix,
                    journalSlotCount, journalBodySizeBytesMax, damagedOpMax, vector, recovering, checkpointIntervalOps,
                    checkpoint);
        }
    }

    /**
     * What one copy held when read. {@code OLDER_VERSION}: an intact copy of an older format
     * version, which this build does not read (format again).
     */
    public enum CopyStatus { VALID, STALE, INVALID, UNREADABLE, OLDER_VERSION }

    /** The newest valid state (null when no copy is valid), and the status of each copy. */
    public record ReadResult(State state, List<CopyStatus> copies, List<String> problems) {
        /**
         * True when some copy is not a valid copy of the newest state: it should be rewritten
         * before the replica relies on that state, since one more bad sector could take it away
         * (see {@link ReplicaStorage#open}).
         */
        public boolean degraded() {
            return copies.stream().anyMatch(c -> c != CopyStatus.VALID);
        }

        /**
         * True when no copy is valid and some is an intact copy of an older format version: the
         * data file was written by an older build, and must be formatted again.
         */
        public boolean olderVersion() {
            return state == null && copies.contains(CopyStatus.OLDER_VERSION);
        }
    }

    private static List<Long> crashVector(ByteBuffer b, int replicaCount) {
        List<Long> vector = new ArrayList<>(replicaCount);
        for (int i = 0; i < replicaCount; i++) vector.add(b.getLong(CRASH_VECTOR_OFFSET + 8 * i));
        return vector;
    }

    /** The bytes at the start of a copy that carry its state; the checksum covers them and the checkpoint block. */
    private static int usedBytes(int suffixCount) {
        return SUFFIX_OFFSET + suffixCount * EntryCodec.HEADER_SIZE_BYTES;
    }

    private static long checksumOf(byte[] copy, int suffixCount) {
        return new Checksum().add(copy, 8, usedBytes(suffixCount) - 8)
                .add(copy, CHECKPOINT_OFFSET, COPY_SIZE_BYTES - CHECKPOINT_OFFSET).value();
    }

    static byte[] encode(State state, int copyIndex) {
        byte[] bytes = new byte[COPY_SIZE_BYTES];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8, MAGIC).putShort(12, VERSION).putShort(14, (short) copyIndex);
        b.putLong(16, state.sequence()).putLong(24, state.clusterId()).putShort(32, (short) state.replicaIndex())
                .putShort(34, (short) state.replicaCount()).putInt(36, state.pipelinePrepareCountMax())
                .putLong(40, state.view()).putLong(48, state.logView())
                .putLong(56, state.commitMax()).putLong(64, state.logHeadOp()).putLong(72, state.logHeadChecksum())
                .putLong(80, state.formatId()).putLong(88, state.journalSequence()).putInt(96, state.suffix().size())
                .putInt(100, state.journalSlotCount()).putInt(104, state.journalBodySizeBytesMax())
                .putInt(108, state.recovering() ? FLAG_RECOVERING : 0)
                .putLong(112, state.damagedOpMax() + 1).putLong(120, state.commitChecksum());
        CheckpointReference checkpoint = state.checkpoint();
        b.putLong(CHECKPOINT_OFFSET, checkpoint.op()).putLong(CHECKPOINT_OFFSET + 8, checkpoint.identity())
                .putLong(CHECKPOINT_OFFSET + 16, checkpoint.entryChecksum())
                .putLong(CHECKPOINT_OFFSET + 24, checkpoint.entryTimestamp())
                .putLong(CHECKPOINT_OFFSET + 32, checkpoint.fileSizeBytes())
                .putLong(CHECKPOINT_OFFSET + 40, checkpoint.fileChecksum())
                .putInt(CHECKPOINT_OFFSET + 48, state.checkpointIntervalOps());
        for (int i = 0; i < state.replicaCount(); i++) b.putLong(CRASH_VECTOR_OFFSET + 8 * i, state.crashVector().get(i));
        for (int i = 0; i < state.suffix().size(); i++) {
            byte[] header = EntryCodec.encodeHeader(state.suffix().get(i));
            System.arraycopy(header, 0, bytes, SUFFIX_OFFSET + i * EntryCodec.HEADER_SIZE_BYTES, header.length);
        }
        b.putLong(0, checksumOf(bytes, state.suffix().size()));
        return bytes;
    }

    /** The last format version before checkpoints: its copies are refused with a request to format again. */
    static final short VERSION_2 = 2;

    /**
     * True when {@code bytes} is an intact copy of format version 2 (its own checksum, over its
     * used bytes only: no checkpoint block, up to 126 suffix headers), which this build does not read.
     */
    static boolean intactVersion2(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int claimed = b.getInt(96);
        int suffixOffsetVersion2 = 256;
        int suffixMaxVersion2 = (COPY_SIZE_BYTES - suffixOffsetVersion2) / EntryCodec.HEADER_SIZE_BYTES;
        return b.getInt(8) == MAGIC && b.getShort(12) == VERSION_2 && claimed >= 0 && claimed <= suffixMaxVersion2
                && b.getLong(0) == Checksum.of(bytes, 8, suffixOffsetVersion2 + claimed * EntryCodec.HEADER_SIZE_BYTES - 8);
    }

    static State decode(byte[] bytes, int copyIndex) throws CodecException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (intactVersion2(bytes)) {
            throw new CodecException(CodecException.Kind.FOREIGN, "superblock copy " + copyIndex + ": format version "
                    + VERSION_2 + ", written by an older build; this build reads version " + VERSION
                    + " (checkpoints) only: format the data directory again (vsr format)");
        }
        int claimed = b.getInt(96);
        if (claimed < 0 || claimed > SUFFIX_HEADERS_MAX
                || b.getLong(0) != checksumOf(bytes, claimed)) {
            throw new CodecException(CodecException.Kind.HEADER_CHECKSUM, "superblock copy " + copyIndex + ": checksum mismatch");
        }
        if (b.getInt(8) != MAGIC || b.getShort(12) != VERSION) {
            throw new CodecException(CodecException.Kind.FOREIGN, "superblock copy " + copyIndex
                    + ": not a Viewstamp superblock of format version " + VERSION);
        }
        if (b.getShort(14) != copyIndex) {
            // A misdirected write: intact, but meant for another copy's place.
            throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + " holds copy "
                    + b.getShort(14));
        }
        int suffixCount = claimed; // within 0..SUFFIX_HEADERS_MAX, or the checksum check above failed
        int used = SUFFIX_OFFSET + suffixCount * EntryCodec.HEADER_SIZE_BYTES;
        int replicaCount = b.getShort(34);
        if (replicaCount < 1 || replicaCount > REPLICAS_MAX) {
            throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + ": " + replicaCount
                    + " replicas");
        }
        int flags = b.getInt(108);
        if ((flags & ~FLAG_RECOVERING) != 0) {
            throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + ": unknown flags "
                    + Integer.toHexString(flags));
        }
        checkReservedBytes(bytes, copyIndex, replicaCount, used);
        long clusterId = b.getLong(24);
        List<EntryCodec.Header> suffix = new ArrayList<>(suffixCount);
        for (int i = 0; i < suffixCount; i++) {
            suffix.add(EntryCodec.decodeHeader(bytes, SUFFIX_OFFSET + i * EntryCodec.HEADER_SIZE_BYTES, clusterId,
                    Integer.MAX_VALUE));
        }
        try {
            return new Builder().sequence(b.getLong(16)).clusterId(clusterId).replicaIndex(b.getShort(32))
                    .replicaCount(replicaCount).pipelinePrepareCountMax(b.getInt(36)).view(b.getLong(40))
                    .logView(b.getLong(48)).commit(b.getLong(56), b.getLong(120))
                    .logHead(b.getLong(64), b.getLong(72), suffix).formatId(b.getLong(80))
                    .journalSequence(b.getLong(88)).journalSlotCount(b.getInt(100)).journalBodySizeBytesMax(b.getInt(104))
                    .damagedOpMax(b.getLong(112) - 1).crashVector(crashVector(b, replicaCount))
                    .recovering((flags & FLAG_RECOVERING) != 0).checkpointIntervalOps(b.getInt(CHECKPOINT_OFFSET + 48))
                    .checkpoint(checkpoint(b)).build();
        } catch (IllegalArgumentException e) {
            throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + ": " + e.getMessage());
        }
    }

    /** Every byte that carries no field (beyond the crash vector's replicas, the suffix and the checkpoint fields) is zero. */
    private static void checkReservedBytes(byte[] bytes, int copyIndex, int replicaCount, int used) throws CodecException {
        for (int i = FIXED_BYTES; i < COPY_SIZE_BYTES; i++) {
            if (i == CRASH_VECTOR_OFFSET) i = CRASH_VECTOR_OFFSET + 8 * replicaCount;
            if (i == SUFFIX_OFFSET) i = used;
            if (i == CHECKPOINT_OFFSET) i = CHECKPOINT_OFFSET + CHECKPOINT_FIELDS_BYTES;
            if (i < COPY_SIZE_BYTES && bytes[i] != 0) {
                throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + ": reserved byte "
                        + i + " not zero");
            }
        }
    }

    /** The checkpoint a copy names. @throws IllegalArgumentException when its fields do not fit together */
    private static CheckpointReference checkpoint(ByteBuffer b) {
        return new CheckpointReference(b.getLong(CHECKPOINT_OFFSET), b.getLong(CHECKPOINT_OFFSET + 8),
                b.getLong(CHECKPOINT_OFFSET + 16), b.getLong(CHECKPOINT_OFFSET + 24), b.getLong(CHECKPOINT_OFFSET + 32),
                b.getLong(CHECKPOINT_OFFSET + 40));
    }

    /**
     * Writes {@code state} into every copy in turn, syncing after each. {@code completion} runs after
     * the last sync, or with the first error (the state is then not durable).
     */
    public static void write(Disk disk, State state, Disk.Completion completion) {
        writeCopy(disk, state, 0, completion);
    }

    private static void writeCopy(Disk disk, State state, int copyIndex, Disk.Completion completion) {
        if (copyIndex == COPIES) {
            completion.done(null);
            return;
        }
        disk.write((long) copyIndex * COPY_SIZE_BYTES, encode(state, copyIndex), error -> {
            if (error != null) {
                completion.done(error);
                return;
            }
            disk.sync(syncError -> {
                if (syncError != null) completion.done(syncError);
                else writeCopy(disk, state, copyIndex + 1, completion);
            });
        });
    }

    /** Reads every copy and reports the newest valid state. */
    public static void read(Disk disk, Consumer<ReadResult> done) {
        State[] states = new State[COPIES];
        CopyStatus[] status = new CopyStatus[COPIES];
        List<String> problems = new ArrayList<>();
        readCopy(disk, 0, states, status, problems, done);
    }

    private static void readCopy(Disk disk, int copyIndex, State[] states, CopyStatus[] status, List<String> problems,
            Consumer<ReadResult> done) {
        if (copyIndex == COPIES) {
            State newest = null;
            for (State s : states) if (s != null && (newest == null || s.sequence() > newest.sequence())) newest = s;
            List<CopyStatus> copies = new ArrayList<>();
            for (int i = 0; i < COPIES; i++) {
                CopyStatus s = status[i];
                if (s == CopyStatus.VALID && !states[i].equals(newest)) s = CopyStatus.STALE;
                copies.add(s);
            }
            done.accept(new ReadResult(newest, List.copyOf(copies), List.copyOf(problems)));
            return;
        }
        byte[] bytes = new byte[COPY_SIZE_BYTES];
        disk.read((long) copyIndex * COPY_SIZE_BYTES, bytes, error -> {
            if (error != null) {
                status[copyIndex] = CopyStatus.UNREADABLE;
                problems.add("superblock copy " + copyIndex + ": " + error);
            } else {
                try {
                    states[copyIndex] = decode(bytes, copyIndex);
                    status[copyIndex] = CopyStatus.VALID;
                } catch (CodecException e) {
                    status[copyIndex] = intactVersion2(bytes) ? CopyStatus.OLDER_VERSION : CopyStatus.INVALID;
                    problems.add(e.getMessage());
                }
            }
            readCopy(disk, copyIndex + 1, states, status, problems, done);
        });
    }
}
