package dev.viewstamp.kv;

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
import dev.viewstamp.kv.redis.RedisBatch;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The replicated key-value store: executes encoded {@link KvCommand}s and returns encoded
 * {@link KvResult}s, and executes {@link RedisBatch}es of Redis string commands and returns their
 * RESP2 replies. Both kinds work on the same keys: a Redis GET reads what a {@link KvCommand.Put}
 * wrote, and a {@link KvCommand.Get} reads what a Redis SET wrote.
 *
 * <p>Deterministic, as {@link StateMachine} requires: a reply depends only on the store, the
 * command and the op's timestamp. Keys may carry an expiry time in Unix milliseconds; the
 * timestamp, which the primary stamps on the prepare and every replica executes with, is "now".
 * Before each op, every key whose expiry time is at or before the timestamp is removed (see
 * {@link Store}), so every replica removes the same keys at the same op and no command sees an
 * expired key. The older commands respect expiry too: a {@code Put} or {@code CompareAndSet} that
 * writes a key clears its expiry, as a Redis SET does, and an {@code Append} keeps it, as Redis's
 * APPEND does. Bad input is not an assertion: clients can send any bytes, and a committed op runs on
 * every replica, so malformed bytes and commands over {@link KvLimits} get an {@link Failure} reply
 * and change nothing, on every replica alike. An exception here would stop every replica on the
 * same op.
 *
 * <p>Snapshots are copy-on-write: {@link #snapshot()} shares the store's {@link ShardedMap#SHARD_COUNT}
 * shards (of the entries, and of the expiry times) with the snapshot in O(shards), and the first write to a shard after it copies that shard
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

    /** The entries, their expiry times and the state checksum over both; see {@link Store}. */
    private final Store store = new Store();

    private final RedisExecutor redis;

    /** A store with {@link KvLimits#defaults()}. */
    public KvStateMachine() {
        this(KvLimits.defaults());
    }

    public KvStateMachine(KvLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.redis = new RedisExecutor(store, limits);
    }

    /**
     * Removes the keys that expire at or before {@code timestamp}, then decodes and executes one
     * {@link KvCommand} or one {@link RedisBatch}. Never throws for bad bytes: they get an encoded
     * {@link Failure}.
     *
     * @param timestamp the primary's cluster time for this op, in Unix milliseconds, the same on
     *     every replica
     */
    @Override
    public byte[] execute(long op, long timestamp, byte[] operation) {
        int expiredCount = store.expireUpTo(timestamp);
        if (expiredCount > 0) LOG.log(Level.TRACE, () -> "op " + op + ": " + expiredCount + " keys expired");
        byte[] reply = RedisBatch.isBatch(operation)
                ? executeRedisBatch(op, timestamp, operation)
                : executeCommand(op, operation);
        if (Verify.ENABLED) checkInvariants();
        return reply;
    }

    private byte[] executeCommand(long op, byte[] operation) {
        KvResult result;
        try {
            result = apply(KvCommand.decode(operation));
        } catch (KvFormatException e) {
            result = new Failure(e.getMessage());
        }
        if (result instanceof Failure error) {
            LOG.log(Level.DEBUG, () -> "op " + op + ": command rejected: " + error.message());
        }
        return result.encode();
    }

    /**
     * Runs each command of the batch in order, all at the same {@code timestamp}, and lists their
     * RESP2 replies. A batch that does not decode changes nothing and gets a {@link Failure}.
     */
    private byte[] executeRedisBatch(long op, long timestamp, byte[] operation) {
        List<List<byte[]>> commands;
        try {
            commands = RedisBatch.decode(operation);
        } catch (KvFormatException e) {
            LOG.log(Level.DEBUG, () -> "op " + op + ": Redis batch rejected: " + e.getMessage());
            return new Failure(e.getMessage()).encode();
        }
        List<byte[]> replies = new ArrayList<>(commands.size());
        for (List<byte[]> command : commands) replies.add(redis.execute(command, timestamp));
        return RedisBatch.encodeReplies(replies);
    }

    @Override
    public long stateChecksum() {
        return store.checksum();
    }

    /**
     * A copy-on-write snapshot of the store: O(shards), never O(keys), and no copying until the
     * next write. Every shard is marked shared; the first write to each after this copies it.
     */
    @Override
    public Snapshot snapshot() {
        return store.snapshot(limits);
    }

    /**
     * Replaces the store by a snapshot's entries and expiry times. The new maps are built off to the
     * side and swapped in only after every check of {@link SnapshotCodec#read} has passed: the
     * limits in the snapshot equal this store's, every entry is within them, every expiry names an
     * entry, the trailing checksum matches, and the entries and expiries sum to the recorded state
     * checksum. Snapshots taken before stay as they were. Reads snapshot format versions 1 (no
     * expiries) and 2.
     *
     * @throws SnapshotFormatException if the bytes fail a check or end early; nothing changed
     * @throws IOException if {@code in} fails; nothing changed
     */
    @Override
    public void restore(InputStream in) throws IOException {
        SnapshotCodec.Restored restored = SnapshotCodec.read(in, limits);
        // Every check has passed; only now does anything of this store change.
        store.install(restored);
        LOG.log(Level.DEBUG, () -> "restored a snapshot of " + store.size() + " keys, state checksum "
                + String.format("0x%016X", store.checksum()));
        if (Verify.ENABLED) checkInvariants();
    }

    /** The number of keys; O(shards). */
    public int size() {
        return Math.toIntExact(store.size());
    }

    /** A copy of the value of {@code key}, or null if the key is absent. For tests and checkers. */
    public byte[] get(byte[] key) {
        return Bytes.copy(store.get(new Key(key)));
    }

    /** The value of {@code key} decoded as UTF-8, or null if the key is absent. For tests and checkers. */
    public String get(String key) {
        return Bytes.utf8(store.get(new Key(Bytes.utf8(key))));
    }

    /** The expiry time of {@code key} in Unix ms, or null if it has none or is absent. For tests. */
    public Long expireAtMs(String key) {
        return store.expireAtMs(new Key(Bytes.utf8(key)));
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

        return new Value(store.get(new Key(key)));
    }

    private KvResult onPut(Put put) {
        byte[] key = put.key();
        byte[] value = put.value();
        String oversize = firstNonNull(oversizeKey("Put", key), oversizeValue("Put", "value", value));
        if (oversize != null) return new Failure(oversize);

        // Like a Redis SET, a put replaces the value and clears any expiry.
        store.put(new Key(key), value, false);
        return new Ok();
    }

    private KvResult onAppend(Append append) {
        byte[] key = append.key();
        byte[] suffix = append.value();
        String oversize = firstNonNull(oversizeKey("Append", key), oversizeValue("Append", "value", suffix));
        if (oversize != null) return new Failure(oversize);

        // A missing key appends to the empty value, as Redis APPEND does.
        byte[] current = Objects.requireNonNullElse(store.get(new Key(key)), EMPTY);
        // Example: a 60 KiB value plus a 5 KiB suffix is over 64 KiB even though each part is under.
        long sizeBytes = (long) current.length + suffix.length;
        if (sizeBytes > limits.valueSizeBytesMax()) {
            return new Failure("Append: value size after append " + sizeBytes + " bytes > valueSizeBytesMax "
                    + limits.valueSizeBytesMax());
        }
        // A new array, never current extended in place: a snapshot may still hold current.
        byte[] value = Arrays.copyOf(current, (int) sizeBytes);
        System.arraycopy(suffix, 0, value, current.length, suffix.length);
        // Like Redis's APPEND, which changes the value in place, an append keeps the expiry.
        store.put(new Key(key), value, true);
        return new Ok();
    }

    private KvResult onDelete(Delete delete) {
        byte[] key = delete.key();
        String oversize = oversizeKey("Delete", key);
        if (oversize != null) return new Failure(oversize);

        return new Deleted(store.remove(new Key(key)) != null);
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

        byte[] current = store.get(new Key(key));
        // Arrays.equals(null, null) is true: expecting absence matches an absent key.
        if (!Arrays.equals(current, expected)) return new CasFailed(current);
        // A successful compare-and-set is a put: it clears any expiry.
        store.put(new Key(key), value, false);
        return new CasOk();
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
        store.checkInvariants(limits);
    }
}
