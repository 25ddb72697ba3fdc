package dev.viewstamp.kv.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.kv.KvStateMachine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RedisBatchTest {

    @Property(tries = 200)
    void encodeThenDecodeGivesTheCommandsBack(@ForAll("batches") List<List<byte[]>> commands) throws KvFormatException {
        byte[] operation = RedisBatch.encode(commands);

        assertThat(operation).hasSize((int) RedisBatch.encodedSize(commands));
        assertThat(RedisBatch.isBatch(operation)).isTrue();
        List<List<byte[]>> decoded = RedisBatch.decode(operation);
        assertThat(decoded).hasSameSizeAs(commands);
        for (int i = 0; i < commands.size(); i++) {
            assertThat(decoded.get(i)).usingElementComparator(Arrays::compare).containsExactlyElementsOf(commands.get(i));
        }
    }

    @Property(tries = 200)
    void repliesRoundTrip(@ForAll("arguments") List<byte[]> replies) throws KvFormatException {
        assertThat(RedisBatch.decodeReplies(RedisBatch.encodeReplies(replies)))
                .usingElementComparator(Arrays::compare).containsExactlyElementsOf(replies);
    }

    @Test
    void everyTruncationIsRejected() {
        byte[] operation = RedisBatch.encode(List.of(argv("SET", "a", "1"), argv("GET", "a")));
        for (int length = 0; length < operation.length; length++) {
            byte[] truncated = Arrays.copyOf(operation, length);
            assertThatThrownBy(() -> RedisBatch.decode(truncated)).as("length %d", length)
                    .isInstanceOf(KvFormatException.class);
        }
    }

    @Test
    void malformedOperationsAreRejectedWithAReason() {
        byte[] operation = RedisBatch.encode(List.of(argv("GET", "a")));
        assertRejected(withInt(operation, 1, -1), "commandCount -1 is negative");
        assertRejected(withInt(operation, 1, Integer.MAX_VALUE), "commandCount 2147483647 needs more");
        assertRejected(withInt(operation, 5, 0), "command 0 is empty");
        assertRejected(withInt(operation, 9, 1000), "command 0 argument 0 length 1000 > ");
        assertRejected(Arrays.copyOf(operation, operation.length + 1), "1 trailing bytes");
        byte[] wrongTag = operation.clone();
        wrongTag[0] = 2;
        assertRejected(wrongTag, "tag 2, expected 6");
        assertRejected(new byte[0], "empty");
    }

    @Test
    void encodeRefusesAnEmptyCommand() {
        assertThatThrownBy(() -> RedisBatch.encode(List.of(List.of()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stateMachineRepliesAFailureToAMalformedBatchAndChangesNothing() throws KvFormatException {
        KvStateMachine machine = new KvStateMachine();
        machine.execute(1, 0, KvCommand.put("a", "1").encode());
        long checksum = machine.stateChecksum();
        byte[] malformed = withInt(RedisBatch.encode(List.of(argv("DEL", "a"))), 1, 5);

        byte[] reply = machine.execute(2, 0, malformed);

        assertThat(KvResult.decode(reply)).isInstanceOf(KvResult.Failure.class);
        assertThatThrownBy(() -> RedisBatch.decodeReplies(reply)).isInstanceOf(KvFormatException.class)
                .hasMessageContaining("the batch was rejected");
        assertThat(machine.stateChecksum()).isEqualTo(checksum);
        assertThat(machine.get("a")).isEqualTo("1");
    }

    @Test
    void decodeRepliesRejectsMalformedReplies() {
        byte[] reply = RedisBatch.encodeReplies(List.of(bytes("+OK\r\n")));
        assertThatThrownBy(() -> RedisBatch.decodeReplies(Arrays.copyOf(reply, reply.length - 1)))
                .isInstanceOf(KvFormatException.class);
        assertThatThrownBy(() -> RedisBatch.decodeReplies(new byte[0])).isInstanceOf(KvFormatException.class);
        assertThatThrownBy(() -> RedisBatch.decodeReplies(new byte[] {99})).isInstanceOf(KvFormatException.class);
    }

    @Test
    void kvCommandDecodeRefusesABatch() {
        assertThatThrownBy(() -> KvCommand.decode(RedisBatch.encode(List.of(argv("GET", "a")))))
                .isInstanceOf(KvFormatException.class).hasMessageContaining("RedisBatch");
    }

    @Test
    void emptyBatchGetsNoReplies() throws KvFormatException {
        byte[] reply = new KvStateMachine().execute(1, 0, RedisBatch.encode(List.of()));
        assertThat(RedisBatch.decodeReplies(reply)).isEmpty();
    }

    @Test
    void repliesAreRespTwo() throws KvFormatException {
        KvStateMachine machine = new KvStateMachine();
        byte[] reply = machine.execute(1, 0, RedisBatch.encode(List.of(
                argv("SET", "foo", "bar"), argv("GET", "foo"), argv("GET", "nope"), argv("DEL", "foo"),
                argv("GET"), argv("MGET", "foo", "x"))));
        assertThat(RedisBatch.decodeReplies(reply)).extracting(RedisBatchTest::text).containsExactly(
                "+OK\r\n", "$3\r\nbar\r\n", "$-1\r\n", ":1\r\n",
                "-ERR wrong number of arguments for 'get' command\r\n", "*2\r\n$-1\r\n$-1\r\n");
    }

    @Provide
    Arbitrary<List<List<byte[]>>> batches() {
        return arguments().filter(argv -> !argv.isEmpty()).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<byte[]>> arguments() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(20).list().ofMaxSize(6);
    }

    private static void assertRejected(byte[] operation, String message) {
        assertThatThrownBy(() -> RedisBatch.decode(operation)).isInstanceOf(KvFormatException.class)
                .hasMessageContaining(message);
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        byte[] changed = bytes.clone();
        ByteBuffer.wrap(changed).putInt(offset, value);
        return changed;
    }

    private static List<byte[]> argv(String... argv) {
        return Arrays.stream(argv).map(RedisBatchTest::bytes).toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
