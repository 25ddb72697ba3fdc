package dev.viewstamp.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint files in a replica's data directory: {@code checkpoint-<op>.vsr}. A write goes to
 * {@code checkpoint-<op>.vsr.tmp}, which is synced, renamed over the final name, and then the
 * directory is synced, so a crash leaves the whole file or none (a leftover temporary file is not
 * a checkpoint, and the restart's cleanup deletes it). The staged file of a state sync is
 * {@code checkpoint-<op>.vsr.staged}, written in place and synced chunk by chunk, and renamed to
 * {@code checkpoint-<op>.vsr} (then the directory synced) when it is installed; {@link #list}
 * does not show it. Operations run on the caller's thread and
 * complete before the call returns, like {@link FileDisk}'s; the runtime will run them on a thread
 * of its own.
 */
public final class FileCheckpointStore implements CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{1,19})\\.vsr(\\.tmp)?");
    private static final Pattern STAGED_NAME = Pattern.compile("checkpoint-\\d{1,19}\\.vsr\\.staged");

    private final Path directory;

    public FileCheckpointStore(Path directory) {
        this.directory = directory;
    }

    /** The file of the checkpoint at {@code op}. */
    public Path path(long op) {
        return directory.resolve("checkpoint-" + op + ".vsr");
    }

    private Path temporaryPath(long op) {
        return directory.resolve("checkpoint-" + op + ".vsr.tmp");
    }

    /** The staged file of a state sync fetching the checkpoint at {@code op}. */
    public Path stagedPath(long op) {
        return directory.resolve("checkpoint-" + op + ".vsr.staged");
    }

    @Override
    public void write(long op, byte[] file, Disk.Completion completion) {
        Path temporary = temporaryPath(op);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer source = ByteBuffer.wrap(file);
            while (source.hasRemaining()) channel.write(source);
            try {
                channel.force(true);
            } catch (IOException e) {
                completion.done(new DiskError(DiskError.Kind.SYNC, temporary + ": " + e.getMessage()));
                return;
            }
        } catch (IOException e) {
            deleteQuietly(temporary); // a full disk must not keep the part that fit
            completion.done(writeError(temporary, e));
            return;
        }
        try {
            try {
                Files.move(temporary, path(op), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, path(op), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            completion.done(writeError(path(op), e));
            return;
        }
        syncDirectory(completion);
    }

    private static DiskError writeError(Path path, IOException e) {
        boolean full = String.valueOf(e.getMessage()).contains("No space left");
        return new DiskError(full ? DiskError.Kind.NO_SPACE : DiskError.Kind.WRITE, path + ": " + e.getMessage());
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The restart's cleanup deletes what is left of it.
        }
    }

    /** A created, renamed or deleted name is durable only once its directory is synced. */
    private void syncDirectory(Disk.Completion completion) {
        try {
            FileDisk.syncDirectory(directory);
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.SYNC, directory + ": " + e.getMessage()));
            return;
        }
        completion.done(null);
    }

    @Override
    public void read(long op, ReadCompletion completion) {
        byte[] file;
        try {
            file = Files.readAllBytes(path(op));
        } catch (NoSuchFileException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, path(op) + " is missing"));
            return;
        } catch (IOException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, path(op) + ": " + e.getMessage()));
            return;
        }
        completion.done(file, null);
    }

    @Override
    public void delete(long op, Disk.Completion completion) {
        try {
            Files.deleteIfExists(path(op));
            Files.deleteIfExists(temporaryPath(op));
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.WRITE, path(op) + ": " + e.getMessage()));
            return;
        }
        syncDirectory(completion);
    }

    @Override
    public void list(ListCompletion completion) {
        TreeSet<Long> ops = new TreeSet<>();
        try (Stream<Path> entries = Files.list(directory)) {
            entries.forEach(entry -> {
                Matcher name = NAME.matcher(entry.getFileName().toString());
                if (name.matches()) {
                    try {
                        ops.add(Long.parseLong(name.group(1)));
                    } catch (NumberFormatException e) {
                        // Nineteen digits beyond Long.MAX_VALUE: no file this store wrote.
                    }
                }
            });
        } catch (IOException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, directory + ": " + e.getMessage()));
            return;
        }
        completion.done(ops.stream().mapToLong(Long::longValue).toArray(), null);
    }

    @Override
    public void readRange(long op, long offset, int lengthMax, ReadCompletion completion) {
        try (FileChannel channel = FileChannel.open(path(op), StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.min(size, Math.max(0, offset));
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(lengthMax, size - from));
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, from + buffer.position()) < 0) break;
            }
            completion.done(java.util.Arrays.copyOf(buffer.array(), buffer.position()), null);
        } catch (NoSuchFileException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, path(op) + " is missing"));
        } catch (IOException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, path(op) + ": " + e.getMessage()));
        }
    }

    @Override
    public void writeStaged(long op, long offset, byte[] bytes, Disk.Completion completion) {
        Path staged = stagedPath(op);
        boolean named;
        try {
            // Another op's staging (or this one's, started over at offset 0) goes first.
            named = deleteStaged(offset == 0 ? -1 : op) || !Files.exists(staged);
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.WRITE, directory + ": " + e.getMessage()));
            return;
        }
        try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.truncate(offset);
            ByteBuffer source = ByteBuffer.wrap(bytes);
            while (source.hasRemaining()) channel.write(source, offset + source.position());
            try {
                channel.force(true);
            } catch (IOException e) {
                completion.done(new DiskError(DiskError.Kind.SYNC, staged + ": " + e.getMessage()));
                return;
            }
        } catch (IOException e) {
            completion.done(writeError(staged, e));
            return;
        }
        if (named) syncDirectory(completion); // a created or deleted name is durable only then
        else completion.done(null);
    }

    /** Deletes every staged file but that of {@code keptOp} (-1: all); true when it deleted one. */
    private boolean deleteStaged(long keptOp) throws IOException {
        boolean deleted = false;
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.toList()) {
                if (STAGED_NAME.matcher(entry.getFileName().toString()).matches() && !entry.equals(stagedPath(keptOp))) {
                    deleted |= Files.deleteIfExists(entry);
                }
            }
        }
        return deleted;
    }

    @Override
    public void readStaged(long op, ReadCompletion completion) {
        try {
            completion.done(Files.readAllBytes(stagedPath(op)), null);
        } catch (NoSuchFileException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, stagedPath(op) + " is missing"));
        } catch (IOException e) {
            completion.done(null, new DiskError(DiskError.Kind.READ, stagedPath(op) + ": " + e.getMessage()));
        }
    }

    @Override
    public void promoteStaged(long op, Disk.Completion completion) {
        try {
            try {
                Files.move(stagedPath(op), path(op), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(stagedPath(op), path(op), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (NoSuchFileException e) {
            completion.done(new DiskError(DiskError.Kind.READ, stagedPath(op) + " is missing"));
            return;
        } catch (IOException e) {
            completion.done(writeError(path(op), e));
            return;
        }
        syncDirectory(completion);
    }

    @Override
    public void discardStaged(Disk.Completion completion) {
        try {
            if (!deleteStaged(-1)) {
                completion.done(null);
                return;
            }
        } catch (IOException e) {
            completion.done(new DiskError(DiskError.Kind.WRITE, directory + ": " + e.getMessage()));
            return;
        }
        syncDirectory(completion);
    }
}
