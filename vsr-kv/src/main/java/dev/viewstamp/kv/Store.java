package dev.viewstamp.kv;

import dev.viewstamp.core.check.Check;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The state of {@link KvStateMachine}: the entries, their expiry times, and the state checksum
 * over both. Every write goes through here, so the checksum and the expiry index never drift
 * from the maps.
 *
 * <p>Expiry is eager and deterministic: {@link #expireUpTo} removes every key whose expiry time is
 * at or before the op's timestamp, and {@link KvStateMachine} calls it before every op. So no
 * command ever sees an expired key, and every replica removes the same keys at the same op,
 * which keeps their checksums equal. The index is ordered by (time, key bytes), so the keys of
 * one instant go in one order on every replica; the result would not depend on it anyway.
 *
 * <p>Copy-on-write, as {@link ShardedMap}: {@link #snapshot} shares both maps in O(shards). The
 * ordered index is never shared; it is rebuilt from the expiry map on {@link #install}.
 */
final class Store {

    /**
     * Invariant: every key is within {@code keySizeBytesMax} and every value within
     * {@code valueSizeBytesMax}. Arrays are never changed in place: a write stores a new array.
     */
    private ShardedMap<byte[]> entries = new ShardedMap<>();

    /**
     * The expiry time, in Unix milliseconds, of each key that has one. Invariant: every key here
     * is also in {@link #entries}, and after {@link #expireUpTo}(t) every time here is above t.
     */
    private ShardedMap<Long> expiries = new ShardedMap<>();

    /** Invariant: exactly the pairs of {@link #expiries}, ordered by time, then by key bytes. */
    private TreeSet<Expiry> expiryOrder = new TreeSet<>();

    /**
     * Invariant: the sum, modulo 2^64, of {@link EntryHash#of} over all entries plus
     * {@link EntryHash#ofExpiry} over all expiries. O(1) to read, independent of any map order.
     */
    private long checksum;

    /** One entry of the expiry index. */
    private record Expiry(long atMs, Key key) implements Comparable<Expiry> {
        @Override
        public int compareTo(Expiry other) {
            int byTime = Long.compare(atMs, other.atMs);
            return byTime != 0 ? byTime : Arrays.compareUnsigned(key.bytes(), other.key.bytes());
        }
    }

    /** The value of {@code key}, or null. The stored array: don't change it. */
    byte[] get(Key key) {
        return entries.get(key);
    }

    boolean contains(Key key) {
        return entries.get(key) != null;
    }

    /** The expiry time of {@code key} in Unix ms, or null if it has none (or is absent). */
    Long expireAtMs(Key key) {
        return expiries.get(key);
    }

    /**
     * Sets {@code key} to {@code value}; the store keeps the array. {@code keepTtl} keeps an
     * existing expiry (APPEND, INCR, SET KEEPTTL); otherwise the key no longer expires, as a Redis
     * SET without KEEPTTL does.
     */
    void put(Key key, byte[] value, boolean keepTtl) {
        byte[] previous = entries.put(key, value);
        if (previous != null) checksum -= EntryHash.of(key.bytes(), previous);
        checksum += EntryHash.of(key.bytes(), value);
        if (!keepTtl) persist(key);
    }

    /** Removes {@code key} and its expiry; returns its value, or null if it was absent. */
    byte[] remove(Key key) {
        byte[] removed = entries.remove(key);
        if (removed == null) return null;
        checksum -= EntryHash.of(key.bytes(), removed);
        persist(key);
        return removed;
    }

    /** Sets the expiry of {@code key}, which must exist, to {@code atMs}. */
    void expireAt(Key key, long atMs) {
        Check.that(contains(key), "an expiry is set only on a key that exists");
        persist(key);
        expiries.put(key, atMs);
        expiryOrder.add(new Expiry(atMs, key));
        checksum += EntryHash.ofExpiry(key.bytes(), atMs);
    }

    /** Removes the expiry of {@code key}; true if it had one. */
    boolean persist(Key key) {
        Long atMs = expiries.remove(key);
        if (atMs == null) return false;
        expiryOrder.remove(new Expiry(atMs, key));
        checksum -= EntryHash.ofExpiry(key.bytes(), atMs);
        return true;
    }

    /** Removes every key whose expiry time is at or before {@code nowMs}; returns how many. */
    int expireUpTo(long nowMs) {
        int removedCount = 0;
        while (!expiryOrder.isEmpty() && expiryOrder.first().atMs() <= nowMs) {
            remove(expiryOrder.first().key());
            removedCount++;
        }
        return removedCount;
    }

    /** Removes every key. Snapshots keep the maps they hold. */
    void clear() {
        entries = new ShardedMap<>();
        expiries = new ShardedMap<>();
        expiryOrder = new TreeSet<>();
        checksum = 0;
    }

    long size() {
        return entries.size();
    }

    long expiryCount() {
        return expiryOrder.size();
    }

    long checksum() {
        return checksum;
    }

    /** A key with its {@link ShardedMap#scanPosition}, ordered by position (unsigned), then by key bytes. */
    private record Positioned(long position, Key key) implements Comparable<Positioned> {
        @Override
        public int compareTo(Positioned other) {
            int byPosition = Long.compareUnsigned(position, other.position);
            return byPosition != 0 ? byPosition : Arrays.compareUnsigned(key.bytes(), other.key.bytes());
        }
    }

    /** A page of a SCAN: the keys, and the cursor to continue from (0 when the walk is done). */
    record ScanPage(List<byte[]> keys, long cursor) {}

    /**
     * One step of a SCAN from {@code cursor}: the keys whose {@link ShardedMap#scanPosition} is at
     * or above the cursor (unsigned), in position order, at least {@code countMin} of them unless
     * fewer remain, and never a page that ends between two keys of the same position. Those that
     * {@code match} accepts are returned. The next cursor is the last position plus one.
     *
     * <p>Because a key's position never changes, a walk from 0 to 0 returns every key that exists
     * throughout it exactly once: a page covers a range of positions, and the next page starts just
     * above it. Keys added or removed during the walk may or may not be returned, as in Redis.
     */
    ScanPage scan(long cursor, int countMin, Predicate<byte[]> match) {
        List<byte[]> keys = new ArrayList<>();
        int taken = 0;
        int shardIndexFirst = ShardedMap.shardIndexOfPosition(cursor);
        for (int shardIndex = shardIndexFirst; shardIndex < ShardedMap.SHARD_COUNT; shardIndex++) {
            List<Positioned> candidates = new ArrayList<>();
            entries.forEachInShard(shardIndex, (key, value) -> {
                long position = ShardedMap.scanPosition(key);
                if (Long.compareUnsigned(position, cursor) >= 0) candidates.add(new Positioned(position, key));
            });
            // Sorted, so that the page is the same on every replica whatever each shard's HashMap order.
            candidates.sort(null);
            for (int i = 0; i < candidates.size(); i++) {
                Positioned candidate = candidates.get(i);
                if (match.test(candidate.key().bytes())) keys.add(candidate.key().bytes().clone());
                taken++;
                boolean tieFollows = i + 1 < candidates.size() && candidates.get(i + 1).position() == candidate.position();
                if (taken >= countMin && !tieFollows) {
                    // Plus one wraps to 0 only after the last possible position, when the walk is done.
                    return new ScanPage(keys, candidate.position() + 1);
                }
            }
        }
        return new ScanPage(keys, 0);
    }

    KvSnapshot snapshot(KvLimits limits) {
        return new KvSnapshot(entries.share(), expiries.share(), limits, expiryOrder.size(), checksum);
    }

    /** Installs what {@link SnapshotCodec#read} rebuilt, which passed every check. */
    void install(SnapshotCodec.Restored restored) {
        TreeSet<Expiry> order = new TreeSet<>();
        restored.expiries().forEach((key, atMs) -> order.add(new Expiry(atMs, key)));
        entries = restored.entries();
        expiries = restored.expiries();
        expiryOrder = order;
        checksum = restored.stateChecksum();
    }

    /** The expensive invariants: a full scan, so only under {@code Verify.ENABLED}. */
    void checkInvariants(KvLimits limits) {
        long[] checksumRecomputed = {0};
        entries.forEach((key, value) -> {
            Check.that(key.bytes().length <= limits.keySizeBytesMax(), "key within keySizeBytesMax");
            Check.that(value.length <= limits.valueSizeBytesMax(), "value within valueSizeBytesMax");
            checksumRecomputed[0] += EntryHash.of(key.bytes(), value);
        });
        long[] expiryCount = {0};
        expiries.forEach((key, atMs) -> {
            Check.that(entries.get(key) != null, "an expiring key exists");
            Check.that(expiryOrder.contains(new Expiry(atMs, key)), "expiry in the ordered index");
            checksumRecomputed[0] += EntryHash.ofExpiry(key.bytes(), atMs);
            expiryCount[0]++;
        });
        Check.that(expiryCount[0] == expiryOrder.size(), "expiry index size equals expiry count",
                expiryCount[0], expiryOrder.size());
        Check.that(checksum == checksumRecomputed[0], "incremental checksum equals recomputed", checksum,
                checksumRecomputed[0]);
        entries.checkInvariants();
        expiries.checkInvariants();
    }
}
