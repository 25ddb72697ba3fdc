package dev.viewstamp.kv;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** RESP2 replies, as Redis writes them. */
final class Resp {
    private Resp() {}

    static final byte[] OK = ascii("+OK\r\n");
    static final byte[] NULL_BULK = ascii("$-1\r\n");

    static byte[] simple(String text) {
        return ascii("+" + text + "\r\n");
    }

    /**
     * An error line. Carriage returns and newlines become spaces, as Redis does, because an error
     * may quote what a client sent and must stay one line.
     */
    static byte[] error(String message) {
        // Latin-1: the messages quote client bytes as one char per byte, and so give them back.
        return ("-" + message.replace('\r', ' ').replace('\n', ' ') + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] integer(long value) {
        return ascii(":" + value + "\r\n");
    }

    /** A bulk string, or the null bulk string for null. */
    static byte[] bulk(byte[] value) {
        if (value == null) return NULL_BULK;
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 16);
        writeBulk(out, value);
        return out.toByteArray();
    }

    /** An array of bulk strings, each of which may be null. */
    static byte[] array(List<byte[]> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("*" + values.size() + "\r\n"));
        for (byte[] value : values) {
            if (value == null) out.writeBytes(NULL_BULK);
            else writeBulk(out, value);
        }
        return out.toByteArray();
    }

    /** An array of two: a bulk string, then an array of bulk strings; SCAN's reply. */
    static byte[] cursorAndKeys(String cursor, List<byte[]> keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("*2\r\n"));
        writeBulk(out, ascii(cursor));
        out.writeBytes(array(keys));
        return out.toByteArray();
    }

    private static void writeBulk(ByteArrayOutputStream out, byte[] value) {
        out.writeBytes(ascii("$" + value.length + "\r\n"));
        out.writeBytes(value);
        out.writeBytes(ascii("\r\n"));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
