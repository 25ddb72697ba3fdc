package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Ok;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The store against a model: a plain {@code Map<String, String>} with the documented semantics.
 * Keys come from a small alphabet so that commands often hit the same key.
 */
class KvStateMachinePropertyTest {

    @Property
    void repliesAndStateMatchTheModel(@ForAll("histories") List<KvCommand> history) throws KvFormatException {
        KvStateMachine machine = new KvStateMachine();
        Map<String, String> model = new HashMap<>();
        long op = 0;
        for (KvCommand command : history) {
            KvResult expected = applyToModel(model, command);
            assertThat(KvResult.decode(machine.execute(++op, 0, command.encode()))).as("%s", command).isEqualTo(expected);
        }

        assertThat(machine.size()).isEqualTo(model.size());
        model.forEach((key, value) -> assertThat(machine.get(key)).isEqualTo(value));
    }

    @Property
    void checksumDependsOnlyOnTheFinalState(@ForAll("histories") List<KvCommand> history, @ForAll Random random) {
        KvStateMachine machine = new KvStateMachine();
        Map<String, String> model = new HashMap<>();
        long op = 0;
        for (KvCommand command : history) {
            applyToModel(model, command);
            machine.execute(++op, 0, command.encode());
        }

        // Rebuild the same final state with one put per key, in a random order.
        List<Map.Entry<String, String>> entries = new ArrayList<>(model.entrySet());
        Collections.shuffle(entries, random);
        KvStateMachine rebuilt = new KvStateMachine();
        for (Map.Entry<String, String> entry : entries) {
            rebuilt.execute(++op, 0, KvCommand.put(entry.getKey(), entry.getValue()).encode());
        }

        assertThat(rebuilt.stateChecksum()).isEqualTo(machine.stateChecksum());
    }

    @Property
    void executeOnArbitraryBytesNeverThrowsAndRepliesWithAResult(@ForAll byte[] operation) throws KvFormatException {
        KvStateMachine machine = new KvStateMachine();

        KvResult.decode(machine.execute(1, 0, operation));
    }

    @Provide
    static Arbitrary<List<KvCommand>> histories() {
        Arbitrary<String> keys = Arbitraries.of("a", "b", "c", "d");
        Arbitrary<String> values = Arbitraries.strings().withCharRange('0', '3').ofMaxLength(3);
        Arbitrary<KvCommand> commands = Arbitraries.oneOf(
                keys.map(KvCommand::get),
                Combinators.combine(keys, values).as(KvCommand::put),
                Combinators.combine(keys, values).as(KvCommand::append),
                keys.map(KvCommand::delete),
                Combinators.combine(keys, values.injectNull(0.3), values).as(KvCommand::compareAndSet));
        return commands.list().ofMaxSize(40);
    }

    /** The documented semantics, written as plainly as possible. */
    private static KvResult applyToModel(Map<String, String> model, KvCommand command) {
        String key = Bytes.utf8(command.key());
        return switch (command) {
            case KvCommand.Get get -> KvResult.value(model.get(key));
            case KvCommand.Put put -> {
                model.put(key, Bytes.utf8(put.value()));
                yield new Ok();
            }
            case KvCommand.Append append -> {
                model.put(key, model.getOrDefault(key, "") + Bytes.utf8(append.value()));
                yield new Ok();
            }
            case KvCommand.Delete delete -> new Deleted(model.remove(key) != null);
            case KvCommand.CompareAndSet cas -> {
                String current = model.get(key);
                if (!Objects.equals(current, Bytes.utf8(cas.expected()))) yield KvResult.casFailed(current);
                model.put(key, Bytes.utf8(cas.value()));
                yield new CasOk();
            }
        };
    }

}
