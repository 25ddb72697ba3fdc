package dev.viewstamp.kv;

import java.io.IOException;

/**
 * Bytes that {@link KvStateMachine#restore} cannot take as a snapshot of this store: a wrong magic
 * number, an unknown format version, limits other than the store's, an entry over those limits, a
 * repeated key, a checksum that does not match, the stream ending early, or bytes after the end.
 * The message says which, and where.
 *
 * <p>An {@link IOException}, as {@code StateMachine.restore} declares, but a distinct one: these
 * bytes are bad, and fetching the checkpoint again (from another peer) may help, whereas any other
 * {@code IOException} from {@code restore} is the stream's own failure.
 */
public final class SnapshotFormatException extends IOException {

    public SnapshotFormatException(String message) {
        super(message);
    }
}
