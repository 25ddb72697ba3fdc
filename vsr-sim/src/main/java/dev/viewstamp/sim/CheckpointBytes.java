package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Checkpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The scenario model's checkpoint file ({@link SimStorage}): the checkpoint's fields, its client
 * table and the snapshot's bytes. The model keeps files in memory and checks a fetched one by its
 * whole checksum, as the real storage does; the real file format is vsr-storage's.
 */
final class CheckpointBytes {
    private CheckpointBytes() {}

    /** A file's checkpoint and the snapshot's bytes. */
    record Parsed(Checkpoint checkpoint, byte[] snapshot) {}

    static byte[] encode(Checkpoint checkpoint, byte[] snapshot) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(checkpoint.op());
            out.writeLong(checkpoint.entryChecksum());
            out.writeLong(checkpoint.entryTimestamp());
            out.writeLong(checkpoint.identity());
            byte[] table = checkpoint.clientTable();
            out.writeInt(table.length);
            out.write(table);
            out.write(snapshot);
        } catch (IOException e) {
            throw new UncheckedIOException("into memory", e);
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when the bytes are not a whole file */
    static Parsed decode(byte[] file) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(file));
        long op = in.readLong();
        long entryChecksum = in.readLong();
        long entryTimestamp = in.readLong();
        long identity = in.readLong();
        int tableLength = in.readInt();
        if (tableLength < 0 || tableLength > file.length) throw new IOException("a client table of " + tableLength + " bytes");
        byte[] table = new byte[tableLength];
        in.readFully(table);
        int start = file.length - in.available();
        return new Parsed(new Checkpoint(op, entryChecksum, entryTimestamp, identity, table),
                Arrays.copyOfRange(file, start, file.length));
    }
}
