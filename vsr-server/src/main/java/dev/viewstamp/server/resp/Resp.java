package dev.viewstamp.server.resp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * RESP2 replies as bytes, for the commands the front end answers itself (the replicated ones come
 * back from the state machine already encoded). Errors are worded as Redis words them.
 */
final class Resp {

    static final byte[] OK = simple("OK");
    static final byte[] QUEUED = simple("QUEUED");
    static final byte[] PONG = simple("PONG");
    static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] EMPTY_ARRAY = "*0\r\n".getBytes(StandardCharsets.US_ASCII);

    private Resp() {}

    static byte[] simple(String text) {
        return ("+" + text + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** An error reply; {@code text} starts with its code ({@code ERR}, {@code NOPROTO}, ...). */
    static byte[] error(String text) {
        return ("-" + text.replace('\r', ' ').replace('\n', ' ') + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] integer(long value) {
        return (":" + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] bulk(byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 16);
        out.writeBytes(("$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(value);
        out.writeBytes(CRLF);
        return out.toByteArray();
    }

    static byte[] bulk(String value) {
        return bulk(value.getBytes(StandardCharsets.UTF_8));
    }

    /** An array of replies, each already encoded. */
    static byte[] array(List<byte[]> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + elements.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] element : elements) out.writeBytes(element);
        return out.toByteArray();
    }

    /** An array of bulk strings. */
    static byte[] bulks(List<String> values) {
        return array(values.stream().map(Resp::bulk).toList());
    }

    static byte[] unknownCommand(String name, List<byte[]> argv) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < argv.size() && args.length() < 128; i++) {
            args.append('\'').append(new String(argv.get(i), StandardCharsets.UTF_8)).append("' ");
        }
        return error("ERR unknown command '" + name + "', with args beginning with: " + args);
    }

    static byte[] wrongArity(String name) {
        return error("ERR wrong number of arguments for '" + name + "' command");
    }

    private static final byte[] CRLF = {'\r', '\n'};
}
