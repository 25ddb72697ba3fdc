package dev.viewstamp.storage;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.service.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A test service whose whole state is a few bytes (the last operation executed): a snapshot writes them, a restore reads them
 * back, and the state checksum is theirs. Enough for a state sync's install to check the
 * identity of what it restores ({@link CheckpointRun#checkpointAt}).
 */
final class BytesService implements StateMachine {
    private byte[] state = new byte[0];

    static long checksumOf(byte[] bytes) {
        return new Checksum().add(bytes).value();
    }

    /** An operation's bytes become the whole state. */
    @Override
    public byte[] execute(long op, long timestamp, byte[] operation) {
        state = operation.clone();
        return new byte[0];
    }

    @Override
    public long stateChecksum() {
        return checksumOf(state);
    }

    @Override
    public Snapshot snapshot() {
        byte[] held = state.clone();
        return new Snapshot() {
            @Override public long stateChecksum() { return checksumOf(held); }
            @Override public void writeTo(OutputStream out) throws IOException { out.write(held); }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        state = in.readAllBytes();
    }
}
