package dev.viewstamp.kv;

import dev.viewstamp.kv.KvCommand.Append;
import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Delete;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import dev.viewstamp.kv.redis.RedisBatch;
import java.util.Objects;

/**
 * The wire format of {@link KvCommand}: a tag byte, then the fields in record order, in the
 * layout of {@link FieldWriter}. A null {@code expected} is written as length -1.
 *
 * <pre>
 * Get            01 | key
 * Put            02 | key | value
 * Append         03 | key | value
 * Delete         04 | key
 * CompareAndSet  05 | key | expected (or -1) | value
 * RedisBatch     06 | see {@link RedisBatch}
 * </pre>
 *
 * Tag 06 is a {@link RedisBatch} of Redis commands, which {@link KvStateMachine} recognises by its
 * first byte before it decodes anything here; it is no {@link KvCommand}, so {@link #decode}
 * refuses it.
 *
 * The format is canonical: decoding consumes every byte, so each command has exactly one encoding.
 */
final class CommandCodec {
    private CommandCodec() {}

    /** Tags start at 1, so a zeroed buffer never decodes as a command. Never renumber a tag. */
    private enum Tag {
        GET(1, "Get"),
        PUT(2, "Put"),
        APPEND(3, "Append"),
        DELETE(4, "Delete"),
        COMPARE_AND_SET(5, "CompareAndSet"),
        REDIS_BATCH(RedisBatch.OPERATION_TAG, "RedisBatch");

        final byte code;
        final String what;

        Tag(int code, String what) {
            this.code = (byte) code;
            this.what = what;
        }

        static Tag of(byte code) throws KvFormatException {
            for (Tag tag : values()) {
                if (tag.code == code) return tag;
            }
            throw new KvFormatException("unknown command tag " + (code & 0xFF));
        }
    }

    /**
     * The longest encoding of a command that {@code limits} accept: a compare-and-set of the largest
     * key, expected value and value, which has the most fields (a tag and three length-prefixed
     * fields). In a long, so that any limits can be counted.
     */
    static long sizeBytesMax(KvLimits limits) {
        return 1 + 3L * FieldWriter.LENGTH_SIZE_BYTES + limits.keySizeBytesMax() + 2L * limits.valueSizeBytesMax();
    }

    static byte[] encode(KvCommand command) {
        return switch (command) {
            case Get get -> new FieldWriter(Tag.GET.code).field(get.key()).toBytes();
            case Put put -> new FieldWriter(Tag.PUT.code).field(put.key()).field(put.value()).toBytes();
            case Append append ->
                    new FieldWriter(Tag.APPEND.code).field(append.key()).field(append.value()).toBytes();
            case Delete delete -> new FieldWriter(Tag.DELETE.code).field(delete.key()).toBytes();
            case CompareAndSet cas -> new FieldWriter(Tag.COMPARE_AND_SET.code)
                    .field(cas.key())
                    .fieldOrNull(cas.expected())
                    .field(cas.value())
                    .toBytes();
        };
    }

    static KvCommand decode(byte[] bytes) throws KvFormatException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) throw new KvFormatException("empty command: no tag byte");
        Tag tag = Tag.of(bytes[0]);
        FieldReader in = new FieldReader(bytes, tag.what);
        // Fields are read in statement order, which is their order on the wire.
        KvCommand command = switch (tag) {
            case GET -> new Get(in.field("key"));
            case PUT -> {
                byte[] key = in.field("key");
                yield new Put(key, in.field("value"));
            }
            case APPEND -> {
                byte[] key = in.field("key");
                yield new Append(key, in.field("value"));
            }
            case DELETE -> new Delete(in.field("key"));
            case REDIS_BATCH -> throw new KvFormatException("a RedisBatch is not a KvCommand; RedisBatch.decode reads it");
            case COMPARE_AND_SET -> {
                byte[] key = in.field("key");
                byte[] expected = in.fieldOrNull("expected");
                yield new CompareAndSet(key, expected, in.field("value"));
            }
        };
        in.end();
        return command;
    }
}
