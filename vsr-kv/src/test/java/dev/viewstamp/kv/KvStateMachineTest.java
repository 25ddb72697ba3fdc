package dev.viewstamp.kv;

import static dev.viewstamp.kv.CommandCodecTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.kv.KvCommand.Append;
import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Delete;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Failure;
import dev.viewstamp.kv.KvResult.Ok;
import dev.viewstamp.kv.KvResult.Value;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KvStateMachineTest {

    private static final int VALUE_SIZE_BYTES_MAX = KvLimits.defaults().valueSizeBytesMax();
    private static final int KEY_SIZE_BYTES_MAX = KvLimits.defaults().keySizeBytesMax();

    private final KvStateMachine machine = new KvStateMachine();
    private long op;

    @Test
    void getOfMissingKeyReturnsMissingValue() {
        assertThat(execute(KvCommand.get("a"))).isEqualTo(new Value(null));
    }

    @Test
    void getReturnsThePutValue() {
        assertThat(execute(KvCommand.put("a", "1"))).isEqualTo(new Ok());

        assertThat(execute(KvCommand.get("a"))).isEqualTo(KvResult.value("1"));
        assertThat(machine.get("a")).isEqualTo("1");
        assertThat(machine.size()).isEqualTo(1);
    }

    @Test
    void putOverwritesTheValue() {
        execute(KvCommand.put("a", "1"));

        execute(KvCommand.put("a", "2"));

        assertThat(machine.get("a")).isEqualTo("2");
        assertThat(machine.size()).isEqualTo(1);
    }

    @Test
    void emptyValueIsPresentNotMissing() {
        execute(KvCommand.put("a", ""));

        assertThat(execute(KvCommand.get("a"))).isEqualTo(new Value(new byte[0]));
    }

    @Test
    void appendToMissingKeyCreatesItWithTheSuffix() {
        assertThat(execute(KvCommand.append("a", "xy"))).isEqualTo(new Ok());

        assertThat(machine.get("a")).isEqualTo("xy");
    }

    @Test
    void appendToExistingKeyConcatenates() {
        execute(KvCommand.put("a", "12"));

        execute(KvCommand.append("a", "34"));

        assertThat(machine.get("a")).isEqualTo("1234");
    }

    @Test
    void deleteOfExistingKeyRemovesItAndSaysItExisted() {
        execute(KvCommand.put("a", "1"));

        assertThat(execute(KvCommand.delete("a"))).isEqualTo(new Deleted(true));
        assertThat(machine.get("a")).isNull();
        assertThat(machine.size()).isZero();
    }

    @Test
    void deleteOfAbsentKeySaysItDidNotExistAndChangesNothing() {
        execute(KvCommand.put("b", "1"));
        long checksum = machine.stateChecksum();

        assertThat(execute(KvCommand.delete("a"))).isEqualTo(new Deleted(false));
        assertThat(machine.size()).isEqualTo(1);
        assertThat(machine.stateChecksum()).isEqualTo(checksum);
    }

    @Test
    void compareAndSetWithMatchingExpectedSwaps() {
        execute(KvCommand.put("a", "1"));

        assertThat(execute(KvCommand.compareAndSet("a", "1", "2"))).isEqualTo(new CasOk());
        assertThat(machine.get("a")).isEqualTo("2");
    }

    @Test
    void compareAndSetWithWrongExpectedFailsAndReturnsTheCurrentValue() {
        execute(KvCommand.put("a", "1"));

        assertThat(execute(KvCommand.compareAndSet("a", "9", "2"))).isEqualTo(KvResult.casFailed("1"));
        assertThat(machine.get("a")).isEqualTo("1");
    }

    @Test
    void compareAndSetExpectingAValueFailsOnAbsentKeyAndReportsAbsence() {
        assertThat(execute(KvCommand.compareAndSet("a", "1", "2"))).isEqualTo(KvResult.casFailed(null));
        assertThat(machine.size()).isZero();
    }

    @Test
    void compareAndSetExpectingAbsenceCreatesAnAbsentKey() {
        assertThat(execute(KvCommand.compareAndSet("a", null, "1"))).isEqualTo(new CasOk());
        assertThat(machine.get("a")).isEqualTo("1");
    }

    @Test
    void compareAndSetExpectingAbsenceFailsOnExistingKey() {
        execute(KvCommand.put("a", "1"));

        assertThat(execute(KvCommand.compareAndSet("a", null, "2"))).isEqualTo(KvResult.casFailed("1"));
        assertThat(machine.get("a")).isEqualTo("1");
    }

    @Test
    void compareAndSetExpectingEmptyDoesNotMatchAnAbsentKey() {
        assertThat(execute(KvCommand.compareAndSet("a", "", "1"))).isEqualTo(KvResult.casFailed(null));
    }

    @Test
    void largestAllowedValueIsAccepted() {
        byte[] value = filled(VALUE_SIZE_BYTES_MAX);

        assertThat(execute(new Put(key("a"), value))).isEqualTo(new Ok());
        assertThat(machine.get(key("a"))).isEqualTo(value);
    }

    @Test
    void valueOneByteOverTheLimitIsRejectedAndChangesNothing() {
        execute(KvCommand.put("a", "1"));
        long checksum = machine.stateChecksum();

        KvResult result = execute(new Put(key("a"), filled(VALUE_SIZE_BYTES_MAX + 1)));

        assertThat(result).isEqualTo(new Failure("Put: value size 65537 bytes > valueSizeBytesMax 65536"));
        assertThat(machine.get("a")).isEqualTo("1");
        assertThat(machine.stateChecksum()).isEqualTo(checksum);
    }

    @Test
    void largestAllowedKeyIsAccepted() {
        assertThat(execute(new Put(filled(KEY_SIZE_BYTES_MAX), key("v")))).isEqualTo(new Ok());
        assertThat(machine.size()).isEqualTo(1);
    }

    static Stream<KvCommand> everyCommandWithAKeyOneByteOverTheLimit() {
        byte[] key = filled(KEY_SIZE_BYTES_MAX + 1);
        return Stream.of(
                new Get(key),
                new Put(key, key("v")),
                new Append(key, key("v")),
                new Delete(key),
                new CompareAndSet(key, null, key("v")));
    }

    @ParameterizedTest
    @MethodSource("everyCommandWithAKeyOneByteOverTheLimit")
    void keyOneByteOverTheLimitIsRejectedForEveryCommand(KvCommand command) {
        String what = command.getClass().getSimpleName();

        assertThat(execute(command)).isEqualTo(new Failure(what + ": key size 257 bytes > keySizeBytesMax 256"));
        assertThat(machine.size()).isZero();
        assertThat(machine.stateChecksum()).isEqualTo(new KvStateMachine().stateChecksum());
    }

    @Test
    void appendReachingExactlyTheLimitIsAccepted() {
        KvStateMachine small = new KvStateMachine(new KvLimits(8, 4));
        execute(small, KvCommand.put("a", "12"));

        assertThat(execute(small, KvCommand.append("a", "34"))).isEqualTo(new Ok());
        assertThat(small.get("a")).isEqualTo("1234");
    }

    @Test
    void appendThatWouldGrowTheValueOverTheLimitIsRejectedAndKeepsTheOldValue() {
        // Both parts are within the limit; only their concatenation is over it.
        KvStateMachine small = new KvStateMachine(new KvLimits(8, 4));
        execute(small, KvCommand.put("a", "123"));

        assertThat(execute(small, KvCommand.append("a", "45")))
                .isEqualTo(new Failure("Append: value size after append 5 bytes > valueSizeBytesMax 4"));
        assertThat(small.get("a")).isEqualTo("123");
    }

    @Test
    void compareAndSetWithOversizeNewValueIsRejectedEvenWhenExpectedMatches() {
        KvStateMachine small = new KvStateMachine(new KvLimits(8, 4));
        execute(small, KvCommand.put("a", "1"));

        assertThat(execute(small, KvCommand.compareAndSet("a", "1", "12345")))
                .isEqualTo(new Failure("CompareAndSet: value size 5 bytes > valueSizeBytesMax 4"));
        assertThat(small.get("a")).isEqualTo("1");
    }

    @Test
    void compareAndSetWithOversizeExpectedIsRejected() {
        KvStateMachine small = new KvStateMachine(new KvLimits(8, 4));

        assertThat(execute(small, KvCommand.compareAndSet("a", "12345", "1")))
                .isEqualTo(new Failure("CompareAndSet: expected size 5 bytes > valueSizeBytesMax 4"));
    }

    static Stream<byte[]> garbage() {
        return Stream.of(
                new byte[0],
                bytes(0),
                bytes(42, 1, 2, 3),
                bytes(2, 0, 0),
                bytes(2, 0, 0, 0, 1, 'a', 0, 0, 0, 40, 'x'),
                bytes(1, 0xFF, 0xFF, 0xFF, 0xFF),
                bytes(1, 0, 0, 0, 1, 'a', 'b'));
    }

    @ParameterizedTest
    @MethodSource("garbage")
    void executeOnGarbageRepliesErrorAndChangesNothing(byte[] operation) throws KvFormatException {
        execute(KvCommand.put("a", "1"));
        long checksum = machine.stateChecksum();

        KvResult result = KvResult.decode(machine.execute(++op, 0, operation));

        assertThat(result).isInstanceOfSatisfying(Failure.class, error -> assertThat(error.message()).isNotBlank());
        assertThat(machine.size()).isEqualTo(1);
        assertThat(machine.stateChecksum()).isEqualTo(checksum);
    }

    @Test
    void garbageGetsTheSameReplyOnEveryReplica() {
        byte[] operation = bytes(2, 0, 0, 0, 1, 'a', 0, 0, 0, 40, 'x');

        byte[] reply = new KvStateMachine().execute(1, 0, operation);

        assertThat(new KvStateMachine().execute(1, 99, operation)).isEqualTo(reply);
    }

    @Test
    void getHelperReturnsACopy() {
        execute(KvCommand.put("a", "1"));

        machine.get(key("a"))[0] = '9';

        assertThat(machine.get("a")).isEqualTo("1");
    }

    @Test
    void replyValueDoesNotAliasTheStore() {
        execute(KvCommand.put("a", "1"));
        byte[] reply = machine.execute(++op, 0, KvCommand.get("a").encode());

        reply[reply.length - 1] = '9';

        assertThat(machine.get("a")).isEqualTo("1");
    }

    private KvResult execute(KvCommand command) {
        return execute(machine, command);
    }

    private KvResult execute(KvStateMachine target, KvCommand command) {
        try {
            return KvResult.decode(target.execute(++op, 0, command.encode()));
        } catch (KvFormatException e) {
            throw new AssertionError("the store replied with bytes that do not decode", e);
        }
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] filled(int sizeBytes) {
        byte[] bytes = new byte[sizeBytes];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }
}
