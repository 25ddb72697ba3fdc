package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.kv.KvCommand.CompareAndSet;
import dev.viewstamp.kv.KvCommand.Get;
import dev.viewstamp.kv.KvCommand.Put;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CommandCodecTest {

    static Stream<KvCommand> everyCommand() {
        return Stream.of(
                KvCommand.get("a"),
                KvCommand.put("a", "1"),
                KvCommand.append("a", "1"),
                KvCommand.delete("a"),
                KvCommand.compareAndSet("a", "1", "2"),
                KvCommand.compareAndSet("a", null, "2"),
                KvCommand.compareAndSet("a", "", "2"),
                KvCommand.put("", ""),
                new Put(new byte[] {0, -1, 127, -128}, new byte[] {-1, 0}));
    }

    @ParameterizedTest
    @MethodSource("everyCommand")
    void everyCommandRoundTripsThroughItsEncoding(KvCommand command) throws KvFormatException {
        assertThat(KvCommand.decode(command.encode())).isEqualTo(command);
    }

    @Test
    void theLongestCommandWithinTheLimitsIsACompareAndSetOfCommandSizeBytesMax() {
        KvLimits limits = new KvLimits(5, 9);
        byte[] key = new byte[5];
        byte[] value = new byte[9];
        byte[] longest = new CompareAndSet(key, value, value).encode();
        assertThat(longest).hasSize((int) limits.commandSizeBytesMax());
        for (KvCommand command : new KvCommand[] {new Get(key), new Put(key, value), new KvCommand.Append(key, value),
                new KvCommand.Delete(key), new CompareAndSet(key, null, value)}) {
            assertThat(command.encode().length).as("%s", command).isLessThan(longest.length);
        }
        assertThat(new KvLimits(Integer.MAX_VALUE, Integer.MAX_VALUE).commandSizeBytesMax())
                .isEqualTo(1 + 12 + 3L * Integer.MAX_VALUE);
    }

    @Test
    void putEncodesAsTagThenLengthPrefixedKeyAndValue() {
        assertThat(KvCommand.put("a", "xy").encode()).containsExactly(bytes(2, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'x', 'y'));
    }

    @Test
    void compareAndSetExpectingAbsenceEncodesExpectedAsLengthMinusOne() {
        assertThat(KvCommand.compareAndSet("a", null, "v").encode())
                .containsExactly(bytes(5, 0, 0, 0, 1, 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 'v'));
    }

    @Test
    void expectingAbsenceAndExpectingEmptyDecodeApart() throws KvFormatException {
        CompareAndSet absent = (CompareAndSet) KvCommand.decode(KvCommand.compareAndSet("a", null, "v").encode());
        CompareAndSet empty = (CompareAndSet) KvCommand.decode(KvCommand.compareAndSet("a", "", "v").encode());

        assertThat(absent.expected()).isNull();
        assertThat(empty.expected()).isEmpty();
    }

    @Test
    void emptyInputIsRejected() {
        assertRejected(new byte[0], "empty command: no tag byte");
    }

    @Test
    void unknownTagIsRejected() {
        assertRejected(bytes(9, 0, 0, 0, 0), "unknown command tag 9");
        assertRejected(bytes(0xFF), "unknown command tag 255");
    }

    @Test
    void zeroTagIsRejectedSoZeroedMemoryIsNeverACommand() {
        assertRejected(new byte[16], "unknown command tag 0");
    }

    @Test
    void truncatedLengthPrefixIsRejected() {
        assertRejected(bytes(2, 0, 0), "truncated Put: key length needs 4 bytes, 2 remaining");
    }

    @Test
    void missingFieldIsRejected() {
        assertRejected(bytes(2, 0, 0, 0, 1, 'a'), "truncated Put: value length needs 4 bytes, 0 remaining");
    }

    @Test
    void fieldLongerThanTheRemainingBytesIsRejected() {
        byte[] input = concat(bytes(2, 0, 0, 0, 1, 'a', 0, 0, 0, 40), new byte[12]);

        assertRejected(input, "truncated Put: value length 40 > 12 remaining bytes");
    }

    @Test
    void oversizeLengthIsRejectedWithoutAllocatingIt() {
        // A 5-byte input that claims a 2 GiB key: checked against the remaining bytes first.
        assertRejected(bytes(1, 0x7F, 0xFF, 0xFF, 0xFF), "truncated Get: key length 2147483647 > 0 remaining bytes");
    }

    @Test
    void negativeLengthIsRejected() {
        assertRejected(bytes(4, 0xFF, 0xFF, 0xFF, 0xFE), "Delete: key length -2 is negative");
    }

    @Test
    void nullMarkerIsRejectedWhereAFieldCannotBeNull() {
        assertRejected(bytes(2, 0, 0, 0, 1, 'a', 0xFF, 0xFF, 0xFF, 0xFF), "Put: value length -1 is negative");
    }

    @Test
    void negativeExpectedLengthOtherThanTheNullMarkerIsRejected() {
        byte[] input = bytes(5, 0, 0, 0, 1, 'a', 0x80, 0, 0, 0, 0, 0, 0, 0);

        assertRejected(input, "CompareAndSet: expected length -2147483648 is negative and not the null marker -1");
    }

    @Test
    void trailingBytesAreRejected() {
        assertRejected(concat(KvCommand.get("a").encode(), bytes(0, 0)), "Get: 2 trailing bytes after the last field");
        assertRejected(concat(KvCommand.get("a").encode(), bytes(7)), "Get: 1 trailing byte after the last field");
    }

    @Test
    void everyProperPrefixOfAnEncodingIsRejected() {
        byte[] encoding = KvCommand.compareAndSet("key", "old", "new").encode();
        for (int sizeBytes = 0; sizeBytes < encoding.length; sizeBytes++) {
            byte[] prefix = Arrays.copyOf(encoding, sizeBytes);
            assertThatThrownBy(() -> KvCommand.decode(prefix))
                    .as("prefix of %d bytes", sizeBytes)
                    .isInstanceOf(KvFormatException.class);
        }
    }

    @Test
    void decodedCommandDoesNotShareTheInputArray() throws KvFormatException {
        byte[] input = KvCommand.get("a").encode();
        Get get = (Get) KvCommand.decode(input);

        input[input.length - 1] = 'z';

        assertThat(get).isEqualTo(KvCommand.get("a"));
    }

    private static void assertRejected(byte[] input, String message) {
        assertThatThrownBy(() -> KvCommand.decode(input)).isInstanceOf(KvFormatException.class).hasMessage(message);
    }

    static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) bytes[i] = (byte) values[i];
        return bytes;
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] bytes = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, bytes, first.length, second.length);
        return bytes;
    }
}
