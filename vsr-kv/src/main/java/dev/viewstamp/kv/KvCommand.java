package dev.viewstamp.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A request to the key-value store, as a client sends it in a VR request's operation bytes.
 *
 * <p>Keys and values are byte arrays, because that is what clients send and what a Redis front
 * end passes through. The string factories ({@link #put(String, String)} and the others) encode
 * UTF-8, for the simulator and for tests.
 *
 * <p>The records copy their arrays on construction and in their accessors, so a record is
 * immutable: a caller that reuses a buffer cannot change a command after handing it over. They
 * compare and print by content.
 *
 * <p>Wire format: see {@link CommandCodec}.
 */
public sealed interface KvCommand {

    /** The key that the command reads or writes; a copy. */
    byte[] key();

    /** The compact binary form that {@link #decode} reads back. */
    default byte[] encode() {
        return CommandCodec.encode(this);
    }

    /**
     * Decodes bytes that {@link #encode} wrote.
     *
     * @throws KvFormatException for an empty input, an unknown tag, a truncated field, a negative
     *     length or trailing bytes; the message says which and where
     */
    static KvCommand decode(byte[] bytes) throws KvFormatException {
        return CommandCodec.decode(bytes);
    }

    static Get get(String key) {
        return new Get(Bytes.utf8(key));
    }

    static Put put(String key, String value) {
        return new Put(Bytes.utf8(key), Bytes.utf8(value));
    }

    static Append append(String key, String value) {
        return new Append(Bytes.utf8(key), Bytes.utf8(value));
    }

    static Delete delete(String key) {
        return new Delete(Bytes.utf8(key));
    }

    /** @param expected the value the key must hold, or null if the key must be absent */
    static CompareAndSet compareAndSet(String key, String expected, String value) {
        return new CompareAndSet(Bytes.utf8(key), Bytes.utf8(expected), Bytes.utf8(value));
    }

    /** Reads the value of {@code key}. Replies {@link KvResult.Value}. */
    record Get(byte[] key) implements KvCommand {
        public Get {
            key = Objects.requireNonNull(key, "key").clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Get get && Arrays.equals(key, get.key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Get[key=" + Bytes.show(key) + "]";
        }
    }

    /** Sets {@code key} to {@code value}, creating or overwriting it. Replies {@link KvResult.Ok}. */
    record Put(byte[] key, byte[] value) implements KvCommand {
        public Put {
            key = Objects.requireNonNull(key, "key").clone();
            value = Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Put put && Arrays.equals(key, put.key) && Arrays.equals(value, put.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Put[key=" + Bytes.show(key) + ", value=" + Bytes.show(value) + "]";
        }
    }

    /**
     * Appends {@code value} to the value of {@code key}; a missing key counts as empty, as in
     * Redis {@code APPEND}. Replies {@link KvResult.Ok}.
     */
    record Append(byte[] key, byte[] value) implements KvCommand {
        public Append {
            key = Objects.requireNonNull(key, "key").clone();
            value = Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Append append
                    && Arrays.equals(key, append.key)
                    && Arrays.equals(value, append.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Append[key=" + Bytes.show(key) + ", value=" + Bytes.show(value) + "]";
        }
    }

    /** Removes {@code key}. Replies {@link KvResult.Deleted}, which says whether it existed. */
    record Delete(byte[] key) implements KvCommand {
        public Delete {
            key = Objects.requireNonNull(key, "key").clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Delete delete && Arrays.equals(key, delete.key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Delete[key=" + Bytes.show(key) + "]";
        }
    }

    /**
     * Sets {@code key} to {@code value} only if it currently holds {@code expected}; a null
     * {@code expected} means the key must be absent, which makes this a put-if-absent. Replies
     * {@link KvResult.CasOk}, or {@link KvResult.CasFailed} with the current value.
     */
    record CompareAndSet(byte[] key, byte[] expected, byte[] value) implements KvCommand {
        public CompareAndSet {
            key = Objects.requireNonNull(key, "key").clone();
            expected = Bytes.copy(expected);
            value = Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        /** The value the key must hold, or null if it must be absent; a copy. */
        @Override
        public byte[] expected() {
            return Bytes.copy(expected);
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof CompareAndSet cas
                    && Arrays.equals(key, cas.key)
                    && Arrays.equals(expected, cas.expected)
                    && Arrays.equals(value, cas.value);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(expected), Arrays.hashCode(value));
        }

        @Override
        public String toString() {
            return "CompareAndSet[key=" + Bytes.show(key) + ", expected=" + Bytes.show(expected)
                    + ", value=" + Bytes.show(value) + "]";
        }
    }
}
