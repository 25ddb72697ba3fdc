package dev.viewstamp.core.message;

import dev.viewstamp.core.Checksum;
import java.util.Arrays;

/**
 * State sync: bytes {@code offset .. offset + bytes.length} of the sender's checkpoint file for the
 * checkpoint at {@code checkpointOp}, which is {@code sizeBytes} long and whose whole checksum is
 * {@code fileChecksum}. Two replicas' files of the same checkpoint may differ in their bytes, so a
 * receiver resumes at another peer's offset only when its file checksum is the same.
 *
 * @param chunkChecksum the checksum of {@code bytes}, so a chunk damaged on its way is told apart
 */
public record SyncChunk(long checkpointOp, long identity, long offset, long sizeBytes, long fileChecksum,
        byte[] bytes, long chunkChecksum, int replica) implements Message {

    public SyncChunk {
        bytes = bytes.clone();
    }

    /** A chunk of {@code bytes} with its checksum. */
    public static SyncChunk of(long checkpointOp, long identity, long offset, long sizeBytes, long fileChecksum,
            byte[] bytes, int replica) {
        return new SyncChunk(checkpointOp, identity, offset, sizeBytes, fileChecksum, bytes, checksumOf(bytes), replica);
    }

    public static long checksumOf(byte[] bytes) {
        return new Checksum().add(bytes).value();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** True when the bytes are the ones the sender checksummed. */
    public boolean intact() {
        return checksumOf(bytes) == chunkChecksum;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SyncChunk c && c.checkpointOp == checkpointOp && c.identity == identity
                && c.offset == offset && c.sizeBytes == sizeBytes && c.fileChecksum == fileChecksum
                && c.chunkChecksum == chunkChecksum && c.replica == replica && Arrays.equals(c.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(chunkChecksum) * 31 + (int) offset;
    }

    @Override
    public String toString() {
        return "SyncChunk[checkpointOp=" + checkpointOp + ", offset=" + offset + ", bytes=" + bytes.length + "/"
                + sizeBytes + ", replica=" + replica + "]";
    }
}
