package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.kv.KvCommand.Append;
import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Delete;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the command and result formats: every record round-trips, and any input either
 * decodes to something that re-encodes to exactly that input (the format is canonical) or fails
 * with a {@link KvFormatException}; never with another exception.
 */
class CodecPropertyTest {

    @Property
    void everyCommandRoundTrips(@ForAll("commands") KvCommand command) throws KvFormatException {
        assertThat(KvCommand.decode(command.encode())).isEqualTo(command);
    }

    @Property
    void everyResultRoundTrips(@ForAll("results") KvResult result) throws KvFormatException {
        assertThat(KvResult.decode(result.encode())).isEqualTo(result);
    }

    @Property
    void damagedCommandEitherFailsCleanlyOrIsCanonical(@ForAll("damagedCommands") byte[] input) {
        KvCommand command;
        try {
            command = KvCommand.decode(input);
        } catch (KvFormatException e) {
            assertThat(e).hasMessageFindingMatch("\\S");
            return;
        }
        assertThat(command.encode()).isEqualTo(input);
    }

    @Property
    void damagedResultEitherFailsCleanlyOrIsCanonical(@ForAll("damagedResults") byte[] input) {
        KvResult result;
        try {
            result = KvResult.decode(input);
        } catch (KvFormatException e) {
            assertThat(e).hasMessageFindingMatch("\\S");
            return;
        }
        assertThat(result.encode()).isEqualTo(input);
    }

    @Property
    void arbitraryBytesEitherFailCleanlyOrAreCanonical(@ForAll byte[] input) {
        try {
            assertThat(KvCommand.decode(input).encode()).isEqualTo(input);
        } catch (KvFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    static Arbitrary<KvCommand> commands() {
        Arbitrary<byte[]> bytes = bytes();
        return Arbitraries.oneOf(
                bytes.map(Get::new),
                Combinators.combine(bytes, bytes).as(Put::new),
                Combinators.combine(bytes, bytes).as(Append::new),
                bytes.map(Delete::new),
                Combinators.combine(bytes, bytes.injectNull(0.3), bytes).as(CompareAndSet::new));
    }

    @Provide
    static Arbitrary<KvResult> results() {
        Arbitrary<byte[]> bytesOrNull = bytes().injectNull(0.2);
        return Arbitraries.oneOf(
                bytesOrNull.map(KvResult.Value::new),
                Arbitraries.just(new KvResult.Ok()),
                Arbitraries.of(true, false).map(KvResult.Deleted::new),
                Arbitraries.just(new KvResult.CasOk()),
                bytesOrNull.map(KvResult.CasFailed::new),
                // Surrogates excluded: a lone surrogate is not encodable as UTF-8.
                Arbitraries.strings().withCharRange('\u0000', '\ud7ff').ofMaxLength(20).map(KvResult.Failure::new));
    }

    @Provide
    static Arbitrary<byte[]> damagedCommands() {
        return damaged(commands().map(KvCommand::encode));
    }

    @Provide
    static Arbitrary<byte[]> damagedResults() {
        return damaged(results().map(KvResult::encode));
    }

    /** A valid encoding, then truncated, with one byte changed, or with bytes appended. */
    private static Arbitrary<byte[]> damaged(Arbitrary<byte[]> encodings) {
        return Combinators.combine(
                        encodings,
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.integers().greaterOrEqual(0),
                        Arbitraries.bytes(),
                        bytes())
                .as((encoding, damage, position, replacement, suffix) -> switch (damage) {
                    case 0 -> Arrays.copyOf(encoding, position % encoding.length);
                    case 1 -> {
                        byte[] changed = encoding.clone();
                        changed[position % changed.length] = replacement;
                        yield changed;
                    }
                    default -> CommandCodecTest.concat(encoding, suffix);
                });
    }

    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    }
}
