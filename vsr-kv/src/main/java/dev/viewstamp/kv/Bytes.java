package dev.viewstamp.kv;

import java.nio.charset.StandardCharsets;

/** Copying and printing of the byte arrays that keys and values are made of. */
final class Bytes {
    private Bytes() {}

    /** Longer arrays are cut in {@link #show}, so a 64 KiB value does not flood a log line. */
    private static final int SHOW_SIZE_BYTES_MAX = 64;

    /** A copy of {@code bytes}, or null for null. */
    static byte[] copy(byte[] bytes) {
        return bytes == null ? null : bytes.clone();
    }

    /** The UTF-8 encoding of {@code text}, or null for null. */
    static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code bytes} decoded as UTF-8, or null for null. */
    static String utf8(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Content for a {@code toString}: printable ASCII in quotes, anything else in hex, so that
     * {@code "a"} and {@code 0x00} can never look alike. Example: {@code "put"}, {@code 0x00ff}.
     */
    static String show(byte[] bytes) {
        if (bytes == null) return "null";
        int shownSizeBytes = Math.min(bytes.length, SHOW_SIZE_BYTES_MAX);
        StringBuilder text = new StringBuilder();
        if (isPrintable(bytes, shownSizeBytes)) {
            text.append('"').append(new String(bytes, 0, shownSizeBytes, StandardCharsets.US_ASCII)).append('"');
        } else {
            text.append("0x");
            for (int i = 0; i < shownSizeBytes; i++) text.append(String.format("%02x", bytes[i] & 0xFF));
        }
        if (shownSizeBytes < bytes.length) text.append("...(").append(bytes.length).append(" bytes)");
        return text.toString();
    }

    private static boolean isPrintable(byte[] bytes, int sizeBytes) {
        for (int i = 0; i < sizeBytes; i++) {
            // A quote or backslash would make the quoted form ambiguous, so those go to hex too.
            if (bytes[i] < 0x20 || bytes[i] > 0x7E || bytes[i] == '"' || bytes[i] == '\\') return false;
        }
        return true;
    }
}
