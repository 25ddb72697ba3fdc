package dev.viewstamp.kv;

/**
 * Bytes that do not decode to a {@link KvCommand} or {@link KvResult}: an unknown tag, a truncated
 * field, a negative length or trailing bytes.
 *
 * <p>Checked on purpose. Command bytes come from clients, so malformed input is expected and is
 * not a bug; the compiler makes every place that decodes them decide what to do.
 * {@link KvStateMachine} turns it into an {@link KvResult.Failure} reply.
 */
public final class KvFormatException extends Exception {

    public KvFormatException(String message) {
        super(message);
    }
}
