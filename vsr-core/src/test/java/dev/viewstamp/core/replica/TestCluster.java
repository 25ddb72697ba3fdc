package dev.viewstamp.core.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.RecordingOutput.Event;
import dev.viewstamp.core.replica.RecordingOutput.PersistedCheckpoint;
import dev.viewstamp.core.replica.RecordingOutput.PersistedPrepare;
import dev.viewstamp.core.replica.RecordingOutput.PersistedState;
import dev.viewstamp.core.replica.RecordingOutput.Replied;
import dev.viewstamp.core.replica.RecordingOutput.Sent;
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
    private final dev.viewstamp.core.service.StateMachine.Snapshot[] lastSnapshots;

    TestCluster(ClusterConfig config, Replica... replicas) {
        this.config = config;
        this.replicas = replicas;
        this.outputs = new RecordingOutput[replicas.length];
        for (int i = 0; i < replicas.length; i++) outputs[i] = new RecordingOutput();
        this.down = new boolean[replicas.length];
        this.lastSnapshots = new dev.viewstamp.core.service.StateMachine.Snapshot[replicas.length];
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
                            lastSnapshots[i] = c.snapshot();
                            replicas[i].onCheckpointDurable(c.checkpoint().op(), outputs[i]);
                        }
                    }
                }
            }
        }
    }

    /** The snapshot of the last checkpoint replica {@code index} asked to persist. */
    dev.viewstamp.core.service.StateMachine.Snapshot lastSnapshot(int index) {
        return lastSnapshots[index];
    }
}
