package dev.viewstamp.kv;

import dev.viewstamp.kv.redis.RedisBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sends Redis commands to a {@link KvStateMachine} as the front end does, one batch per op, with
 * a clock the test sets, and shows each RESP2 reply as text with CRLF as {@code \n}.
 */
final class RedisTestClient {

    final KvStateMachine machine;
    private long op;
    /** The timestamp of the next op, in Unix ms. */
    long nowMs = 1_000_000;

    RedisTestClient(KvStateMachine machine) {
        this.machine = machine;
    }

    RedisTestClient() {
        this(new KvStateMachine());
    }

    /** One command as its own op; its reply, e.g. "+OK", ":1", "$3 bar" shown as "$3\nbar". */
    String run(String... argv) {
        return batch(List.of(argv(argv))).get(0);
    }

    /** Commands as one op; their replies in order. */
    List<String> batch(List<List<byte[]>> commands) {
        try {
            List<byte[]> replies = RedisBatch.decodeReplies(machine.execute(++op, nowMs, RedisBatch.encode(commands)));
            List<String> shown = new ArrayList<>();
            for (byte[] reply : replies) shown.add(show(reply));
            return shown;
        } catch (KvFormatException e) {
            throw new AssertionError(e);
        }
    }

    static List<byte[]> argv(String... argv) {
        return Arrays.stream(argv).map(argument -> argument.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** A reply without its final CRLF, other CRLFs as newlines. */
    static String show(byte[] reply) {
        String text = new String(reply, StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\r\n")) throw new AssertionError("a RESP reply ends in CRLF: " + text);
        return text.substring(0, text.length() - 2).replace("\r\n", "\n");
    }
}
