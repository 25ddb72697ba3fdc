package dev.viewstamp.bench;

import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvStateMachine;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The store every benchmark runs on: {@link #KEY_COUNT} keys of {@link #KEY_SIZE_BYTES} bytes, each
 * with a value of {@link #VALUE_SIZE_BYTES} random bytes from a fixed seed.
 */
final class Stores {
    private Stores() {}

    static final int KEY_COUNT = 1_000_000;

    /** "key-" and twelve digits: 16 bytes. */
    static final int KEY_SIZE_BYTES = 16;

    static final int VALUE_SIZE_BYTES = 64;

    private static final long SEED = 42;

    /** A store of {@code keyCount} keys, filled through {@code execute}, as a replica would be. */
    static KvStateMachine populated(int keyCount) {
        KvStateMachine store = new KvStateMachine();
        Random random = new Random(SEED);
        for (int i = 0; i < keyCount; i++) {
            store.execute(i + 1, 0, put(i, random).encode());
        }
        if (store.size() != keyCount) throw new IllegalStateException("store holds " + store.size() + " keys");
        return store;
    }

    /** A put of a fresh random value to key number {@code keyIndex}. */
    static KvCommand.Put put(int keyIndex, Random random) {
        byte[] value = new byte[VALUE_SIZE_BYTES];
        random.nextBytes(value);
        return new KvCommand.Put(key(keyIndex), value);
    }

    static byte[] key(int keyIndex) {
        byte[] key = String.format("key-%012d", keyIndex).getBytes(StandardCharsets.US_ASCII);
        if (key.length != KEY_SIZE_BYTES) throw new IllegalArgumentException("key size " + key.length);
        return key;
    }
}
