package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.RecordingOutput.AskedInstall;
import dev.viewstamp.core.replica.RecordingOutput.Event;
import dev.viewstamp.core.replica.RecordingOutput.PersistedCheckpoint;
import dev.viewstamp.core.replica.RecordingOutput.PersistedPrepare;
import dev.viewstamp.core.replica.RecordingOutput.PersistedState;
import dev.viewstamp.core.replica.RecordingOutput.Replied;
import dev.viewstamp.core.replica.RecordingOutput.Sent;
import dev.viewstamp.core.replica.RecordingOutput.ServedSyncChunk;
import dev.viewstamp.core.replica.RecordingOutput.StagedSyncChunk;
import dev.viewstamp.core.service.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Replicas wired together in memory for unit tests: every message is delivered and every write
 * completes at once, except to replicas marked down.
 */
final class TestCluster {
    final ClusterConfig config;
    final Replica[] replicas;
    final RecordingOutput[] outputs;
    final boolean[] down;
    final List<Reply> replies = new ArrayList<>();
    private final StateMachine.Snapshot[] lastSnapshots;
    /** Each replica's durable checkpoint file, as {@link #fileOf} writes it; null before the first. */
    private final byte[][] checkpointFiles;
    /** Each replica's staged file of a state sync. */
    private final ByteArrayOutputStream[] staged;
    /** The services, when the test gave them ({@link #withServices}): a sync install restores them. */
    private StateMachine[] services;
    /** Bytes per sync chunk. */
    int syncChunkSizeBytes = 16;
    /** How many of the next staged chunks land with a flipped bit (a fault of the staging disk). */
    int corruptStagedChunks;
    /** How many installs found the staged file damaged. */
    int installFailures;
    /** While set, checkpoints are not made durable: they wait in {@link #heldCheckpoints}. */
    boolean holdCheckpoints;
    private final List<Runnable> heldCheckpoints = new ArrayList<>();
    /** While set, a state sync's install is not carried out: it waits in {@link #heldInstalls}. */
    boolean holdInstalls;
    final List<Runnable> heldInstalls = new ArrayList<>();

    TestCluster(ClusterConfig config, Replica... replicas) {
        this.config = config;
        this.replicas = replicas;
        this.outputs = new RecordingOutput[replicas.length];
        for (int i = 0; i < replicas.length; i++) outputs[i] = new RecordingOutput();
        this.down = new boolean[replicas.length];
        this.lastSnapshots = new StateMachine.Snapshot[replicas.length];
        this.checkpointFiles = new byte[replicas.length][];
        this.staged = new ByteArrayOutputStream[replicas.length];
    }

    /** The services the replicas run, so that a state sync's install can restore them. */
    TestCluster withServices(StateMachine... services) {
        this.services = services;
        return this;
    }

    /** Sends {@code request} to the primary of view 0 and delivers until quiet. */
    void request(Request request) {
        replicas[config.primaryIndex(0)].step(request, outputs[config.primaryIndex(0)]);
        deliverAll();
    }

    void tickUntil(BooleanSupplier done, int ticksMax) {
        for (int tick = 0; tick < ticksMax && !done.getAsBoolean(); tick++) {
            for (int i = 0; i < replicas.length; i++) if (!down[i]) replicas[i].tick(outputs[i]);
            deliverAll();
        }
        assertThat(done.getAsBoolean()).as("condition reached within %d ticks", ticksMax).isTrue();
    }

