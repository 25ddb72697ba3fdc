package dev.viewstamp.kv;

import dev.viewstamp.kv.KvResult.CasFailed;
import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Failure;
import dev.viewstamp.kv.KvResult.Ok;
import dev.viewstamp.kv.KvResult.Value;
import java.util.Objects;

/**
 * The wire format of {@link KvResult}: a tag byte, then the fields in the layout of
 * {@link FieldWriter}. A null value is written as length -1; a flag is one byte, 0 or 1.
 *
 * <pre>
 * Value      01 | value (or -1)
 * Ok         02
 * Deleted    03 | existed flag
 * CasOk      04
 * CasFailed  05 | current (or -1)
 * Failure      06 | message (UTF-8)
 * </pre>
 *
 * Tag 07 is taken by the reply of a {@link dev.viewstamp.kv.redis.RedisBatch}, which is no
 * {@link KvResult}; {@link #decode} refuses it as an unknown tag.
 *
 * The format is canonical: decoding consumes every byte, so each result has exactly one encoding.
 */
final class ResultCodec {
    private ResultCodec() {}

    /** Tags start at 1, so a zeroed buffer never decodes as a result. Never renumber a tag. */
    private enum Tag {
        VALUE(1, "Value"),
        OK(2, "Ok"),
        DELETED(3, "Deleted"),
        CAS_OK(4, "CasOk"),
        CAS_FAILED(5, "CasFailed"),
        ERROR(6, "Error");

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
            throw new KvFormatException("unknown result tag " + (code & 0xFF));
        }
    }

    static byte[] encode(KvResult result) {
        return switch (result) {
            case Value value -> new FieldWriter(Tag.VALUE.code).fieldOrNull(value.value()).toBytes();
            case Ok ok -> new FieldWriter(Tag.OK.code).toBytes();
            case Deleted deleted -> new FieldWriter(Tag.DELETED.code).flag(deleted.existed()).toBytes();
            case CasOk casOk -> new FieldWriter(Tag.CAS_OK.code).toBytes();
            case CasFailed casFailed ->
                    new FieldWriter(Tag.CAS_FAILED.code).fieldOrNull(casFailed.current()).toBytes();
            case Failure error -> new FieldWriter(Tag.ERROR.code).text(error.message()).toBytes();
        };
    }

    static KvResult decode(byte[] bytes) throws KvFormatException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) throw new KvFormatException("empty result: no tag byte");
        Tag tag = Tag.of(bytes[0]);
        FieldReader in = new FieldReader(bytes, tag.what);
        KvResult result = switch (tag) {
            case VALUE -> new Value(in.fieldOrNull("value"));
            case OK -> new Ok();
            case DELETED -> new Deleted(in.flag("existed"));
            case CAS_OK -> new CasOk();
            case CAS_FAILED -> new CasFailed(in.fieldOrNull("current"));
            case ERROR -> new Failure(in.text("message"));
        };
        in.end();
        return result;
    }
}
