package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardedMapTest {

    @Test
    void writesAfterShareReachNeitherSideFromTheOther() {
        ShardedMap<byte[]> original = new ShardedMap<>();
        Map<Key, byte[]> keys = keysInEveryShard();
        keys.forEach(original::put);

        ShardedMap<byte[]> shared = original.share();
        // One write of each kind, to every shard of the original, then to every shard of the copy.
        keys.forEach((key, value) -> original.put(key, Bytes.utf8("changed")));
        Key fresh = new Key(Bytes.utf8("fresh"));
        original.put(fresh, Bytes.utf8("new"));
        Key removed = keys.keySet().iterator().next();
        original.remove(removed);
        shared.put(new Key(Bytes.utf8("only-in-shared")), Bytes.utf8("x"));

        assertThat(shared.size()).isEqualTo(keys.size() + 1);
        keys.forEach((key, value) -> assertThat(shared.get(key)).isSameAs(value));
        assertThat(shared.get(fresh)).isNull();
        assertThat(original.get(new Key(Bytes.utf8("only-in-shared")))).isNull();
        assertThat(original.get(removed)).isNull();
        assertThat(original.size()).isEqualTo(keys.size());
        original.checkInvariants();
        shared.checkInvariants();
    }

    @Test
    void shareOfAShareKeepsEachGenerationApart() {
        // Two snapshots outstanding at once: each keeps the state it was taken of.
        ShardedMap<byte[]> original = new ShardedMap<>();
        Key key = new Key(Bytes.utf8("k"));
        original.put(key, Bytes.utf8("1"));
        ShardedMap<byte[]> first = original.share();
        original.put(key, Bytes.utf8("2"));
        ShardedMap<byte[]> second = original.share();
        original.put(key, Bytes.utf8("3"));

        assertThat(Bytes.utf8(first.get(key))).isEqualTo("1");
        assertThat(Bytes.utf8(second.get(key))).isEqualTo("2");
        assertThat(Bytes.utf8(original.get(key))).isEqualTo("3");
    }

    @Test
    void removingAnAbsentKeyReturnsNull() {
        ShardedMap<byte[]> map = new ShardedMap<>();
        map.share();

        assertThat(map.remove(new Key(Bytes.utf8("absent")))).isNull();
        assertThat(map.size()).isZero();
    }

    @Test
    void similarKeysSpreadOverEveryShard() {
        // Keys that differ only in their last characters, as generated keys do, must still fill
        // every shard: the shard index comes from mixed bits of the hash, not its low bits.
        int[] counts = new int[ShardedMap.SHARD_COUNT];
        int keyCount = 100 * ShardedMap.SHARD_COUNT;
        for (int i = 0; i < keyCount; i++) counts[ShardedMap.shardIndex(new Key(Bytes.utf8("key-" + i)))]++;

        int min = Arrays.stream(counts).min().orElseThrow();
        int max = Arrays.stream(counts).max().orElseThrow();
        assertThat(min).isGreaterThan(50);
        assertThat(max).isLessThan(150);
    }

    @Test
    void shardIndexDependsOnTheKeysContentOnly() {
        assertThat(ShardedMap.shardIndex(new Key(Bytes.utf8("same"))))
                .isEqualTo(ShardedMap.shardIndex(new Key(Bytes.utf8("same"))));
    }

    /** At least one key in each shard, with distinct values. */
    static Map<Key, byte[]> keysInEveryShard() {
        Map<Key, byte[]> keys = new HashMap<>();
        boolean[] covered = new boolean[ShardedMap.SHARD_COUNT];
        int coveredCount = 0;
        for (int i = 0; coveredCount < ShardedMap.SHARD_COUNT; i++) {
            Key key = new Key(Bytes.utf8("k" + i));
            keys.put(key, Bytes.utf8("v" + i));
            int shardIndex = ShardedMap.shardIndex(key);
            if (!covered[shardIndex]) {
                covered[shardIndex] = true;
                coveredCount++;
            }
        }
        return keys;
    }
}
