package dev.viewstamp.server.cli;

import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.CheckpointReference;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.Superblock;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vsr inspect}: opens a data directory read-only and prints what it holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Opens a replica's data directory read-only and prints its identity, views, commit number, " +
                "log range, its checkpoint (op, identity, file size, and whether the file checks out), and any " +
                "damaged journal slots with the repair they need. Nothing is written."},
        footer = {"",
                "Exit codes: 0 intact; 1 readable, with damage that peers must repair (a checkpoint file that fails " +
                "its checks included: a replica started on it fetches that checkpoint from a peer); 2 usage error; " +
                "3 missing, empty, not formatted, written by an older build (format again), or damaged beyond " +
                "reading."})
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data directory to inspect.")
    Path data;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        DataDirectory.Inspection inspection;
        try {
            inspection = DataDirectory.inspect(data);
        } catch (DataDirectory.Unusable e) {
            spec.commandLine().getErr().println("vsr inspect: " + e.getMessage());
            return 3;
        }
        Superblock.State s = inspection.state();
        Journal.Recovery recovery = inspection.recovery();
        long valid = inspection.superblock().copies().stream().filter(c -> c == Superblock.CopyStatus.VALID).count();
        out.printf("data directory   %s%n", data);
        out.printf("cluster id       %d%n", s.clusterId());
        out.printf("replica          %d of %d (%s)%n", s.replicaIndex(), s.replicaCount(), String.join(", ",
                inspection.members()));
        out.printf("view             %d (log view %d)%n", s.view(), s.logView());
        out.printf("commit max       %d (entry %016x)%n", s.commitMax(), s.commitChecksum());
        out.printf("pipeline         %d prepares in flight at most%n", s.pipelinePrepareCountMax());
        out.printf("log              %s%n", recovery.headOp() == recovery.anchorOp()
                ? (recovery.anchorOp() == 0 ? "empty" : "empty after the checkpoint")
                : "ops " + (recovery.anchorOp() + 1) + ".." + recovery.headOp());
        out.printf("journal          %d slots, bodies up to %d bytes%n", s.journalSlotCount(), s.journalBodySizeBytesMax());
        boolean checkpointDamaged = printCheckpoint(out, s, inspection.checkpoint());
        out.printf("superblock       %d of %d copies current (sequence %d)%n", valid, Superblock.COPIES, s.sequence());
        for (String problem : inspection.superblock().problems()) out.printf("  damaged copy: %s%n", problem);
        if (s.recovering()) {
            out.printf("recovery         formatted with --recover: at its first start the replica recovers from the"
                    + " cluster%n");
        }
        if (s.damagedOpMax() >= 0) {
            out.printf("damage           an earlier run's log may lack acknowledged ops up to op %d: it repairs from"
                    + " peers before it acknowledges or votes with its log%n", s.damagedOpMax());
        }
        if (recovery.faults().isEmpty()) {
            out.printf("faults           none%n");
            return inspection.superblock().degraded() || s.damagedOpMax() >= 0 || checkpointDamaged ? 1 : 0;
        }
        out.printf("faults           %d%n", recovery.faults().size());
        for (Journal.Fault fault : recovery.faults()) {
            String action = switch (fault.kind()) {
                case REPAIR -> "repair op " + fault.op() + " (checksum " + Long.toHexString(fault.checksum()) + ") from a peer";
                case BROKEN_CHAIN -> "ops 1.." + fault.op() + " unknown below a broken chain: fetch from a peer";
                case DAMAGED_SUFFIX -> "ops from " + fault.op() + " to " + recovery.writtenOpMax()
                        + " damaged after acknowledgement: repair, never discard";
            };
            out.printf("  %s: %s%n", action, fault.detail());
        }
        return 1;
    }

    /** Prints the checkpoint the superblock names and what its file holds; true when the file fails its checks. */
    private static boolean printCheckpoint(PrintWriter out, Superblock.State s, CheckpointFile.Loaded loaded) {
        String interval = s.checkpointIntervalOps() == 0 ? "none taken (formatted without checkpoints)"
                : "every " + s.checkpointIntervalOps() + " ops";
        CheckpointReference named = s.checkpoint();
        if (!named.present()) {
            out.printf("checkpoint       none (%s)%n", interval);
            return false;
        }
        out.printf("checkpoint       op %d, identity %016x, %d bytes (%s)%n", named.op(), named.identity(),
                named.fileSizeBytes(), interval);
        if (loaded.problem() == null) return false;
        out.printf("  damaged checkpoint file: %s: a replica started on it executes nothing until it has fetched"
                + " the checkpoint from a peer (state sync)%n", loaded.problem());
        return true;
    }
}
