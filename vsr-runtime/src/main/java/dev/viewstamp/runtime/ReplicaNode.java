package dev.viewstamp.runtime;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.Disk;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.FileCheckpointStore;
import dev.viewstamp.storage.FileDisk;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.storage.Superblock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of any {@link StateMachine}, running on its data directory with real threads: the
 * runtime's counterpart of the simulator's replica wiring ({@code vsr-sim}'s ReplicaWiring and
 * SimReplicaDisk), driving the same {@link Replica} and {@link ReplicaStorage}.
 *
 * <p>Threads (DESIGN.md, section 1):
 * <ul>
 *   <li>the <b>replica thread</b> ({@link EventLoop}) owns the core, its service and its storage:
 *       messages from the transport's bounded queue, ticks of a monotonic clock (every
 *       {@link Options#tickMillis}), and I/O completions all run there, one at a time;
 *   <li>the <b>journal thread</b> runs the data file's reads, writes and fsyncs in order
 *       ({@link ThreadedDisk}); the storage batches prepares into group commits;
 *   <li>the <b>checkpoint thread</b> encodes checkpoint files from the service's snapshots and
 *       writes, reads, renames and deletes them ({@link ThreadedCheckpointStore},
 *       {@link StoragePort});
 *   <li>the transport's threads call {@link Transport.Inbound#deliver} only.
 * </ul>
 *
 * <p>Start: {@link #start} opens the data directory on the caller's thread, as a restarting process
 * does: the superblock (checked against the {@link ClusterConfig}), the checkpoint file it names
 * (the service is restored from it; a missing or damaged file starts the replica with the
 * checkpoint lost, to fetch it from a peer), the journal's recovery, and the restart's repairs;
 * then the replica restarts from what was found ({@link Replica#restart}: a primary of its durable
 * view starts a view change, so a new cluster's first view is view 1) and the threads start.
 *
 * <p>Errors: a failed fsync (and any other write error) is fatal, as the storage demands: the node
 * logs one line, stops, and {@link #terminated} completes with a {@link NodeFailure}, which a
 * process turns into a non-zero exit; on restart the replica recovers from its disk. So does an
 * invariant of the core, or state diverged from the primary's. A full disk only stops the
 * storage: nothing more becomes durable, so the replica acknowledges nothing (and stays safe), and
 * every {@link Options#resumeTicks} the node asks the storage to retry.
 *
 * <p>Stop: {@link #close} stops ticks and inbound messages, lets the disk operations already asked
 * for complete (for at most {@link Options#drainMillisMax}), then ends the threads and closes the
 * files. Whatever was not durable by then is lost as in a crash, which the protocol survives.
 */
public final class ReplicaNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaNode.class);

    /**
     * How to run a replica.
     *
     * @param dataDirectory formatted by {@code vsr format} ({@link DataDirectory#format})
     * @param config the cluster's configuration; what the data file recorded at format time must
     *     match ({@link FormattedDirectory#config} gives a builder with those values)
     * @param services makes the replicated service: one at start, and one more for each state
     *     sync's check of a fetched checkpoint
     * @param tickMillis wall-clock milliseconds per tick of the core's timers
     * @param inboundQueueCountMax messages waiting for the replica thread; more are dropped
     * @param resumeTicks ticks between retries of a storage that a full disk stopped
     * @param drainMillisMax how long {@link #close} waits for disk operations under way
     */
    public record Options(Path dataDirectory, ClusterConfig config, Supplier<? extends StateMachine> services,
            int tickMillis, int inboundQueueCountMax, int resumeTicks, int drainMillisMax) {
        public Options {
            if (tickMillis < 1) throw new IllegalArgumentException("tickMillis must be at least 1, not " + tickMillis);
            if (inboundQueueCountMax < 1) throw new IllegalArgumentException("inboundQueueCountMax must be positive");
            if (resumeTicks < 1) throw new IllegalArgumentException("resumeTicks must be positive");
            if (drainMillisMax < 0) throw new IllegalArgumentException("drainMillisMax must not be negative");
        }

        /** 10 ms per tick, 4,096 inbound messages, a full disk retried every second, two seconds to drain. */
        public static Options of(Path dataDirectory, ClusterConfig config, Supplier<? extends StateMachine> services) {
            return new Options(dataDirectory, config, services, 10, 4096, 100, 2000);
        }

        public Options withTickMillis(int value) {
            return new Options(dataDirectory, config, services, value, inboundQueueCountMax, resumeTicks, drainMillisMax);
        }

        public Options withInboundQueueCountMax(int value) {
            return new Options(dataDirectory, config, services, tickMillis, value, resumeTicks, drainMillisMax);
        }
    }

    private final Options options;
    private final ClusterConfig config;
    private final Transport transport;
    private final EventLoop loop;
    private final IoThread journalThread;
    private final IoThread checkpointThread;
    private final NodeOutput output = new NodeOutput();
    private final StorageListener listener = new StorageListener();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicReference<NodeFailure> failure = new AtomicReference<>();
    private final AtomicLong droppedMessages = new AtomicLong();
    private boolean started;
    private FileDisk file;
    private int replicaIndex = -1;
    private Replica replica;
    private StateMachine service;
    private StoragePort port;
    private ReplicaEvents events;
    /** A disk error during the restart's repairs, before the replica exists: start fails with it. */
    private DiskError bootError;
    /** A full disk stopped the storage; it is retried every {@code resumeTicks}. */
    private boolean noSpace;
    private long ticks;
    private volatile long droppedLogged;
    /** Where the node reports what it does ({@link #metrics}); set before start. */
    private NodeMetrics metrics = NodeMetrics.NONE;
    private final RequestClock requestClock = new RequestClock();
    /** When the core last asked for a checkpoint, for {@link NodeMetrics#onCheckpointDurable}; 0 for none pending. */
    private long checkpointAskedNanos;
    /** Ticks between status reports to the peers ({@link Transport#publishStatus}): about 500 ms. */
    private final int statusIntervalTicks;
    /** Wraps the data file's disk (its operations must complete before they return): tests inject faults. */
    private UnaryOperator<Disk> diskForTesting = UnaryOperator.identity();

    public ReplicaNode(Options options, Transport transport) {
        this.options = options;
        this.config = options.config();
        this.transport = transport;
        String name = options.dataDirectory().getFileName() == null ? "replica" : options.dataDirectory().getFileName().toString();
        this.loop = new EventLoop("vsr-replica-" + name, new LoopHandler(), options.inboundQueueCountMax(),
                TimeUnit.MILLISECONDS.toNanos(options.tickMillis()));
        this.journalThread = new IoThread("vsr-journal-" + name, loop);
        this.checkpointThread = new IoThread("vsr-checkpoint-" + name, loop);
        this.statusIntervalTicks = Math.max(1, STATUS_INTERVAL_MILLIS / options.tickMillis());
    }

    /** How often a node tells its peers its status, for their admin endpoints. */
    static final int STATUS_INTERVAL_MILLIS = 500;

    /**
     * Reports commits, view changes, request latencies, journal syncs and checkpoints to
     * {@code value} (called on the replica's and the journal's threads: see {@link NodeMetrics}).
     * Before {@link #start}.
     */
    public synchronized void metrics(NodeMetrics value) {
        if (started) throw new IllegalStateException("set a node's metrics before it starts");
        metrics = java.util.Objects.requireNonNull(value, "metrics");
    }

    /**
     * Opens the data directory, restarts the replica from it, and starts the threads and the
     * transport. Throws, with nothing left running, when the directory cannot be used: not
     * formatted, formatted for another configuration, unreadable, or failing its restart repairs.
     */
    public synchronized void start() throws IOException, DataDirectory.Unusable {
        if (started) throw new IllegalStateException("a node starts once; make a new one to restart");
        started = true;
        try {
            Path data = FormattedDirectory.dataFile(options.dataDirectory());
            file = FileDisk.open(data);
            boot(data);
            journalThread.startThread();
            checkpointThread.startThread();
            // The transport first: the replica's first tick may send, and a message it delivers
            // before the loop runs is dropped like any other, which the protocol tolerates.
            transport.start(new NodeInbound());
        } catch (IOException | DataDirectory.Unusable | RuntimeException | Error e) {
            shutDownThreads();
            closeFile();
            terminated.completeExceptionally(e);
            throw e;
        }
        loop.start(this::drained);
    }

    /** Completes when the node stopped: normally after {@link #close}, with a {@link NodeFailure} when it failed. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /** Why the node failed, or null. */
    public NodeFailure failure() {
        return failure.get();
    }

    /** This replica's index, known once started. */
    public int replicaIndex() {
        return replicaIndex;
    }

    /** What the replica shows now, read on its thread. Throws when the node is not running. */
    public NodeStatus status() {
        if (loop.onLoopThread()) return statusNow();
        CompletableFuture<NodeStatus> read = new CompletableFuture<>();
        if (!loop.started() || terminated.isDone()) throw new IllegalStateException("replica " + replicaIndex + " is not running");
        loop.post(() -> read.complete(statusNow()));
        try {
            CompletableFuture.anyOf(read, terminated).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            // The node failed meanwhile: said below.
        } catch (TimeoutException e) {
            throw new IllegalStateException("replica " + replicaIndex + " did not answer within 10 s", e);
        }
        if (!read.isDone()) throw new IllegalStateException("replica " + replicaIndex + " is not running", failure.get());
        return read.join();
    }

    private NodeStatus statusNow() {
        return new NodeStatus(replicaIndex, replica.status(), replica.view(), replica.isPrimaryNormal(), replica.op(),
                replica.opDurable(), replica.commit(), replica.checkpointDurable() == null ? 0 : replica.checkpointDurable().op(),
                replica.syncCount(), replica.stateChecksum(), port.storage().status(), droppedMessages.get());
    }

    /**
     * Stops the node: no more ticks or messages; the disk operations under way complete (at most
     * {@link Options#drainMillisMax}); then the transport, the threads and the files close.
     * Returns once all of that is done. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (!loop.started()) {
                closeFile();
                terminated.complete(null);
                return;
            }
        }
        loop.stop(options.drainMillisMax());
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs the data file's operations through {@code wrap}'s disk, which may fail them. Tests only; before {@link #start}. */
    void diskForTesting(UnaryOperator<Disk> wrap) {
        diskForTesting = wrap;
    }

    // ---------------------------------------------------------------------------------------------
    // Start.

    /**
     * Reads the superblock, the checkpoint it names and the journal after it, and reopens the
     * storage, as the simulator's SimReplicaDisk.boot does; every operation runs on this thread
     * (the I/O threads have not started), so the restart's repairs are durable before the replica
     * sends anything.
     */
    private void boot(Path data) throws IOException, DataDirectory.Unusable {
        ThreadedDisk disk = new ThreadedDisk(diskForTesting.apply(file), journalThread, metrics);
        ThreadedCheckpointStore checkpoints = new ThreadedCheckpointStore(
                new FileCheckpointStore(options.dataDirectory()), checkpointThread);
        Superblock.ReadResult read = FormattedDirectory.readSuperblock(disk, data);
        Superblock.State superblock = read.state();
        try {
            superblock.checkConfig(config);
        } catch (IllegalArgumentException e) {
            throw new DataDirectory.Unusable(data + ": " + e.getMessage());
        }
        replicaIndex = superblock.replicaIndex();
        Journal.Layout layout = superblock.journalLayout(disk.sectorSizeBytes());
        if (disk.sizeBytes() < layout.sizeBytes()) {
            throw new DataDirectory.Unusable(data + " is " + disk.sizeBytes() + " bytes, shorter than its journal's "
                    + layout.sizeBytes() + ": truncated");
        }
        AtomicReference<CheckpointFile.Loaded> loaded = new AtomicReference<>();
        CheckpointFile.load(checkpoints, superblock.clusterId(), superblock.checkpoint(), loaded::set);
        AtomicReference<Journal.RecoveryResult> recovered = new AtomicReference<>();
        Journal.recover(disk, layout, superblock, config.canaries(), recovered::set);
        Check.that(loaded.get() != null && recovered.get() != null, "reads on the caller's thread complete at once");
        ReplicaStorage.Opened opened = ReplicaStorage.open(disk, checkpoints, read, recovered.get(), loaded.get(), listener);
        if (bootError != null) throw new IOException(data + ": the restart's repairs failed: " + bootError);
        service = options.services().get();
        if (opened.checkpointFile() != null) restore(opened.checkpointFile());
        if (opened.checkpointProblem() != null) {
            LOG.warn("replica {}: the file of the checkpoint at op {} is missing or damaged ({}): the replica fetches "
                    + "the state from a peer", replicaIndex, superblock.checkpoint().op(), opened.checkpointProblem());
        }
        Replica.Durable durable = opened.durable();
        replica = Replica.restart(config, replicaIndex, service, new Prng(new SecureRandom().nextLong()), durable);
        port = new StoragePort(opened.storage(), checkpointThread, superblock.clusterId());
        events = new ReplicaEvents(replica, LOG, metrics);
        LOG.info("replica {} view {}: started from {}: {}, log view {}, op {}, commit {}, checkpoint at op {}{}{}",
                replicaIndex, replica.view(), options.dataDirectory(), replica.status(), replica.logView(), replica.op(),
                replica.commit(), replica.logAnchorOp(), durable.damage() != null ? ", journal damaged" : "",
                durable.recovering() ? ", recovering a lost disk" : "");
    }

    /** Restores the live service from a checkpoint file's snapshot: at start, or after a state sync's install. */
    private void restore(CheckpointFile.Contents contents) {
        try {
            service.restore(contents.snapshotStream());
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + replicaIndex + ": the snapshot of the checkpoint at op "
                    + contents.checkpoint().op() + " does not restore", e);
        }
    }

    /** A closing node is done when no disk or file operation is under way and no checkpoint waits for its file. */
    private boolean drained() {
        return journalThread.idle() && checkpointThread.idle() && !port.encoding();
    }

    /** Lets the I/O threads finish the operations they were given (a sync under way, say), then ends them. */
    private void shutDownThreads() {
        try {
            journalThread.shutDown(5_000);
            checkpointThread.shutDown(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeFile() {
        if (file == null) return;
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("replica {}: closing {}: {}", replicaIndex, file.path(), e.toString());
        }
    }

    private long view() {
        return events == null ? 0 : events.viewSeen();
    }

    // ---------------------------------------------------------------------------------------------
    // The replica thread.

    private final class LoopHandler implements EventLoop.Handler {
        @Override
        public void onMessage(Message message) {
            if (message instanceof Request request && metrics != NodeMetrics.NONE) {
                requestClock.onRequest(request.clientId(), request.requestNumber(), System.nanoTime());
            }
            replica.step(message, output);
            events.observe();
        }

        @Override
        public void onTick() {
            replica.realtime(System.currentTimeMillis());
            replica.tick(output);
            ticks++;
            if (noSpace && ticks % options.resumeTicks() == 0) port.storage().resume();
            events.observe();
            if (ticks % statusIntervalTicks == 0) transport.publishStatus(statusNow());
        }

        @Override
        public void fail(Throwable cause) {
            NodeFailure stop = cause instanceof NodeFailure f ? f
                    : new NodeFailure("replica " + replicaIndex + " view " + view() + ": stopped: " + cause, cause);
            failure.compareAndSet(null, stop);
            LOG.error("{}", stop.getMessage());
            LOG.debug("replica {}: the failure's stack", replicaIndex, cause);
        }

        @Override
        public void onExit() {
            transport.close();
            shutDownThreads();
            closeFile();
            NodeFailure failed = failure.get();
            if (failed == null) {
                LOG.info("replica {} view {}: closed", replicaIndex, view());
                terminated.complete(null);
            } else {
                terminated.completeExceptionally(failed);
            }
        }
    }

    /** What the transport calls, from its own threads. */
    private final class NodeInbound implements Transport.Inbound {
        @Override
        public boolean deliver(Message message) {
            if (loop.offer(message)) return true;
            long dropped = droppedMessages.incrementAndGet();
            if (dropped >= 2 * droppedLogged && !terminated.isDone()) {
                // Doubling: a replica that cannot keep up says so without flooding its log.
                droppedLogged = dropped;
                LOG.warn("replica {} view {}: inbound queue full ({} messages): {} messages dropped so far", replicaIndex,
                        view(), options.inboundQueueCountMax(), dropped);
            }
            return false;
        }

        @Override
        public void peerUp(int peer) {
            LOG.info("replica {} view {}: peer {} up", replicaIndex, view(), peer);
        }

        @Override
        public void peerDown(int peer) {
            LOG.info("replica {} view {}: peer {} down", replicaIndex, view(), peer);
        }
    }

    /** The core's outputs, on the replica thread: to the transport, and to the storage in order. */
    private final class NodeOutput implements Output {
        @Override
        public void send(int to, Message message) {
            transport.send(to, message);
        }

        @Override
        public void reply(Reply reply) {
            if (metrics != NodeMetrics.NONE) {
                long nanos = requestClock.onReply(reply.clientId(), reply.requestNumber(), System.nanoTime());
                if (nanos >= 0) metrics.onRequestReplied(nanos);
            }
            transport.reply(reply.clientId(), reply);
        }

        @Override
        public void persistPrepare(Entry entry) {
            port.submit(s -> s.persistPrepare(entry));
        }

        @Override
        public void persistState(ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            List<Entry> entries = List.copyOf(suffix);
            port.submit(s -> s.persistState(state, anchorOp, anchorChecksum, entries));
        }

        @Override
        public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
            checkpointAskedNanos = System.nanoTime();
            port.persistCheckpoint(checkpoint, snapshot);
        }

        /** Served beside the storage's queue, as the storage does: the chunk goes out when its read completes. */
        @Override
        public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
            port.storage().serveSyncChunk(checkpointOp, identity, offset, chunk -> transport.send(to, chunk));
        }

        @Override
        public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
            byte[] chunk = bytes.clone();
            port.submit(s -> s.writeSyncChunk(checkpointOp, offset, chunk));
        }

        @Override
        public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, ReplicaState state) {
            LOG.info("replica {} view {}: installing the checkpoint at op {} fetched from a peer ({} bytes)", replicaIndex,
                    view(), checkpointOp, sizeBytes);
            port.submit(s -> s.installSync(checkpointOp, identity, sizeBytes, fileChecksum, state, options.services()));
        }
    }

    /** The storage's completions, on the replica thread, forwarded to the replica. */
    private final class StorageListener implements ReplicaStorage.Listener {
        @Override
        public void onPrepareDurable(long op, long checksum) {
            resumed();
            replica.onPrepareDurable(op, checksum, output);
            events.observe();
        }

        @Override
        public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
            resumed();
            replica.onStateDurable(view, logView, lastOp, lastChecksum, output);
            events.observe();
        }

        @Override
        public void onCheckpointDurable(long op) {
            resumed();
            if (checkpointAskedNanos != 0) {
                metrics.onCheckpointDurable(System.nanoTime() - checkpointAskedNanos);
                checkpointAskedNanos = 0;
            }
            replica.onCheckpointDurable(op, output);
            events.observe();
        }

        @Override
        public void onSyncChunkDurable(long checkpointOp, long end) {
            resumed();
            replica.onSyncChunkDurable(checkpointOp, end, output);
            events.observe();
        }

        /** The live service takes the installed state first: the replica checks its identity against it. */
        @Override
        public void onSyncInstalled(CheckpointFile.Contents installed) {
            resumed();
            restore(installed);
            replica.onSyncInstalled(installed.checkpoint(), output);
            events.observe();
        }

        @Override
        public void onSyncFailed(long checkpointOp, String reason) {
            LOG.warn("replica {} view {}: the checkpoint at op {} fetched from a peer failed its checks: {}", replicaIndex,
                    view(), checkpointOp, reason);
            replica.onSyncFailed(checkpointOp, reason, output);
            events.observe();
        }

        @Override
        public void onError(DiskError error) {
            if (replica == null) {
                bootError = error; // start() fails with it
                return;
            }
            switch (error.kind()) {
                case NO_SPACE -> {
                    // The replica stays up and safe: nothing more becomes durable, so it
                    // acknowledges nothing more, until a retry finds space.
                    if (!noSpace) {
                        LOG.warn("replica {} view {}: storage stopped: {}: acknowledging nothing, retrying every {} ms",
                                replicaIndex, view(), error.message(), (long) options.resumeTicks() * options.tickMillis());
                    }
                    noSpace = true;
                }
                // Fatal: after a failed sync the page cache cannot be trusted, and a retried sync may
                // falsely succeed; a write error is one this process cannot repair. Exit, and
                // recover from the disk on restart.
                case SYNC, READ, WRITE -> throw new NodeFailure("replica " + replicaIndex + " view " + view()
                        + ": storage failed (" + error.kind() + "): " + error.message()
                        + ": exit, and restart from the data directory", null);
            }
        }

        private void resumed() {
            if (!noSpace) return;
            noSpace = false;
            LOG.info("replica {} view {}: storage resumed", replicaIndex, view());
        }
    }
}
