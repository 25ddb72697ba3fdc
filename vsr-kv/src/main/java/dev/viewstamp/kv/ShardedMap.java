package dev.viewstamp.kv;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import java.util.Arrays;
import java.util.HashMap;
import java.util.function.BiConsumer;

/**
 * The store's map from key to value, split into {@link #SHARD_COUNT} {@link HashMap}s by a hash of
 * the key, so that a snapshot can share the maps instead of copying them.
 *
 * <p>Copy-on-write: {@link #share()} returns a second map that holds the same {@code HashMap}s and
 * marks every shard shared in both. Before either side first writes a shared shard, it copies that
 * shard (and only it) and writes the copy. So taking a snapshot costs O(shards), never O(keys),
 * and the copying that it defers is paid one shard at a time, by the first write to each shard
 * after it.
 *
 * <p>Invariant: a {@code HashMap} that two {@code ShardedMap}s hold is never written again, by
 * either of them. This is what lets another thread read a shared map while this one goes on
 * writing its own copies. Reading includes no hidden write either: {@code HashMap.entrySet()}
 * caches its view in a field of the map, so iteration here goes through {@code forEach}, which only
 * reads. Values are never changed in place (a put stores a new array, an append builds one), so
 * sharing the arrays between the copies is safe too.
 *
 * <p>Not thread-safe: one thread owns each {@code ShardedMap}. Only the invariant above makes it
 * safe for two threads to own the two sides of a {@link #share()}.
 */
final class ShardedMap<V> {

    /**
     * 1024: a balance between the two costs that the count trades. Taking a snapshot clones the
     * array of shards and marks each shared, so it costs a few microseconds per thousand shards.
     * The first write to a shard after a snapshot copies that shard, which stalls that one op for
     * the time it takes to copy keys/1024 entries: about a thousand at a million keys, tens of
     * microseconds. Fewer shards make those stalls longer; more make every snapshot (and an empty
     * store, at about 50 bytes per empty {@code HashMap}) dearer for no gain in total copying. A
     * power of two, so that the shard index is a bit field of the hash.
     */
    static final int SHARD_COUNT = 1024;

    private static final int SHARD_INDEX_BITS = Integer.numberOfTrailingZeros(SHARD_COUNT);

    /** Invariant: {@code shards[i]} holds exactly the keys whose {@link #shardIndex} is i. */
    private final HashMap<Key, V>[] shards;

    /**
     * Invariant: {@code shared[i]} is true if another {@code ShardedMap} may hold
     * {@code shards[i]}; this one then copies it before writing it. Once false for a shard, it
     * stays false until the next {@link #share()}.
     */
    private final boolean[] shared;

    ShardedMap() {
        this(ShardedMap.<V>newShards(), new boolean[SHARD_COUNT]);
        for (int i = 0; i < SHARD_COUNT; i++) shards[i] = new HashMap<>();
    }

    private ShardedMap(HashMap<Key, V>[] shards, boolean[] shared) {
        this.shards = shards;
        this.shared = shared;
    }

    /**
     * The shard of {@code key}: the top bits of a mix of the key's content hash. Deterministic,
     * so every replica and every run puts a key in the same shard (never an identity hash). The
     * mix matters: {@code HashMap} places a key by the low bits of the same
     * {@link Key#hashCode()}, so taking the shard from those bits would put every key of a shard
     * in the same few buckets.
     */
    static int shardIndex(Key key) {
        return shardIndexOfPosition(scanPosition(key));
    }

    /** The shard that holds the keys of {@link #scanPosition} {@code position}: its top bits. */
    static int shardIndexOfPosition(long position) {
        return (int) (position >>> (Long.SIZE - SHARD_INDEX_BITS));
    }

    /** The value of {@code key}, or null if it is absent. The array is the stored one: don't change it. */
    V get(Key key) {
        return shards[shardIndex(key)].get(key);
    }

    /**
     * Sets {@code key} to {@code value} and returns the previous value, or null. The map keeps
     * {@code value} itself, so the caller must not change it afterwards.
     */
    V put(Key key, V value) {
        return shardForWrite(shardIndex(key)).put(key, value);
    }

    /** Removes {@code key} and returns its value, or null if it was absent (then nothing is copied). */
    V remove(Key key) {
        int shardIndex = shardIndex(key);
        if (!shards[shardIndex].containsKey(key)) return null;
        return shardForWrite(shardIndex).remove(key);
    }

    /** The number of keys; O(shards). */
    long size() {
        long size = 0;
        for (HashMap<Key, V> shard : shards) size += shard.size();
        return size;
    }

    /**
     * Calls {@code action} on every entry, shard by shard. The order is the same each time for a
     * map that nobody writes in between, which is what makes a snapshot write the same bytes each
     * time. Writes nothing, not even a cached view, so it may run on a shared map on another
     * thread (see the class comment).
     */
    void forEach(BiConsumer<Key, ? super V> action) {
        for (HashMap<Key, V> shard : shards) shard.forEach(action);
    }

    /**
     * A map with the same entries that shares every shard with this one; O(shards). Each of the
     * two copies a shard before its first write to it, so neither ever sees the other's writes.
     */
    ShardedMap<V> share() {
        Arrays.fill(shared, true);
        boolean[] sharedToo = new boolean[SHARD_COUNT];
        Arrays.fill(sharedToo, true);
        return new ShardedMap<>(shards.clone(), sharedToo);
    }

    /**
     * Calls {@code action} on every entry of one shard, in that shard's order. {@link KvStateMachine}'s
     * SCAN walks the shards in index order this way, because a key's shard index is the top bits of
     * its {@link #scanPosition}, so walking shards in order walks positions in order.
     */
    void forEachInShard(int shardIndex, BiConsumer<Key, ? super V> action) {
        shards[shardIndex].forEach(action);
    }

    /**
     * The key's place in SCAN order, an unsigned 64-bit number: the same mix of the key's content
     * hash whose top bits pick its shard. Deterministic, and independent of insertion order.
     */
    static long scanPosition(Key key) {
        return Checksum.mix(key.hashCode());
    }

    /** Every key sits in its own shard. A full scan: call it only under {@code Verify.ENABLED}. */
    void checkInvariants() {
        for (int shardIndex = 0; shardIndex < SHARD_COUNT; shardIndex++) {
            int expected = shardIndex;
            shards[shardIndex].forEach((key, value) -> Check.that(shardIndex(key) == expected,
                    "key in the shard its hash selects", shardIndex(key), expected));
        }
    }

    /** The shard to write: the shard itself, or a private copy of it if it is shared. */
    private HashMap<Key, V> shardForWrite(int shardIndex) {
        if (shared[shardIndex]) {
            HashMap<Key, V> source = shards[shardIndex];
            HashMap<Key, V> copy = HashMap.newHashMap(source.size() + 1);
            // forEach, not new HashMap<>(source): the copy constructor iterates entrySet(), which
            // writes the view it caches into the shared map while another thread may be reading it.
            source.forEach(copy::put);
            shards[shardIndex] = copy;
            shared[shardIndex] = false;
        }
        return shards[shardIndex];
    }

    @SuppressWarnings("unchecked") // An array of a generic type can only be made unchecked.
    private static <V> HashMap<Key, V>[] newShards() {
        return (HashMap<Key, V>[]) new HashMap<?, ?>[SHARD_COUNT];
    }
}
