package dev.viewstamp.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link Disk} on one preallocated file. Operations run on the caller's thread and complete
 * before the call returns; the runtime runs them on its journal thread.
 *
 * <p>{@link #create} writes the whole file (so the space is really reserved, not sparse), syncs
 * it, and syncs its directory, so a crash right after formatting cannot lose the file's entry.
 */
public final class FileDisk implements Disk, AutoCloseable {
    static final int SECTOR_SIZE_BYTES = 4096;

    private final Path path;
    private final FileChannel channel;
    private final long sizeBytes;

    private FileDisk(Path path, FileChannel channel, long sizeBytes) {
        this.path = path;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
    }

    /** Creates a new file of {@code sizeBytes} (a multiple of the sector size); fails if it exists. */
    public static FileDisk create(Path path, long sizeBytes) throws IOException {
        if (sizeBytes <= 0 || sizeBytes % SECTOR_SIZE_BYTES != 0) {
            throw new IllegalArgumentException("size " + sizeBytes + " is not a positive multiple of " + SECTOR_SIZE_BYTES);
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (long position = 0; position < sizeBytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), sizeBytes - position));
                position += channel.write(zeros, position);
            }
            channel.force(true);
            syncDirectory(path.toAbsolutePath().getParent());
            return new FileDisk(path, channel, sizeBytes);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Opens an existing file for reading and writing. */
    public static FileDisk open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new FileDisk(path, channel, channel.size());
    }

    /** Opens an existing file that this process must never write (for inspection). */
    public static FileDisk openReadOnly(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        return new FileDisk(path, channel, channel.size());
    }

    /** Makes a directory entry (a created or renamed file) durable. */
    public static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public int sectorSizeBytes() {
        return SECTOR_SIZE_BYTES;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, byte[] buffer, Completion completion) {
        if (!inBounds(offset, buffer.length)) {
            completion.done(new DiskError(DiskError.Kind.READ, "read of " + buffer.length + " bytes at " + offset
                    + " beyond " + sizeBytes));
            return;
        }
        try {
            ByteBuffer target = ByteBuffer.wrap(buffer);
            while (target.hasRemaining()) {
                int read = channel.read(target, offset + target.position());
                if (read < 0) throw new IOException("unexpected end of file at " + (offset + target.position()));
            }
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.READ, path + ": " + e.getMessage()));
            return;
        }
        completion.done(null);
    }

    @Override
    public void write(long offset, byte[] data, Completion completion) {
        if (!inBounds(offset, data.length)) {
            completion.done(new DiskError(DiskError.Kind.WRITE, "write of " + data.length + " bytes at " + offset
                    + " beyond " + sizeBytes));
            return;
        }
        try {
            ByteBuffer source = ByteBuffer.wrap(data);
            while (source.hasRemaining()) channel.write(source, offset + source.position());
        } catch (IOException e) {
            boolean full = String.valueOf(e.getMessage()).contains("No space left");
            completion.done(new DiskError(full ? DiskError.Kind.NO_SPACE : DiskError.Kind.WRITE, path + ": " + e.getMessage()));
            return;
        }
        completion.done(null);
    }

    @Override
    public void sync(Completion completion) {
        try {
            channel.force(false);
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.SYNC, path + ": " + e.getMessage()));
            return;
        }
        completion.done(null);
    }

    private boolean inBounds(long offset, int length) {
        return offset >= 0 && length >= 0 && offset <= sizeBytes - length;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
