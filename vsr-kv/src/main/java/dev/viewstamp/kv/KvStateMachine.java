package dev.viewstamp.kv;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.check.Verify;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.kv.KvCommand.Append;
import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Delete;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import dev.viewstamp.kv.KvResult.CasFailed;
import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Failure;
import dev.viewstamp.kv.KvResult.Ok;
import dev.viewstamp.kv.KvResult.Value;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Objects;

/**
 * The replicated key-value store: executes encoded {@link KvCommand}s and returns encoded
 * {@link KvResult}s.
 *
 * <p>Deterministic, as {@link StateMachine} requires: a reply depends only on the map and the
 * command. Bad input is not an assertion: clients can send any bytes, and a committed op runs on
 * every replica, so malformed bytes and commands over {@link KvLimits} get an {@link Failure} reply
 * and change nothing, on every replica alike. An exception here would stop every replica on the
 * same op.
 *
 * <p>Snapshots are copy-on-write: {@link #snapshot()} shares the store's {@link ShardedMap#SHARD_COUNT}
 * shards with the snapshot in O(shards), and the first write to a shard after it copies that shard
 * alone. {@link #restore} reads the format of {@link SnapshotCodec}.
 *
 * <p>Threads: every method of this class runs on the replica's thread only, one at a time. The
 * one thing that may run elsewhere is {@link StateMachine.Snapshot#writeTo} of a snapshot this
 * store handed out, concurrently with any method here, {@link #restore} included. That is safe
 * because this store never writes a map, or a value array, that a snapshot holds: it copies a
 * shared shard before writing it, stores new arrays rather than changing old ones, and a restore
 * installs new maps rather than clearing the old. Publishing the snapshot to the writing thread is
 * the caller's job, through a happens-before edge such as an executor hand-off.
 */
public final class KvStateMachine implements StateMachine {

    private static final System.Logger LOG = System.getLogger(KvStateMachine.class.getName());
    private static final byte[] EMPTY = new byte[0];

    private final KvLimits limits;

    /**
     * The store. Invariant: every key is within {@code keySizeBytesMax} and every value within
     * {@code valueSizeBytesMax}. The arrays are never handed out, only copies of them, and never
     * changed in place: a write stores a new array.
     */
    private ShardedMap entries = new ShardedMap();

    /**
     * Invariant: the sum, modulo 2^64, of {@link EntryHash#of} over all entries. Kept up to date on
     * every write, so {@link #stateChecksum()} is O(1) and independent of the map's iteration
     * order. Recomputed and compared after every op when {@link Verify#ENABLED}.
     */
    private long checksum;

    /** A store with {@link KvLimits#defaults()}. */
    public KvStateMachine() {
        this(KvLimits.defaults());
    }

