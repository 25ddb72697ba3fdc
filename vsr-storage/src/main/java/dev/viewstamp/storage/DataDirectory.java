package dev.viewstamp.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A replica's data directory: {@value #DATA_FILE} (superblock and journal, preallocated),
 * {@value #MEMBERS_FILE} (the cluster's members, one {@code index host:port} per line) and the
 * checkpoint files, {@code checkpoint-<op>.vsr} ({@link FileCheckpointStore}).
 *
 * <p>{@link #format} creates one for a new cluster; {@link #inspect} opens one read-only and reports
 * what it holds. The replica server will open data directories through the same code, so a
 * directory that {@code inspect} refuses is one the server refuses to start on.
 */
public final class DataDirectory {
    public static final String DATA_FILE = "replica.vsr";
    public static final String MEMBERS_FILE = "members";

    private DataDirectory() {}

    /** A data directory that cannot be used: missing, empty, not formatted, or damaged beyond reading. */
    public static final class Unusable extends Exception {
        public Unusable(String message) {
            super(message);
        }
    }

    /** What a data directory holds; {@code checkpoint}: what its superblock's checkpoint file holds, checked. */
    public record Inspection(Path directory, List<String> members, Superblock.ReadResult superblock,
            Journal.Recovery recovery, CheckpointFile.Loaded checkpoint) {

        public Superblock.State state() {
            return superblock.state();
        }
    }

    /**
     * Formats {@code directory} (created if missing; it must be empty) for replica
     * {@code replicaIndex} of a new cluster whose members are {@code members} (host:port each). The
     * pipeline depth and the checkpoint interval (0: no checkpoints) are recorded: the replica
     * refuses to start with others. With {@code recover},
     * for a replica of a running cluster whose disk was lost: the replica starts in recovery
     * (Status.RECOVERING), takes a new incarnation and acknowledges nothing until the cluster has
     * made its log whole.
     */
    public static void format(Path directory, long clusterId, List<String> members, int replicaIndex,
            int pipelinePrepareCountMax, int checkpointIntervalOps, int journalSlotCount, int journalBodySizeBytesMax,
            boolean recover) throws IOException, Unusable {
        if (clusterId < 0) throw new IllegalArgumentException("cluster id must be a non-negative integer, not " + clusterId);
        if (members.isEmpty() || members.size() % 2 == 0) {
            throw new IllegalArgumentException("a cluster needs an odd number of members (2f + 1), not " + members.size());
        }
        for (String member : members) parseAddress(member);
        if (replicaIndex < 0 || replicaIndex >= members.size()) {
            throw new IllegalArgumentException("replica index " + replicaIndex + " is not in 0.." + (members.size() - 1));
        }
        // Built before anything is created, so that limits which do not fit (a checkpoint interval
        // too long for the journal, say) leave no half-formatted directory behind.
        Journal.Layout layout = new Journal.Layout(clusterId, journalSlotCount, journalBodySizeBytesMax,
                FileDisk.SECTOR_SIZE_BYTES);
        Superblock.State formatted = Superblock.State.formatted().clusterId(clusterId).replicaIndex(replicaIndex)
                .replicaCount(members.size()).pipelinePrepareCountMax(pipelinePrepareCountMax)
                .checkpointIntervalOps(checkpointIntervalOps).formatId(new SecureRandom().nextLong() & Long.MAX_VALUE)
                .journalSlotCount(journalSlotCount).journalBodySizeBytesMax(journalBodySizeBytesMax).build();
        if (Files.exists(directory)) {
            if (!Files.isDirectory(directory)) throw new Unusable(directory + " exists and is not a directory");
            try (Stream<Path> entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new Unusable(directory + " is not empty: refusing to format over existing data");
                }
            }
        } else {
            Files.createDirectories(directory);
            FileDisk.syncDirectory(directory.toAbsolutePath().getParent());
        }

        StringBuilder text = new StringBuilder();
        for (int i = 0; i < members.size(); i++) text.append(i).append(' ').append(members.get(i)).append('\n');
        writeAtomically(directory.resolve(MEMBERS_FILE), text.toString().getBytes(StandardCharsets.UTF_8));
        try (FileDisk disk = FileDisk.create(directory.resolve(DATA_FILE), layout.sizeBytes())) {
            AtomicReference<DiskError> error = new AtomicReference<>();
            Superblock.write(disk, recover ? formatted.recoveringFromLostDisk() : formatted, error::set);
            if (error.get() != null) throw new IOException("writing the superblock: " + error.get());
        }
    }

    /** Opens {@code directory} read-only and reports its superblock, members and journal. */
    public static Inspection inspect(Path directory) throws Unusable {
        if (!Files.exists(directory)) throw new Unusable(directory + " does not exist");
        if (!Files.isDirectory(directory)) throw new Unusable(directory + " is not a directory");
        Path data = directory.resolve(DATA_FILE);
        try (Stream<Path> entries = Files.list(directory)) {
            if (entries.findAny().isEmpty()) throw new Unusable(directory + " is empty: not formatted (run vsr format)");
        } catch (IOException e) {
            throw new Unusable(directory + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(data)) throw new Unusable(directory + " has no " + DATA_FILE + ": not formatted");
        List<String> members = readMembers(directory.resolve(MEMBERS_FILE));
        try (FileDisk disk = FileDisk.openReadOnly(data)) {
            AtomicReference<Superblock.ReadResult> superblock = new AtomicReference<>();
            Superblock.read(disk, superblock::set);
            Superblock.State state = superblock.get().state();
            if (superblock.get().olderVersion()) {
                throw new Unusable(data + ": its superblock is of format version " + Superblock.VERSION_2
                        + ", written by an older build; this build reads version " + Superblock.VERSION
                        + " only: format the data directory again (vsr format)");
            }
            if (state == null) {
                throw new Unusable(data + ": no valid superblock copy (" + String.join("; ", superblock.get().problems())
                        + "): damaged beyond reading, or not a Viewstamp data file");
            }
            Journal.Layout layout = state.journalLayout(FileDisk.SECTOR_SIZE_BYTES);
            if (disk.sizeBytes() < layout.sizeBytes()) {
                throw new Unusable(data + " is " + disk.sizeBytes() + " bytes, shorter than its journal's "
                        + layout.sizeBytes() + ": truncated");
            }
            if (members.size() != state.replicaCount()) {
                throw new Unusable(directory.resolve(MEMBERS_FILE) + " lists " + members.size()
                        + " members but the superblock says " + state.replicaCount());
            }
            AtomicReference<Journal.RecoveryResult> recovery = new AtomicReference<>();
            Journal.recover(disk, layout, state, recovery::set);
            AtomicReference<CheckpointFile.Loaded> checkpoint = new AtomicReference<>();
            CheckpointFile.load(checkpoints(directory), state.clusterId(), state.checkpoint(), checkpoint::set);
            return new Inspection(directory, members, superblock.get(), recovery.get().recovery(), checkpoint.get());
        } catch (IOException e) {
            throw new Unusable(data + ": " + e.getMessage());
        }
    }

    /** The checkpoint files of the data directory {@code directory}. */
    public static CheckpointStore checkpoints(Path directory) {
        return new FileCheckpointStore(directory);
    }

    /**
     * The members recorded at format time in {@code directory}'s {@value #MEMBERS_FILE}, in replica
     * order ({@code host:port} each), without opening the data file as {@link #inspect} does.
     */
    public static List<String> members(Path directory) throws Unusable {
        return readMembers(directory.resolve(MEMBERS_FILE));
    }

    private static List<String> readMembers(Path file) throws Unusable {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Unusable(file + " is missing: not formatted");
        } catch (IOException e) {
            throw new Unusable(file + ": " + e.getMessage());
        }
        List<String> members = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String[] parts = line.split("\\s+");
            if (parts.length != 2 || !parts[0].equals(String.valueOf(members.size()))) {
                throw new Unusable(file + ":" + (i + 1) + ": expected '" + members.size() + " host:port', got '" + line + "'");
            }
            try {
                parseAddress(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new Unusable(file + ":" + (i + 1) + ": " + e.getMessage());
            }
            members.add(parts[1]);
        }
        return members;
    }

    /** Checks a {@code host:port} address; returns the port. */
    public static int parseAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("'" + address + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + address + "' has no numeric port");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("'" + address + "': port out of 1..65535");
        return port;
    }

    /** Writes a small file so that a crash leaves the old file or the new one: temp, sync, rename, sync directory. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        FileDisk.syncDirectory(file.toAbsolutePath().getParent());
    }
}
