package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.ReplicaStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The core's outputs, wired to the simulated network and storage, and the storage's completions
 * wired back to the replicas. Each replica's {@link Output} ({@link #output}) sends its messages
 * and replies into the {@link SimNetwork}; writes its prepares, log changes and checkpoints to its
 * {@link SimReplicaDisk}; serves the state-sync chunks peers fetch from it once its disk has read
 * them; and stages and installs the chunks it fetches itself. Each disk's
 * {@link ReplicaStorage.Listener} ({@link #diskListener}) hands every completion to the replica
 * running on it (none while it is down), restores the replica's service from a checkpoint it
 * installed ({@link #restore}, which a restart uses too), and stops or exits the replica on a
 * storage error.
 *
 * <p>It asks the {@link Simulator}'s run loop ({@link RunLoop}) to send, to observe a replica after
 * each completion, and for the {@link FaultInjector}, which may aim a fault at a log change or an
 * install a replica asked for, and crashes a replica that exits.
 */
final class ReplicaWiring {

    /** What the wiring asks of the run loop, which builds its network and fault injector after the disks. */
    interface RunLoop {
        /** Sends {@code message} from node {@code from} to node {@code to}: replicas first, then clients. */
        void send(int from, int to, Message message);

        /** Traces replica {@code i}'s state after a completion and aims faults at its transitions. */
        void observe(int i);

        /** The seed's faults. */
        FaultInjector faults();
    }

    private final int replicaCount;
    private final int clientCount;
    /** The Simulator's replicas, null while down. */
    private final Replica[] replicas;
    /** The service each replica runs: a restart or a state sync's install restores it from a checkpoint. */
    private final StateMachine[] services;
    /** The simulator's side of each replica: its disk, its output port, its faults. */
    private final SimReplica[] sim;
    /** Durability and log view, checked at every restart: told of each log change asked. */
    private final RestartChecks restartChecks;
    /** The seed's generator: draws how long a replica that exits stays down. */
    private final Prng prng;
    private final RunLoop runLoop;
    private final LongSupplier clock;
    private final Trace trace;
    private long noSpaceStops;
    private long syncExits;

    ReplicaWiring(int replicaCount, int clientCount, Replica[] replicas, StateMachine[] services, SimReplica[] sim,
            RestartChecks restartChecks, Prng prng, RunLoop runLoop, LongSupplier clock, Trace trace) {
        this.replicaCount = replicaCount;
        this.clientCount = clientCount;
        this.replicas = replicas;
        this.services = services;
        this.sim = sim;
        this.restartChecks = restartChecks;
        this.prng = prng;
        this.runLoop = runLoop;
        this.clock = clock;
        this.trace = trace;
    }

    /** Where replica {@code i}'s outputs go. */
    Output output(int i) {
        return new ReplicaOutput(i);
    }

    /** What replica {@code i}'s disk tells on completion. */
    ReplicaStorage.Listener diskListener(int i) {
        return new DiskListener(i);
    }

    /** Adds to the seed's coverage the storage stops and exits the disks reported. */
    void addTo(Coverage coverage) {
        coverage.noSpaceStops = noSpaceStops;
        coverage.syncExits = syncExits;
    }

    /** Restores {@code service} from the snapshot in replica {@code i}'s checkpoint file. */
    void restore(StateMachine service, CheckpointFile.Contents file, int i) {
        trace("replica " + i + " restores its service from the checkpoint at op " + file.checkpoint().op());
        try {
            service.restore(file.snapshotStream());
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + i + ": the snapshot of the checkpoint at op "
                    + file.checkpoint().op() + " does not restore", e);
        }
    }

    private final class ReplicaOutput implements Output {
        private final int replica;

        ReplicaOutput(int replica) {
            this.replica = replica;
        }

        @Override
        public void send(int to, Message message) {
            runLoop.send(replica, to, message);
        }

        @Override
        public void reply(Reply reply) {
            int c = SimClient.clientIndexOf(reply.clientId());
            if (c >= 0 && c < clientCount) runLoop.send(replica, replicaCount + c, reply);
        }

        @Override
        public void persistPrepare(Entry entry) {
            if (trace != null) trace("write replica " + replica + " prepare op=" + entry.op());
            sim[replica].disk.persistPrepare(entry);
        }

        @Override
        public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            if (trace != null) {
                trace("write replica " + replica + " state view=" + state.view() + " logView=" + state.logView()
                        + " anchor=" + anchorOp + " suffix=" + suffix.size());
            }
            restartChecks.logChangeAsked(replica, state.logView(), anchorOp, anchorChecksum, suffix);
            sim[replica].disk.persistState(state, anchorOp, anchorChecksum, suffix);
            if (!suffix.isEmpty()) runLoop.faults().onLogChangeAsked(replica, suffix.size());
        }

        @Override
        public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
            if (trace != null) trace("write replica " + replica + " checkpoint op=" + checkpoint.op());
            sim[replica].disk.persistCheckpoint(checkpoint, snapshot);
        }

        @Override
        public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
            // The chunk goes out when the read completes; a crash before loses the read with it.
            sim[replica].disk.serveSyncChunk(checkpointOp, identity, offset, chunk -> runLoop.send(replica, to, chunk));
        }

        @Override
        public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
            if (trace != null) {
                trace("write replica " + replica + " sync chunk op=" + checkpointOp + " offset=" + offset + " bytes="
                        + bytes.length);
            }
            sim[replica].disk.writeSyncChunk(checkpointOp, offset, bytes);
        }

        @Override
        public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
                Output.ReplicaState state) {
            if (trace != null) trace("write replica " + replica + " install op=" + checkpointOp + " bytes=" + sizeBytes);
            // The install asks for a log cut to the checkpoint, in the log view the replica has.
            restartChecks.logChangeAsked(replica, state.logView(), checkpointOp, state.commitChecksum(), List.of());
            sim[replica].disk.installSync(checkpointOp, identity, sizeBytes, fileChecksum, state, SeedConfig::stateMachine);
            runLoop.faults().onInstallAsked(replica);
        }
    }

    /** Completions of one replica's disk, forwarded to the replica that is running on it. */
    private final class DiskListener implements ReplicaStorage.Listener {
        private final int replica;

        DiskListener(int replica) {
            this.replica = replica;
        }

        @Override
        public void onPrepareDurable(long op, long checksum) {
            if (replicas[replica] == null) return;
            replicas[replica].onPrepareDurable(op, checksum, sim[replica].output);
            runLoop.observe(replica);
        }

        @Override
        public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
            if (replicas[replica] == null) return;
            replicas[replica].onStateDurable(view, logView, lastOp, lastChecksum, sim[replica].output);
            runLoop.observe(replica);
        }

        @Override
        public void onCheckpointDurable(long op) {
            if (replicas[replica] == null) return;
            replicas[replica].onCheckpointDurable(op, sim[replica].output);
            runLoop.observe(replica);
        }

        @Override
        public void onSyncChunkDurable(long checkpointOp, long end) {
            if (replicas[replica] == null) return;
            replicas[replica].onSyncChunkDurable(checkpointOp, end, sim[replica].output);
            runLoop.observe(replica);
        }

        /** The live service takes the installed state first: the replica checks its identity against it. */
        @Override
        public void onSyncInstalled(CheckpointFile.Contents installed) {
            if (replicas[replica] == null) return;
            trace("replica " + replica + " installed the checkpoint at op " + installed.checkpoint().op());
            restore(services[replica], installed, replica);
            replicas[replica].onSyncInstalled(installed.checkpoint(), sim[replica].output);
            runLoop.observe(replica);
        }

        @Override
        public void onSyncFailed(long checkpointOp, String reason) {
            if (replicas[replica] == null) return;
            trace("replica " + replica + " install of the checkpoint at op " + checkpointOp + " failed: " + reason);
            replicas[replica].onSyncFailed(checkpointOp, reason, sim[replica].output);
            runLoop.observe(replica);
        }

        @Override
        public void onError(DiskError error) {
            switch (error.kind()) {
                case NO_SPACE -> {
                    // The replica stays up and safe: nothing more becomes durable, so it
                    // acknowledges nothing more, until space returns (FaultInjector.endDiskFull).
                    Check.that(sim[replica].disk.disk().full(), "replica " + replica + ": a full journal means the "
                            + "simulated ring is too small: " + error);
                    noSpaceStops++;
                    trace("replica " + replica + " storage stopped: " + error);
                }
                case SYNC -> {
                    // Fatal: after a failed sync the page cache cannot be trusted, and retrying the
                    // sync may falsely succeed. The process exits and recovers from its disk.
                    syncExits++;
                    trace("replica " + replica + " exits: " + error);
                    if (replicas[replica] != null) runLoop.faults().crash(replica, prng.between(1, 200));
                }
                case READ, WRITE -> throw new AssertionError("replica " + replica + " storage stopped: " + error);
            }
        }
    }

    private void trace(String text) {
        if (trace != null) trace.line(clock.getAsLong(), text);
    }
}
