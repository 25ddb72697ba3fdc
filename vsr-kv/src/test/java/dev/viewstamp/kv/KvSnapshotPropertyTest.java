package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.service.StateMachine.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Restoring a checkpoint is as good as executing the whole log: a store restored from a snapshot
 * taken after op p, then given ops p+1..n, returns the same replies to them and ends with the same
 * checksum and entries as the store that executed ops 1..n.
 */
class KvSnapshotPropertyTest {

    /**
     * Small limits, so that the histories also hit the rejections: the key "long-key" is over
     * keySizeBytesMax, and a few appends take a value over valueSizeBytesMax.
     */
    private static final KvLimits LIMITS = new KvLimits(4, 8);

    private static final List<String> KEYS = List.of("a", "b", "c", "d", "long-key");

    @Property
    void restoredSnapshotRepliesAndEndsAsTheWholeLogDoes(
            @ForAll("histories") List<KvCommand> history, @ForAll @IntRange(max = 60) int snapshotOpDrawn) {
        int snapshotOp = Math.min(snapshotOpDrawn, history.size());
        KvStateMachine whole = new KvStateMachine(LIMITS);
        long op = 0;
        for (KvCommand command : history.subList(0, snapshotOp)) whole.execute(++op, 0, command.encode());
        Snapshot snapshot = whole.snapshot();
        assertThat(snapshot.stateChecksum()).isEqualTo(whole.stateChecksum());

        // The original keeps executing before the snapshot is written, as it does while a
        // checkpoint is written in the background.
        List<byte[]> repliesAfter = new ArrayList<>();
        for (KvCommand command : history.subList(snapshotOp, history.size())) {
            repliesAfter.add(whole.execute(++op, 0, command.encode()));
        }

        KvStateMachine restored = new KvStateMachine(LIMITS);
        try {
            restored.restore(new ByteArrayInputStream(KvSnapshotTest.bytesOf(snapshot)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(restored.stateChecksum()).isEqualTo(snapshot.stateChecksum());
        op = snapshotOp;
        for (int i = snapshotOp; i < history.size(); i++) {
            byte[] reply = restored.execute(++op, 0, history.get(i).encode());
            assertThat(reply).as("reply to op %d, %s", op, history.get(i)).isEqualTo(repliesAfter.get(i - snapshotOp));
        }

        assertThat(restored.stateChecksum()).isEqualTo(whole.stateChecksum());
        assertThat(restored.size()).isEqualTo(whole.size());
        for (String key : KEYS) assertThat(restored.get(key)).as(key).isEqualTo(whole.get(key));
    }

    @Provide
    static Arbitrary<List<KvCommand>> histories() {
        Arbitrary<String> keys = Arbitraries.of(KEYS);
        Arbitrary<String> values = Arbitraries.strings().withCharRange('0', '3').ofMaxLength(4);
        Arbitrary<KvCommand> commands = Arbitraries.oneOf(
                keys.map(KvCommand::get),
                Combinators.combine(keys, values).as(KvCommand::put),
                Combinators.combine(keys, values).as(KvCommand::append),
                keys.map(KvCommand::delete),
                Combinators.combine(keys, values.injectNull(0.3), values).as(KvCommand::compareAndSet));
        return commands.list().ofMaxSize(60);
    }
}
