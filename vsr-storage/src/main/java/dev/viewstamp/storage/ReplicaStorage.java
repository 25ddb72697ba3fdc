package dev.viewstamp.storage;

import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The replica's durability port on a real disk layout: the core's persist calls become journal
 * and superblock writes, completed in the order they were asked for.
 *
 * <ul>
 *   <li>{@link #persistPrepare}: consecutive prepares are written and synced (group commit),
 *       then their redundant headers are written and synced, then they are reported in order
 *       ({@link GroupCommit}).
 *   <li>{@link #persistState}: a log change. When it cuts the log back, a first superblock cuts it
 *       to the anchor in the old log view; then the suffix entries go to their slots and are
 *       synced; then a superblock names the new head, views and suffix headers. A crash at any
 *       point leaves the old log, the old log cut back (possibly extended by new entries that
 *       chain to it), or the new log, never one with holes (docs/STORAGE.md, rule 2;
 *       {@link LogChange}).
 *   <li>{@link #persistCheckpoint}: the checkpoint's file is written and synced, then a superblock
 *       names it, then the previous checkpoint's file is deleted ({@link CheckpointWrite}).
 *   <li>State sync (docs/CHECKPOINTS.md, section 7): {@link #serveSyncChunk} reads a chunk of the
 *       checkpoint file the superblock names, for a peer; {@link #writeSyncChunk} stages a chunk
 *       fetched from one, synced before it is reported ({@link SyncChunks}); {@link #installSync}
 *       checks the staged file, makes it the checkpoint's file, and names it in a superblock with
 *       the log cut to its op ({@link SyncInstall}).
 *   <li>{@link #open}: before anything the replica asks for, a restart writes a superblock state
 *       that not every copy holds to all of them, records the damage recovery found, rewrites the
 *       redundant headers it found lost, and deletes the checkpoint files the superblock does not
 *       name ({@link RestartRepair}).
 * </ul>
 *
 * <p>Requests are processed one at a time; a disk error stops processing. {@link DiskError.Kind#SYNC}
 * is fatal; {@link DiskError.Kind#NO_SPACE} leaves the request unreported, so the replica stops
 * acknowledging (it stays safe) until {@link #resume}.
 */
public final class ReplicaStorage {

    /** Where completions and errors go: the driver forwards them to the replica. */
    public interface Listener {
        void onPrepareDurable(long op, long checksum);

        void onStateDurable(long view, long logView, long lastOp, long lastChecksum);

        /** The checkpoint at {@code op} is durable and named by the superblock (docs/CHECKPOINTS.md). */
        void onCheckpointDurable(long op);

        /** Processing stopped at a request; {@code error} says why. Nothing after it was written. */
        void onError(DiskError error);

        /**
         * A staged chunk of a state sync is durable, and the staged file is whole up to {@code end}
         * ({@link #writeSyncChunk}). A storage that never syncs need not take it.
         */
        default void onSyncChunkDurable(long checkpointOp, long end) {
            throw new IllegalStateException("this listener takes no state sync");
        }

        /**
         * The fetched checkpoint is installed ({@link #installSync}): the superblock names it, with
         * the log cut to its op. The driver restores the live service from {@code installed}'s
         * snapshot, then tells the replica.
         */
        default void onSyncInstalled(CheckpointFile.Contents installed) {
            throw new IllegalStateException("this listener takes no state sync");
        }

        /** The staged file failed a check at install ({@link #installSync}); nothing changed. */
        default void onSyncFailed(long checkpointOp, String reason) {
            throw new IllegalStateException("this listener takes no state sync");
        }
    }

    /**
     * Bytes per state-sync chunk a replica serves by default: 64 KiB, an eighth of the smallest
     * message limit a cluster is formatted with by default (256 KiB), so a chunk and its framing
     * always fit one message, and a 1 GiB checkpoint takes 16,384 round trips. The simulator serves
     * smaller chunks ({@link #syncChunkSizeBytes(int)}) so that its small checkpoints take several.
     */
    public static final int SYNC_CHUNK_SIZE_BYTES = 64 * 1024;

    sealed interface Pending permits GroupCommit.Prepare, LogChange, RestartRepair.RewriteSuperblock,
            RestartRepair.RecordDamage, RestartRepair.RepairHeaders, RestartRepair.CleanUpCheckpoints, CheckpointWrite,
            SyncChunks.Stage, SyncInstall {}

    private final Disk disk;
    private final CheckpointStore checkpoints;
    private final Journal journal;
    private final Listener listener;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private Superblock.State superblock;
    private long sequence;
    /** The last op of the durable log: the superblock's head, extended by prepares written since. */
    private long logHeadOp;
    private boolean busy;
    private DiskError stopped;
    /** Work that a completion made ready, run by {@link #schedule} one after another. */
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private boolean draining;
    private boolean canaryResumeFromStart;
    /**
     * The file of the checkpoint the superblock names was missing or damaged at the restart: a
     * state sync may install the very same checkpoint over it ({@link SyncInstall}).
     */
    private boolean checkpointFileLost;
    private final GroupCommit groupCommit;
    private final RestartRepair restartRepair;
    private final SyncChunks syncChunks;

    /**
     * Storage over {@code disk}, whose superblock holds {@code superblock}, whose journal last
     * wrote sequence {@code sequence}, and whose durable log ends at {@code logHeadOp} (all from
     * recovery, or from formatting), with no checkpoint store: it takes no checkpoints.
     */
    public ReplicaStorage(Disk disk, Journal journal, Superblock.State superblock, long sequence, long logHeadOp,
            Listener listener) {
        this(disk, CheckpointStore.NONE, journal, superblock, sequence, logHeadOp, listener);
    }

    /**
     * As {@link #ReplicaStorage(Disk, Journal, Superblock.State, long, long, Listener)}, with the
     * checkpoint files in {@code checkpoints}.
     */
    public ReplicaStorage(Disk disk, CheckpointStore checkpoints, Journal journal, Superblock.State superblock,
            long sequence, long logHeadOp, Listener listener) {
        this.disk = disk;
        this.checkpoints = checkpoints;
        this.logHeadOp = logHeadOp;
        this.journal = journal;
        this.superblock = superblock;
        this.sequence = sequence;
        this.listener = listener;
        this.groupCommit = new GroupCommit(this);
        this.restartRepair = new RestartRepair(this, disk, journal, checkpoints);
        this.syncChunks = new SyncChunks(this, checkpoints);
    }

    /**
     * A storage reopened after recovery, and what its replica restarts from: {@code durable}, and,
     * when it names a checkpoint, that checkpoint's file ({@code checkpointFile}), whose snapshot
     * the driver restores the service from before {@code Replica.restart}. {@code checkpointFile}
     * is null when no checkpoint is named, or when the named file is missing or damaged; then
     * {@code checkpointProblem} says what is wrong with it, and {@code durable} says the checkpoint
     * is lost: the service starts empty and the replica fetches the state from a peer.
     */
    public record Opened(ReplicaStorage storage, Replica.Durable durable, CheckpointFile.Contents checkpointFile,
            String checkpointProblem) {}

    /**
     * Reopens storage over {@code disk}, whose superblock read gave {@code read}, after
     * {@link Journal#recover}: the journal goes on above every write sequence on the disk. Before
     * anything else is written:
     *
     * <ol>
     *   <li>a superblock state that not every copy holds is written to all of them. A write the
     *       replica never acted on (a crash after its first copies) becomes the state it acts on
     *       now, so it must stop depending on one copy: a bad sector there would otherwise bring
     *       back the older state, and the replica would forget a view it has voted in since.
     *   <li>damage recovery found is recorded ({@link #persistDamage});
     *   <li>the redundant headers it found missing or damaged in the recovered log are rewritten
     *       ({@link Journal#repairHeaders}), after the damage record, since the repair overwrites
     *       unreadable headers that were part of the evidence.
     * </ol>
     *
     * The replica may start meanwhile: whatever it persists waits behind these writes, so it
     * acknowledges nothing and enters no new view before they are durable. What it sends from its
     * restart state alone does not wait (a DoViewChange it resends, say); a crash in that window,
     * followed by a bad sector in the one copy holding that state, would still bring back the
     * older one. Closing that window means starting the replica only once these writes are done;
     * neither the simulator nor this class does that yet.
     */
    public static Opened open(Disk disk, Superblock.ReadResult read, Journal.RecoveryResult recovered, Listener listener) {
        return open(disk, CheckpointStore.NONE, read, recovered,
                new CheckpointFile.Loaded(CheckpointReference.NONE, null, null), listener);
    }

    /**
     * As {@link #open(Disk, Superblock.ReadResult, Journal.RecoveryResult, Listener)}, with the
     * checkpoint files in {@code checkpoints}, and what {@link CheckpointFile#load} found of the file
     * the superblock names. A named file that is missing or damaged is kept until a state sync
     * installs a checkpoint over it ({@link DurableState#of(Superblock.State, Journal.Recovery,
     * CheckpointFile.Loaded)}). After the writes above, the files a crash left that the superblock
     * does not name are deleted: only then, since until the superblock repair an older copy may
     * still name one of them.
     */
    public static Opened open(Disk disk, CheckpointStore checkpoints, Superblock.ReadResult read,
            Journal.RecoveryResult recovered, CheckpointFile.Loaded loaded, Listener listener) {
        Superblock.State superblock = read.state();
        Journal.Recovery recovery = recovered.recovery();
        long sequence = Math.max(superblock.journalSequence(), recovery.sequenceMax());
        Replica.Durable durable = DurableState.of(superblock, recovery, loaded);
        ReplicaStorage storage = new ReplicaStorage(disk, checkpoints, recovered.journal(), superblock, sequence,
                recovery.headOp(), listener);
        if (read.degraded()) storage.queue.addLast(new RestartRepair.RewriteSuperblock());
        if (durable.damage() != null) storage.queue.addLast(new RestartRepair.RecordDamage(durable.damage().opMax()));
        storage.queue.addLast(new RestartRepair.RepairHeaders());
        // A data file formatted without checkpoints has no files to clean up, and its restarts
        // wait for no listing.
        if (superblock.checkpointIntervalOps() > 0) storage.queue.addLast(new RestartRepair.CleanUpCheckpoints());
        storage.checkpointFileLost = loaded.lost();
        storage.pump();
        return new Opened(storage, durable, loaded.contents(), loaded.problem());
    }

    public Superblock.State superblock() {
        return superblock;
    }

    /** Requests that {@code entry} be appended and made durable. */
    public void persistPrepare(Entry entry) {
        queue.addLast(new GroupCommit.Prepare(entry));
        schedule(this::pump);
    }

    /** Requests an atomic log change: views, truncation after {@code anchorOp}, and the new suffix. */
    public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum,
            List<Entry> suffix) {
        if (suffix.size() > Superblock.SUFFIX_HEADERS_MAX) {
            throw new IllegalArgumentException("a log change of " + suffix.size() + " entries exceeds the superblock's "
                    + Superblock.SUFFIX_HEADERS_MAX + " suffix headers");
        }
        queue.addLast(new LogChange(this, state, anchorOp, anchorChecksum, List.copyOf(suffix)));
        schedule(this::pump);
    }

    /**
     * Requests that {@code checkpoint} be made durable with the service's {@code snapshot}
     * ({@link CheckpointWrite}); completion: {@link Listener#onCheckpointDurable}, in order with
     * the other requests. The file's bytes are built now, in memory (see {@link CheckpointFile}),
     * and its write starts at once.
     */
    public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        persistCheckpointFile(checkpoint, CheckpointFile.encode(superblock.clusterId(), checkpoint, snapshot));
    }

    /**
     * As {@link #persistCheckpoint}, with the checkpoint's file already encoded
     * ({@link CheckpointFile#encode}, for this storage's cluster): the runtime encodes it on
     * another thread, so that writing a large snapshot never stalls the replica's thread.
     */
    public void persistCheckpointFile(Checkpoint checkpoint, byte[] file) {
        CheckpointWrite write = new CheckpointWrite(this, checkpoints, checkpoint, file);
        queue.addLast(write);
        write.startFile();
        schedule(this::pump);
    }

    /**
     * Makes the damage recovery found durable before any other write: the next superblock
     * would otherwise cover the records that showed it (its journal sequence passes theirs), and a
     * crash after it would come back clean, without ops this replica acknowledged. Views, head,
     * suffix and journal sequence stay as they were, so the evidence stays valid too
     * ({@link RestartRepair#recordDamage}). It goes first in the queue, so it is asked for before
     * any other request has started: a running request completes by taking the head of the queue.
     *
     * @throws IllegalStateException when a request is already running
     */
    public void persistDamage(long damagedOpMax) {
        if (busy) {
            throw new IllegalStateException("damage is recorded before any other write starts, at the restart");
        }
        queue.addFirst(new RestartRepair.RecordDamage(damagedOpMax));
        schedule(this::pump);
    }

    /** Serves state-sync chunks of {@code value} bytes instead of {@link #SYNC_CHUNK_SIZE_BYTES}. */
    public void syncChunkSizeBytes(int value) {
        if (value < 1) throw new IllegalArgumentException("a sync chunk of " + value + " bytes");
        syncChunks.chunkSizeBytes(value);
    }

    /**
     * State sync, serving: reads the chunk at {@code offset} of the checkpoint file the superblock
     * names, when it names the checkpoint at {@code checkpointOp} with {@code identity}, and hands
     * it to {@code send} as a {@link SyncChunk} from this replica. Sends nothing when the
     * superblock names another checkpoint (a newer one is replacing it: the asker will be offered
     * that one), when the file cannot be read (it went meanwhile), or at or past its end. The read
     * goes straight to the store, beside the queue: it changes nothing, and a delete queued before
     * it at most makes it find nothing.
     */
    public void serveSyncChunk(long checkpointOp, long identity, long offset, Consumer<SyncChunk> send) {
        syncChunks.serve(checkpointOp, identity, offset, send);
    }

    /**
     * State sync, receiving: writes {@code bytes} at {@code offset} of the staged file of the
     * checkpoint at {@code checkpointOp}, at its turn among the other requests, and syncs it;
     * completion {@link Listener#onSyncChunkDurable}. A chunk at offset 0, or of another
     * checkpoint, starts the staged file over ({@link CheckpointStore#writeStaged}).
     */
    public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
        queue.addLast(new SyncChunks.Stage(checkpointOp, offset, bytes.clone()));
        schedule(this::pump);
    }

    /**
     * State sync, install ({@link SyncInstall}): at its turn, checks that the staged file of the
     * checkpoint at {@code checkpointOp} is {@code sizeBytes} long with checksum
     * {@code fileChecksum}, and restores (in a new service from {@code services}) to a state whose
     * identity is {@code identity}; then makes it this replica's checkpoint, named by a superblock
     * with {@code state} and the log cut to its op. Completion {@link Listener#onSyncInstalled}, or
     * {@link Listener#onSyncFailed} when a check fails (nothing changed then).
     */
    public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum, Output.ReplicaState state,
            Supplier<? extends StateMachine> services) {
        queue.addLast(new SyncInstall(this, checkpoints, checkpointOp, identity, sizeBytes, fileChecksum, state, services));
        schedule(this::pump);
    }

    /** Retries after a {@link DiskError.Kind#NO_SPACE} stop, for example once space returns. */
    public void resume() {
        if (stopped != null && stopped.kind() != DiskError.Kind.SYNC) {
            if (canaryResumeFromStart && queue.peekFirst() instanceof LogChange change) change.startOverForCanary();
            stopped = null;
            schedule(this::pump);
        }
    }

    /** True when a disk error stopped processing. */
    public boolean stopped() {
        return stopped != null;
    }

    /**
     * What the storage is doing, for the replica's status: {@code ok}; {@code stopped: ...} (a full
     * disk: nothing becomes durable, so the replica acknowledges nothing, until {@link #resume});
     * or {@code failed: ...} (a failed sync: the process must exit and recover from its disk).
     */
    public String status() {
        if (stopped == null) return "ok";
        if (stopped.kind() == DiskError.Kind.SYNC) {
            return "failed: " + stopped.message() + " (a failed sync is fatal: exit and recover from the disk)";
        }
        return "stopped: " + stopped.message() + " (acknowledging nothing; resumes when the disk accepts writes)";
    }

    /** Plants {@link Canary#RESUME_LOG_CHANGE_FROM_START} when {@code canaries} holds it. Tests only. */
    public void canariesForTesting(java.util.Set<Canary> canaries) {
        canaryResumeFromStart = canaries.contains(Canary.RESUME_LOG_CHANGE_FROM_START);
    }

    /**
     * Runs {@code work} now, or, when called from within work already running (a disk that
     * completes synchronously calls back from inside the write that it completes), right after
     * that work returns. So completions never nest: 100,000 writes released at once by
     * {@link #resume} run one after another on a stack of constant depth.
     */
    void schedule(Runnable work) {
        ready.addLast(work);
        if (draining) return;
        draining = true;
        try {
            for (Runnable next = ready.pollFirst(); next != null; next = ready.pollFirst()) next.run();
        } finally {
            draining = false;
        }
    }

    /** A disk completion that continues with {@code then}, or stops on an error. */
    Disk.Completion andThen(Runnable then) {
        return error -> schedule(() -> {
            if (error != null) stop(error);
            else then.run();
        });
    }

    /** Starts the request at the head of the queue, unless one is running or a disk error stopped processing. */
    private void pump() {
        while (!busy && stopped == null && !queue.isEmpty()) {
            busy = true;
            switch (queue.peekFirst()) {
                case GroupCommit.Prepare p -> groupCommit.run();
                case LogChange change -> change.run();
                case RestartRepair.RewriteSuperblock r -> restartRepair.rewriteSuperblock();
                case RestartRepair.RecordDamage d -> restartRepair.recordDamage(d);
                case RestartRepair.RepairHeaders r -> restartRepair.repairHeaders();
                case RestartRepair.CleanUpCheckpoints c -> restartRepair.cleanUpCheckpoints();
                case CheckpointWrite c -> c.run();
                case SyncChunks.Stage stage -> syncChunks.write(stage);
                case SyncInstall install -> install.run();
            }
        }
    }

    private void finish() {
        busy = false;
        pump();
    }

    /** Stops processing at the running request, which stays queued and unreported until {@link #resume}. */
    void stop(DiskError error) {
        busy = false;
        stopped = error;
        listener.onError(error); // the process logs it (and exits on SYNC); status() keeps saying why
    }

    /** The requests in the queue, the head first. */
    Iterable<Pending> queued() {
        return Collections.unmodifiableCollection(queue);
    }

    /** The request at the head of the queue is done: drop it and go on with the next. */
    void completeHead() {
        queue.pollFirst();
        finish();
    }

    /** The request at the head of the queue is done: drop it, {@code report} it, and go on with the next. */
    void completeHead(Consumer<Listener> report) {
        queue.pollFirst();
        report.accept(listener);
        finish();
    }

    /** The prepares of a group commit, at the head of the queue, are durable: report them in order. */
    void completePrepares(List<Entry> batch) {
        for (Entry entry : batch) {
            queue.pollFirst();
            logHeadOp = Math.max(logHeadOp, entry.op());
            listener.onPrepareDurable(entry.op(), entry.checksum());
        }
        finish();
    }

    /** The checkpoint at the head of the queue is durable and named: report it. */
    void completeCheckpoint(CheckpointWrite write) {
        Check.that(queue.peekFirst() == write, "a checkpoint completes at its turn");
        completeHead(l -> l.onCheckpointDurable(write.op()));
    }

    /** The install at the head of the queue is durable: report it. */
    void completeSync(SyncInstall install, CheckpointFile.Contents installed) {
        Check.that(queue.peekFirst() == install, "an install completes at its turn");
        checkpointFileLost = false;
        completeHead(l -> l.onSyncInstalled(installed));
    }

    /** The install at the head of the queue failed a check: nothing changed; report it. */
    void failSync(SyncInstall install, String reason) {
        Check.that(queue.peekFirst() == install, "an install fails at its turn");
        completeHead(l -> l.onSyncFailed(install.op(), reason));
    }

    /** Every copy of the superblock now holds {@code written}. */
    void superblockWritten(Superblock.State written) {
        superblock = written;
    }

    /** The journal's last write sequence: a superblock that names a new log covers every record written so far. */
    long journalSequence() {
        return sequence;
    }

    /** The last op of the durable log. */
    long logHeadOp() {
        return logHeadOp;
    }

    /** True while the named checkpoint's file is one a restart found missing or damaged. */
    boolean checkpointFileLost() {
        return checkpointFileLost;
    }

    /**
     * Writes {@code entry} to its slot with the journal's next sequence, which it then counts as
     * written; then {@code then}. Durable only after a {@link #syncJournal}.
     */
    void appendToJournal(Entry entry, Runnable then) {
        journal.writePrepare(entry, sequence + 1, superblock.checkpoint().op(), andThen(() -> {
            sequence++;
            then.run();
        }));
    }

    /** Syncs the journal: every record written so far is durable; then {@code then}. */
    void syncJournal(Runnable then) {
        journal.sync(andThen(then));
    }

    /** Writes the redundant headers of {@code entries} (durable prepares, written with sequences from {@code firstSequence}), then syncs. */
    void writeHeaders(List<Entry> entries, long firstSequence, int index, Runnable done) {
        if (index == entries.size()) {
            syncJournal(done);
            return;
        }
        journal.writeHeader(entries.get(index), firstSequence + index,
                andThen(() -> writeHeaders(entries, firstSequence, index + 1, done)));
    }

    /**
     * Writes {@code next}, which names a checkpoint or records damage, to every copy; then
     * {@code then}. The log's head and journal sequence stay as they were: a checkpoint changes
     * neither the log nor which records are newer than the superblock, and a damage record must
     * keep the evidence valid ({@link RestartRepair#recordDamage}).
     */
    void writeSuperblock(Superblock.State next, Runnable then) {
        Superblock.write(disk, next, andThen(() -> {
            superblock = next;
            then.run();
        }));
    }

    /**
     * Writes {@code next}, which names a new log ending at {@code headOp} (a log change's, or an
     * installed checkpoint's with the log cut to its op), to every copy; then {@code then}.
     */
    void writeLogSuperblock(Superblock.State next, long headOp, Runnable then) {
        writeSuperblock(next, () -> {
            logHeadOp = headOp;
            then.run();
        });
    }
}
