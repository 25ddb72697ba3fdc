package dev.viewstamp.kv;

import static dev.viewstamp.kv.CommandCodecTest.bytes;
import static dev.viewstamp.kv.CommandCodecTest.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.kv.KvResult.CasFailed;
import dev.viewstamp.kv.KvResult.CasOk;
import dev.viewstamp.kv.KvResult.Deleted;
import dev.viewstamp.kv.KvResult.Failure;
import dev.viewstamp.kv.KvResult.Ok;
import dev.viewstamp.kv.KvResult.Value;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ResultCodecTest {

    static Stream<KvResult> everyResult() {
        return Stream.of(
                KvResult.value("1"),
                new Value(null),
                new Value(new byte[0]),
                new Value(new byte[] {0, -1}),
                new Ok(),
                new Deleted(true),
                new Deleted(false),
                new CasOk(),
                KvResult.casFailed("current"),
                new CasFailed(null),
                new Failure("Put: key size 300 bytes > keySizeBytesMax 256"),
                new Failure(""),
                new Failure("non-ASCII: \u00e9\u4e2d\ud83d\ude00"));
    }

    @ParameterizedTest
    @MethodSource("everyResult")
    void everyResultRoundTripsThroughItsEncoding(KvResult result) throws KvFormatException {
        assertThat(KvResult.decode(result.encode())).isEqualTo(result);
    }

    @Test
    void missingValueAndEmptyValueDecodeApart() throws KvFormatException {
        assertThat(((Value) KvResult.decode(new Value(null).encode())).value()).isNull();
        assertThat(((Value) KvResult.decode(new Value(new byte[0]).encode())).value()).isEmpty();
    }

    @Test
    void resultsWithoutFieldsEncodeAsTheirTagAlone() {
        assertThat(new Ok().encode()).containsExactly(bytes(2));
        assertThat(new CasOk().encode()).containsExactly(bytes(4));
    }

    @Test
    void emptyInputIsRejected() {
        assertRejected(new byte[0], "empty result: no tag byte");
    }

    @Test
    void unknownTagIsRejected() {
        assertRejected(bytes(0), "unknown result tag 0");
        assertRejected(bytes(7), "unknown result tag 7");
    }

    @Test
    void flagOtherThanZeroOrOneIsRejected() {
        assertRejected(bytes(3, 2), "Deleted: existed flag 2 is neither 0 nor 1");
    }

    @Test
    void missingFlagIsRejected() {
        assertRejected(bytes(3), "truncated Deleted: existed flag is missing");
    }

    @Test
    void errorMessageThatIsNotUtf8IsRejected() {
        assertRejected(bytes(6, 0, 0, 0, 1, 0xFF), "Error: message is not valid UTF-8");
    }

    @Test
    void truncatedValueIsRejected() {
        assertRejected(bytes(1, 0, 0, 0, 5, 'a'), "truncated Value: value length 5 > 1 remaining bytes");
    }

    @Test
    void negativeLengthOtherThanTheNullMarkerIsRejected() {
        assertRejected(bytes(5, 0xFF, 0xFF, 0xFF, 0xFD), "CasFailed: current length -3 is negative and not the null marker -1");
    }

    @Test
    void trailingBytesAreRejected() {
        assertRejected(concat(new Ok().encode(), bytes(0)), "Ok: 1 trailing byte after the last field");
    }

    @Test
    void everyProperPrefixOfAnEncodingIsRejected() {
        byte[] encoding = KvResult.casFailed("current").encode();
        for (int sizeBytes = 0; sizeBytes < encoding.length; sizeBytes++) {
            byte[] prefix = Arrays.copyOf(encoding, sizeBytes);
            assertThatThrownBy(() -> KvResult.decode(prefix))
                    .as("prefix of %d bytes", sizeBytes)
                    .isInstanceOf(KvFormatException.class);
        }
    }

    private static void assertRejected(byte[] input, String message) {
        assertThatThrownBy(() -> KvResult.decode(input)).isInstanceOf(KvFormatException.class).hasMessage(message);
    }
}
