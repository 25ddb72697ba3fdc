package dev.viewstamp.kv;

import java.util.Arrays;

/**
 * A key of the store's map, equal by content; a bare {@code byte[]} is equal by identity. The
 * array is never handed out, so the key cannot change while it sits in the map.
 */
record Key(byte[] bytes) {

    @Override
    public boolean equals(Object other) {
        return other instanceof Key key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Bytes.show(bytes);
    }
}
