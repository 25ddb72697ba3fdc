package dev.viewstamp.codec;

/**
 * Bytes that do not decode: a checksum mismatch, a wrong magic number or version, a length out of
 * bounds, truncated or trailing bytes. The message says which, so a log line or a repair decision
 * can name the cause. Bad input is not an invariant violation: callers drop it or repair it.
 */
public final class CodecException extends Exception {
    private final Kind kind;

    /** What was wrong, for callers that decide by kind (a corrupt record is repaired, a foreign one ignored). */
    public enum Kind {
        /** The header's checksum does not match: torn, corrupt, or never written. */
        HEADER_CHECKSUM,
        /** The header is intact but the body's checksum does not match: torn or corrupt body. */
        BODY_CHECKSUM,
        /** Intact bytes of another kind, format version or cluster. */
        FOREIGN,
        /** Intact checksums around fields that break the format's rules (a bug or a forged record). */
        MALFORMED
    }

    public CodecException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
