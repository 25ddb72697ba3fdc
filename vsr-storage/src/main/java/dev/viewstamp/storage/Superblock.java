package dev.viewstamp.storage;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.core.Checksum;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The replica's small, vital state: identity (cluster, replica), {@code view}, {@code logView},
 * the commit number and the head of the log, kept in {@link #COPIES} redundant copies at the
 * start of the disk. Each copy has a checksum, its own index and a sequence number; a write puts
 * the same new state (sequence + 1) into every copy, one after the other, then syncs.
 *
 * <p>Reading takes the valid copy with the highest sequence. A crash during a write leaves some
 * copies new and some old, and either state is one the replica was entitled to have (it acts on a
 * new state only after the sync). A torn, corrupt or misdirected copy fails its checksum or its
 * index check; as long as one copy of the latest state is intact, nothing durable is lost. The
 * state fits in the first 512 bytes of a copy (the rest is zero), so a write torn at sector
 * granularity leaves each copy wholly old or wholly new.
 *
 * <pre>
 * copy (4096 bytes, little-endian)
 *   0 u64 checksum of bytes 8..4095   8 u32 magic 'VSRS'   12 u16 version   14 u16 copy index
 *  16 u64 sequence   24 u64 cluster id   32 u32 replica index   36 u32 replica count
 *  40 u64 view       48 u64 log view     56 u64 commit max
 *  64 u64 log head op   72 u64 log head checksum   80 u64 incarnation
 *  88 u64 journal sequence (the journal's last write sequence when this state was written)
 *  96..4095 zero
 * </pre>
 */
public final class Superblock {
    public static final int COPIES = 4;
    public static final int COPY_SIZE_BYTES = 4096;
    public static final long ZONE_SIZE_BYTES = (long) COPIES * COPY_SIZE_BYTES;
    static final int MAGIC = 0x53525356; // "VSRS" little-endian
    static final short VERSION = 1;
    private static final int USED_BYTES = 96;

    private Superblock() {}

    /** The state a superblock holds. */
    public record State(long sequence, long clusterId, int replicaIndex, int replicaCount, long view, long logView,
            long commitMax, long logHeadOp, long logHeadChecksum, long incarnation, long journalSequence) {

        public State {
            if (sequence < 0 || clusterId < 0 || replicaIndex < 0 || replicaCount < 1 || replicaIndex >= replicaCount
                    || view < logView || logView < 0 || commitMax < 0 || logHeadOp < 0 || journalSequence < 0) {
                throw new IllegalArgumentException("inconsistent superblock state: sequence=" + sequence + " cluster="
                        + clusterId + " replica=" + replicaIndex + "/" + replicaCount + " view=" + view + " logView="
                        + logView + " commitMax=" + commitMax + " logHeadOp=" + logHeadOp);
            }
        }

        /** The same state with the views, commit, log head and journal sequence replaced, and the next sequence. */
        public State next(long viewNew, long logViewNew, long commitMaxNew, long headOp, long headChecksum,
                long journalSequenceNew) {
            return new State(sequence + 1, clusterId, replicaIndex, replicaCount, viewNew, logViewNew,
                    Math.max(commitMax, commitMaxNew), headOp, headChecksum, incarnation, journalSequenceNew);
        }
    }

    /** What one copy held when read. */
    public enum CopyStatus { VALID, STALE, INVALID, UNREADABLE }

    /** The newest valid state (null when no copy is valid), and the status of each copy. */
    public record ReadResult(State state, List<CopyStatus> copies, List<String> problems) {
        /** True when some copy is not a valid copy of the newest state: it should be rewritten. */
        public boolean degraded() {
            return copies.stream().anyMatch(c -> c != CopyStatus.VALID);
        }
    }

    static byte[] encode(State state, int copyIndex) {
        byte[] bytes = new byte[COPY_SIZE_BYTES];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8, MAGIC).putShort(12, VERSION).putShort(14, (short) copyIndex);
        b.putLong(16, state.sequence()).putLong(24, state.clusterId()).putInt(32, state.replicaIndex())
                .putInt(36, state.replicaCount()).putLong(40, state.view()).putLong(48, state.logView())
                .putLong(56, state.commitMax()).putLong(64, state.logHeadOp()).putLong(72, state.logHeadChecksum())
                .putLong(80, state.incarnation()).putLong(88, state.journalSequence());
        b.putLong(0, Checksum.of(bytes, 8, COPY_SIZE_BYTES - 8));
        return bytes;
    }

    static State decode(byte[] bytes, int copyIndex) throws CodecException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != Checksum.of(bytes, 8, COPY_SIZE_BYTES - 8)) {
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
        for (int i = USED_BYTES; i < COPY_SIZE_BYTES; i++) {
            if (bytes[i] != 0) throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex
                    + ": reserved byte " + i + " not zero");
        }
        try {
            return new State(b.getLong(16), b.getLong(24), b.getInt(32), b.getInt(36), b.getLong(40), b.getLong(48),
                    b.getLong(56), b.getLong(64), b.getLong(72), b.getLong(80), b.getLong(88));
        } catch (IllegalArgumentException e) {
            throw new CodecException(CodecException.Kind.MALFORMED, "superblock copy " + copyIndex + ": " + e.getMessage());
        }
    }

    /**
     * Writes {@code state} into every copy, in order, then syncs. {@code completion} runs after the
     * sync, or with the first error (the state is then not durable).
     */
    public static void write(Disk disk, State state, Disk.Completion completion) {
        writeCopy(disk, state, 0, completion);
    }

    private static void writeCopy(Disk disk, State state, int copyIndex, Disk.Completion completion) {
        if (copyIndex == COPIES) {
            disk.sync(completion);
            return;
        }
        disk.write((long) copyIndex * COPY_SIZE_BYTES, encode(state, copyIndex), error -> {
            if (error != null) completion.done(error);
            else writeCopy(disk, state, copyIndex + 1, completion);
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
                    status[copyIndex] = CopyStatus.INVALID;
                    problems.add(e.getMessage());
                }
            }
            readCopy(disk, copyIndex + 1, states, status, problems, done);
        });
    }
}