    void deliverAll() {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < replicas.length; i++) {
                List<Event> events = new ArrayList<>(outputs[i].events);
                outputs[i].clear();
                if (down[i]) continue;
                for (Event event : events) {
                    progress = true;
                    switch (event) {
                        case Sent s -> {
                            if (!down[s.replica()]) replicas[s.replica()].step(s.message(), outputs[s.replica()]);
                        }
                        case Replied r -> replies.add(r.reply());
                        case PersistedPrepare p ->
                                replicas[i].onPrepareDurable(p.entry().op(), p.entry().checksum(), outputs[i]);
                        case PersistedState s -> replicas[i].onStateDurable(s.view(), s.logView(), s.lastOp(),
                                s.lastChecksum(), outputs[i]);
                        case PersistedCheckpoint c -> {
                            int replica = i;
                            Runnable durable = () -> {
                                lastSnapshots[replica] = c.snapshot();
                                checkpointFiles[replica] = fileOf(c.checkpoint(), c.snapshot());
                                replicas[replica].onCheckpointDurable(c.checkpoint().op(), outputs[replica]);
                            };
                            if (holdCheckpoints) heldCheckpoints.add(durable);
                            else durable.run();
                        }
                        case ServedSyncChunk c -> serveChunk(i, c);
                        case StagedSyncChunk c -> {
                            if (c.offset() == 0 || staged[i] == null) staged[i] = new ByteArrayOutputStream();
                            assertThat(staged[i].size()).as("chunks staged in order").isEqualTo(c.offset());
                            byte[] landed = c.bytes();
                            if (corruptStagedChunks > 0) {
                                corruptStagedChunks--;
                                landed[0] ^= 1;
                            }
                            staged[i].writeBytes(landed);
                            replicas[i].onSyncChunkDurable(c.checkpointOp(), staged[i].size(), outputs[i]);
                        }
                        case AskedInstall a -> {
                            int replica = i;
                            if (holdInstalls) heldInstalls.add(() -> install(replica, a));
                            else install(i, a);
                        }
                    }
                }
            }
        }
    }

    /** The snapshot of the last checkpoint replica {@code index} asked to persist. */
    StateMachine.Snapshot lastSnapshot(int index) {
        return lastSnapshots[index];
    }

    /** A checkpoint file: the checkpoint's fields, its client table and the snapshot's bytes. */
    static byte[] fileOf(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(checkpoint.op());
            out.writeLong(checkpoint.entryChecksum());
            out.writeLong(checkpoint.entryTimestamp());
            out.writeLong(checkpoint.identity());
            out.writeInt(checkpoint.clientTable().length);
            out.write(checkpoint.clientTable());
            snapshot.writeTo(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serveChunk(int from, ServedSyncChunk asked) {
        byte[] file = checkpointFiles[from];
        if (file == null || down[asked.to()]) return;
        int start = (int) Math.min(asked.offset(), file.length);
        int end = Math.min(file.length, start + syncChunkSizeBytes);
        if (start >= end) return;
        SyncChunk chunk = SyncChunk.of(asked.checkpointOp(), asked.identity(), start, file.length,
                SyncChunk.checksumOf(file), java.util.Arrays.copyOfRange(file, start, end), from);
        replicas[asked.to()].step(chunk, outputs[asked.to()]);
    }

    private void install(int replica, AskedInstall asked) {
        byte[] file = staged[replica].toByteArray();
        if (file.length != asked.sizeBytes() || SyncChunk.checksumOf(file) != asked.fileChecksum()) {
            installFailures++;
            replicas[replica].onSyncFailed(asked.checkpointOp(), "staged file differs", outputs[replica]);
            return;
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(file));
            long op = in.readLong();
            long entryChecksum = in.readLong();
            long entryTimestamp = in.readLong();
            long identity = in.readLong();
            byte[] table = new byte[in.readInt()];
            in.readFully(table);
            services[replica].restore(in);
            Checkpoint installed = new Checkpoint(op, entryChecksum, entryTimestamp, identity, table);
            checkpointFiles[replica] = file;
            replicas[replica].onSyncInstalled(installed, outputs[replica]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Carries out the held installs, in order, and delivers what follows. */
    void releaseInstalls() {
        holdInstalls = false;
        List<Runnable> held = new ArrayList<>(heldInstalls);
        heldInstalls.clear();
        held.forEach(Runnable::run);
        deliverAll();
    }

    /** Makes the held checkpoints durable, in order, and delivers what follows. */
    void releaseCheckpoints() {
        holdCheckpoints = false;
        List<Runnable> held = new ArrayList<>(heldCheckpoints);
        heldCheckpoints.clear();
        held.forEach(Runnable::run);
        deliverAll();
    }
}
