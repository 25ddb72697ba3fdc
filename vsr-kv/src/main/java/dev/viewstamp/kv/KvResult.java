package dev.viewstamp.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * The reply to a {@link KvCommand}, as it travels back in a VR reply.
 *
 * <p>Like the commands, the records copy their arrays, so they are immutable, and they compare and
 * print by content. Wire format: see {@link ResultCodec}.
 */
public sealed interface KvResult {

    /** The compact binary form that {@link #decode} reads back. */
    default byte[] encode() {
        return ResultCodec.encode(this);
    }

    /**
     * Decodes bytes that {@link #encode} wrote.
     *
     * @throws KvFormatException for an empty input, an unknown tag, a truncated field, a bad flag,
     *     a message that is not UTF-8 or trailing bytes
     */
    static KvResult decode(byte[] bytes) throws KvFormatException {
        return ResultCodec.decode(bytes);
    }

    /** A {@link Value} holding the UTF-8 encoding of {@code value}, or a missing value for null. */
    static Value value(String value) {
        return new Value(Bytes.utf8(value));
    }

    /** A {@link CasFailed} whose current value is the UTF-8 encoding of {@code current}, or absent. */
    static CasFailed casFailed(String current) {
        return new CasFailed(Bytes.utf8(current));
    }

    /** The reply to {@link KvCommand.Get}: the value, or null if the key is missing. */
    record Value(byte[] value) implements KvResult {
        public Value {
            value = Bytes.copy(value);
        }

        /** The value, or null if the key is missing; a copy. */
        @Override
        public byte[] value() {
            return Bytes.copy(value);
        }

        /** The value decoded as UTF-8, or null if the key is missing. */
        public String valueUtf8() {
            return Bytes.utf8(value);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Value result && Arrays.equals(value, result.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Value[value=" + Bytes.show(value) + "]";
        }
    }

    /** The reply to {@link KvCommand.Put} and {@link KvCommand.Append}. */
    record Ok() implements KvResult {}

    /** The reply to {@link KvCommand.Delete}; {@code existed} is false if the key was already absent. */
    record Deleted(boolean existed) implements KvResult {}

    /** The reply to a {@link KvCommand.CompareAndSet} that found the expected value and set the new one. */
    record CasOk() implements KvResult {}

    /**
     * The reply to a {@link KvCommand.CompareAndSet} that found something other than the expected
     * value and changed nothing. {@code current} is what it found, or null if the key is absent, so
     * the client can retry without a separate {@code Get}.
     */
    record CasFailed(byte[] current) implements KvResult {
        public CasFailed {
            current = Bytes.copy(current);
        }

        /** The value found, or null if the key is absent; a copy. */
        @Override
        public byte[] current() {
            return Bytes.copy(current);
        }

        /** The value found decoded as UTF-8, or null if the key is absent. */
        public String currentUtf8() {
            return Bytes.utf8(current);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof CasFailed result && Arrays.equals(current, result.current);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(current);
        }

        @Override
        public String toString() {
            return "CasFailed[current=" + Bytes.show(current) + "]";
        }
    }

    /**
     * The reply to a command that could not be executed: malformed bytes or a key or value over
     * {@link KvLimits}. The store is unchanged. The message is for people, not for parsing.
     */
    record Failure(String message) implements KvResult {
        public Failure {
            Objects.requireNonNull(message, "message");
        }
    }
}
