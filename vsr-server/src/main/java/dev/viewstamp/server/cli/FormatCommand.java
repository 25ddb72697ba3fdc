package dev.viewstamp.server.cli;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.storage.DataDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vsr format}: creates a replica's data directory for a new cluster. */
@Command(name = "format", mixinStandardHelpOptions = true,
        description = {"Creates a new replica's data directory: a preallocated data file (superblock and journal) " +
                "and the cluster's member list. Every replica of a cluster is formatted with the same " +
                "--cluster-id, --cluster, --pipeline, --checkpoint-interval and --message-size-max, each with its " +
                "own --replica."},
        footer = {"",
                "Exit codes: 0 formatted; 2 usage error; 3 the directory cannot be used (not empty, not a " +
                "directory) or the disk failed."})
final class FormatCommand implements Callable<Integer> {

    @Option(names = "--cluster-id", required = true, paramLabel = "ID",
            description = "Cluster id: a non-negative integer shared by every replica, carried in every frame and record.")
    long clusterId;

    @Option(names = "--cluster", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "Every member's address, in replica order (an odd number: 2f + 1).")
    List<String> members;

    @Option(names = "--replica", required = true, paramLabel = "I", description = "This replica's index in --cluster.")
    int replica;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data directory (created; must be empty).")
    Path data;

    @Option(names = "--pipeline", defaultValue = "8", paramLabel = "N",
            description = "Prepares the primary keeps in flight (default: ${DEFAULT-VALUE}). Recorded on disk: the "
                    + "replica refuses to start with another value, since the depth is part of the safety argument. "
                    + "Use the same value on every replica.")
    int pipeline;

    @Option(names = "--checkpoint-interval", paramLabel = "OPS", arity = "1",
            description = "Take a checkpoint (the service's snapshot and the client table, in a checkpoint file in the "
                    + "data directory) after every OPS-th op. Default: the largest power of two that the journal holds "
                    + "twice over beside the pipeline (256 for the default journal). 0 takes none, and the replica stops "
                    + "once its journal is full. Recorded on "
                    + "disk: the replica refuses to start with another value, since replicas compare checkpoints by op. "
                    + "Use the same value on every replica; the journal needs at least 2 * OPS + --pipeline slots.")
    Integer checkpointIntervalOption;
    int checkpointInterval;

    @Option(names = "--journal-slots", defaultValue = "1024", paramLabel = "N",
            description = "Ops the journal holds (default: ${DEFAULT-VALUE}). Until its ring wraps (after checkpoints, "
                    + "docs/CHECKPOINTS.md) this bounds the log.")
    int journalSlots;

    @Option(names = "--message-size-max", defaultValue = "" + ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT,
            paramLabel = "BYTES", description = "Largest prepare body the journal holds, in bytes; fixed for the life of "
            + "the data file. Replicas run with it as journalBodySizeBytesMax (the same on every replica), and batch at "
            + "most this much (default: ${DEFAULT-VALUE}, the replicas' default).")
    int messageSizeMax;

    @Option(names = "--recover", description = "Format for a replica of a running cluster whose disk was lost: it "
            + "starts in recovery, takes a new incarnation, and acknowledges nothing until the cluster has made its log "
            + "whole. Never use it to start a new cluster, or for a replica whose disk is intact.")
    boolean recover;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cli = spec.commandLine();
        if (journalSlots < 1 || messageSizeMax < 1 || pipeline < 1) {
            throw new CommandLine.ParameterException(cli, "--pipeline, --journal-slots and --message-size-max must be positive");
        }
        checkpointInterval = checkpointIntervalOption != null ? checkpointIntervalOption
                : dev.viewstamp.runtime.EmbeddedReplica.defaultCheckpointIntervalOps(journalSlots, pipeline);
        if (checkpointInterval < 0) {
            throw new CommandLine.ParameterException(cli, "--checkpoint-interval must be 0 (no checkpoints) or positive");
        }
        try {
            DataDirectory.format(data, clusterId, members, replica, pipeline, checkpointInterval, journalSlots,
                    messageSizeMax, recover);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        } catch (DataDirectory.Unusable e) {
            cli.getErr().println("vsr format: " + e.getMessage());
            return 3;
        } catch (IOException e) {
            cli.getErr().println("vsr format: " + data + ": " + e);
            return 3;
        }
        cli.getOut().println("formatted " + data + ": cluster " + clusterId + ", replica " + replica + " of " + members.size()
                + (checkpointInterval > 0 ? ", a checkpoint every " + checkpointInterval + " ops" : "")
                + (recover ? ", to recover from the cluster at its first start" : ""));
        return 0;
    }
}