    public KvStateMachine(KvLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Decodes and executes one command. Never throws for bad bytes: they get an encoded
     * {@link Failure}. The timestamp is unused, because no command depends on time yet.
     */
    @Override
    public byte[] execute(long op, long timestamp, byte[] operation) {
        KvResult result;
        try {
            result = apply(KvCommand.decode(operation));
        } catch (KvFormatException e) {
            result = new Failure(e.getMessage());
        }
        if (result instanceof Failure error) {
            LOG.log(Level.DEBUG, () -> "op " + op + ": command rejected: " + error.message());
        }
        if (Verify.ENABLED) checkInvariants();
        return result.encode();
    }

    @Override
    public long stateChecksum() {
        return checksum;
    }

    /**
     * A copy-on-write snapshot of the store: O(shards), never O(keys), and no copying until the
     * next write. Every shard is marked shared; the first write to each after this copies it.
     */
    @Override
    public Snapshot snapshot() {
        return new KvSnapshot(entries.share(), limits, checksum);
    }

    /**
     * Replaces the store by a snapshot's entries. The new maps are built off to the side and
     * swapped in only after every check of {@link SnapshotCodec#read} has passed: the limits in
     * the snapshot equal this store's, every entry is within them, the trailing checksum matches,
     * and the entries sum to the recorded state checksum. Snapshots taken before stay as they were.
     *
     * @throws SnapshotFormatException if the bytes fail a check or end early; nothing changed
     * @throws IOException if {@code in} fails; nothing changed
     */
    @Override
    public void restore(InputStream in) throws IOException {
        SnapshotCodec.Restored restored = SnapshotCodec.read(in, limits);
        // Every check has passed; only now does anything of this store change.
        entries = restored.entries();
        checksum = restored.stateChecksum();
        LOG.log(Level.DEBUG, () -> "restored a snapshot of " + entries.size() + " keys, state checksum "
                + String.format("0x%016X", checksum));
        if (Verify.ENABLED) checkInvariants();
    }

    /** The number of keys; O(shards). */
    public int size() {
        return Math.toIntExact(entries.size());
    }

    /** A copy of the value of {@code key}, or null if the key is absent. For tests and checkers. */
    public byte[] get(byte[] key) {
        return Bytes.copy(entries.get(new Key(key)));
    }

    /** The value of {@code key} decoded as UTF-8, or null if the key is absent. For tests and checkers. */
    public String get(String key) {
        return Bytes.utf8(entries.get(new Key(Bytes.utf8(key))));
    }

    public KvLimits limits() {
        return limits;
    }

    /** Executes a decoded command. */
    KvResult apply(KvCommand command) {
        return switch (command) {
            case Get get -> onGet(get);
            case Put put -> onPut(put);
            case Append append -> onAppend(append);
            case Delete delete -> onDelete(delete);
            case CompareAndSet cas -> onCompareAndSet(cas);
        };
    }

    private KvResult onGet(Get get) {
        byte[] key = get.key();
        String oversize = oversizeKey("Get", key);
        if (oversize != null) return new Failure(oversize);

        return new Value(entries.get(new Key(key)));
    }

    private KvResult onPut(Put put) {
        byte[] key = put.key();
        byte[] value = put.value();
        String oversize = firstNonNull(oversizeKey("Put", key), oversizeValue("Put", "value", value));
        if (oversize != null) return new Failure(oversize);

        write(new Key(key), value);
        return new Ok();
    }

    private KvResult onAppend(Append append) {
        byte[] key = append.key();
        byte[] suffix = append.value();
        String oversize = firstNonNull(oversizeKey("Append", key), oversizeValue("Append", "value", suffix));
        if (oversize != null) return new Failure(oversize);

        // A missing key appends to the empty value, as Redis APPEND does.
        byte[] current = Objects.requireNonNullElse(entries.get(new Key(key)), EMPTY);
        // Example: a 60 KiB value plus a 5 KiB suffix is over 64 KiB even though each part is under.
        long sizeBytes = (long) current.length + suffix.length;
        if (sizeBytes > limits.valueSizeBytesMax()) {
            return new Failure("Append: value size after append " + sizeBytes + " bytes > valueSizeBytesMax "
                    + limits.valueSizeBytesMax());
        }
        // A new array, never current extended in place: a snapshot may still hold current.
        byte[] value = Arrays.copyOf(current, (int) sizeBytes);
        System.arraycopy(suffix, 0, value, current.length, suffix.length);
        write(new Key(key), value);
        return new Ok();
    }

    private KvResult onDelete(Delete delete) {
        byte[] key = delete.key();
        String oversize = oversizeKey("Delete", key);
        if (oversize != null) return new Failure(oversize);

        byte[] removed = entries.remove(new Key(key));
        if (removed != null) checksum -= EntryHash.of(key, removed);
        return new Deleted(removed != null);
    }

    private KvResult onCompareAndSet(CompareAndSet cas) {
        byte[] key = cas.key();
        byte[] expected = cas.expected();
        byte[] value = cas.value();
        // An expected value over the limit could never match, but it is still a malformed request,
        // and rejecting it keeps the rule simple: every field of every command is within limits.
        String oversize = firstNonNull(
                oversizeKey("CompareAndSet", key),
                expected == null ? null : oversizeValue("CompareAndSet", "expected", expected),
                oversizeValue("CompareAndSet", "value", value));
        if (oversize != null) return new Failure(oversize);

        byte[] current = entries.get(new Key(key));
        // Arrays.equals(null, null) is true: expecting absence matches an absent key.
        if (!Arrays.equals(current, expected)) return new CasFailed(current);
        write(new Key(key), value);
        return new CasOk();
    }

    /**
     * Sets an entry and moves the checksum from the old entry's hash to the new one's. The store
     * keeps {@code value} itself: it is the command's own copy (the command records copy their
     * arrays) or an array built here, never one that someone else may change.
     */
    private void write(Key key, byte[] value) {
        byte[] previous = entries.put(key, value);
        if (previous != null) checksum -= EntryHash.of(key.bytes(), previous);
        checksum += EntryHash.of(key.bytes(), value);
    }

    private String oversizeKey(String what, byte[] key) {
        if (key.length <= limits.keySizeBytesMax()) return null;
        return what + ": key size " + key.length + " bytes > keySizeBytesMax " + limits.keySizeBytesMax();
    }

    private String oversizeValue(String what, String name, byte[] value) {
        if (value.length <= limits.valueSizeBytesMax()) return null;
        return what + ": " + name + " size " + value.length + " bytes > valueSizeBytesMax "
                + limits.valueSizeBytesMax();
    }

    private static String firstNonNull(String... reasons) {
        for (String reason : reasons) {
            if (reason != null) return reason;
        }
        return null;
    }

    /** The expensive invariants: a full scan, so only under {@link Verify#ENABLED}. */
    private void checkInvariants() {
        long[] checksumRecomputed = {0};
        entries.forEach((key, value) -> {
            Check.that(key.bytes().length <= limits.keySizeBytesMax(), "key within keySizeBytesMax");
            Check.that(value.length <= limits.valueSizeBytesMax(), "value within valueSizeBytesMax");
            checksumRecomputed[0] += EntryHash.of(key.bytes(), value);
        });
        Check.that(checksum == checksumRecomputed[0], "incremental checksum equals recomputed", checksum,
                checksumRecomputed[0]);
        entries.checkInvariants();
    }
}
