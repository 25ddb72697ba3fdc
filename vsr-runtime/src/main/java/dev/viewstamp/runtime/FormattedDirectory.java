package dev.viewstamp.runtime;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.FileDisk;
import dev.viewstamp.storage.Superblock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a data directory formatted by {@code vsr format} ({@link DataDirectory#format}) says about itself: its
 * data file and the superblock in it, read with a clear error for a directory that cannot be used.
 * {@link ReplicaNode} reads it at start; embedders read it first to build the matching {@link ClusterConfig}.
 */
public final class FormattedDirectory {
    private FormattedDirectory() {
    }

    /**
     * Prepares in flight from which the primary holds partial batches back
     * ({@link ClusterConfig.Builder#eagerPrepareCountMax}). With one, a loaded primary packs the
     * requests that arrive while a prepare is out into the next one: `vsr bench` with 64 clients on
     * 3 durable replicas of one 2-core machine did about 27,000 ops/s in steady state with 1, 26,000
     * with 2, 24,000 with 3, and 17,000 to 19,000 with every batch sent at once (a pipeline of 8).
     */
    static final int EAGER_PREPARE_COUNT_MAX = 1;

    /**
     * A configuration builder holding what {@code dataDirectory}'s data file recorded at format
     * time (cluster, replica count, pipeline depth, checkpoint interval, journal slots and body
     * limit, with the batch limit at most the body limit); the timeouts are the defaults.
     */
    public static ClusterConfig.Builder config(Path dataDirectory) throws IOException, DataDirectory.Unusable {
        return config(state(dataDirectory));
    }

    /** {@link #config(Path)} of a superblock state already read. */
    static ClusterConfig.Builder config(Superblock.State s) {
        return ClusterConfig.builder().clusterId(s.clusterId()).replicaCount(s.replicaCount())
                .pipelinePrepareCountMax(s.pipelinePrepareCountMax()).eagerPrepareCountMax(EAGER_PREPARE_COUNT_MAX)
                .checkpointIntervalOps(s.checkpointIntervalOps())
                .journalSlotCount(s.journalSlotCount()).journalBodySizeBytesMax(s.journalBodySizeBytesMax())
                .batchSizeBytesMax(Math.min(ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT,
                        s.journalBodySizeBytesMax()));
    }

    /** What {@code dataDirectory}'s superblock holds, read-only: the identity and the limits recorded at format time. */
    static Superblock.State state(Path dataDirectory) throws IOException, DataDirectory.Unusable {
        Path data = dataFile(dataDirectory);
        try (FileDisk disk = FileDisk.openReadOnly(data)) {
            return readSuperblock(disk, data).state();
        }
    }

    /** The directory's data file; a directory without one is not formatted. */
    static Path dataFile(Path directory) throws DataDirectory.Unusable {
        Path data = directory.resolve(DataDirectory.DATA_FILE);
        if (!Files.isRegularFile(data)) {
            throw new DataDirectory.Unusable(directory + " has no " + DataDirectory.DATA_FILE
                    + ": not a formatted data directory (run vsr format)");
        }
        return data;
    }

    /** The superblock of {@code data}, read on the caller's thread from {@code disk}; none valid is unusable. */
    static Superblock.ReadResult readSuperblock(Disk disk, Path data) throws DataDirectory.Unusable {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        Check.that(read.get() != null, "a superblock read on the caller's thread completes at once");
        if (read.get().olderVersion()) {
            throw new DataDirectory.Unusable(data + ": its superblock is of an older format version: format the data "
                    + "directory again (vsr format)");
        }
        if (read.get().state() == null) {
            throw new DataDirectory.Unusable(data + ": no valid superblock copy (" + String.join("; ",
                    read.get().problems()) + ")");
        }
        return read.get();
    }
}
