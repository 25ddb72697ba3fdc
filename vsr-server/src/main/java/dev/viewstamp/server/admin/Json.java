package dev.viewstamp.server.admin;

/**
 * Writes one JSON object, member by member: enough for the admin endpoint's few flat documents
 * without a JSON library. Names are fixed ASCII; string values are escaped.
 */
final class Json {
    private final StringBuilder out = new StringBuilder(256);
    /** Whether the next member or element needs a comma before it, per nesting level. */
    private final boolean[] comma = new boolean[8];
    private int depth;

    Json() {
        out.append('{');
    }

    Json field(String name, long value) {
        return name(name).append(value);
    }

    Json field(String name, boolean value) {
        return name(name).append(value);
    }

    Json field(String name, String value) {
        name(name);
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    Json nullField(String name) {
        return name(name).append("null");
    }

    /** Starts an object member; end it with {@link #endObject}. */
    Json object(String name) {
        name(name);
        return open('{');
    }

    /** Starts an array member; end it with {@link #endArray}. */
    Json array(String name) {
        name(name);
        return open('[');
    }

    /** Starts an object element of the array being written. */
    Json element() {
        separate();
        return open('{');
    }

    /** A number element of the array being written. */
    Json element(long value) {
        separate();
        out.append(value);
        return this;
    }

    Json endObject() {
        depth--;
        out.append('}');
        return this;
    }

    Json endArray() {
        depth--;
        out.append(']');
        return this;
    }

    @Override
    public String toString() {
        return out + "}";
    }

    private Json open(char c) {
        out.append(c);
        comma[++depth] = false;
        return this;
    }

    private void separate() {
        if (comma[depth]) out.append(',');
        comma[depth] = true;
    }

    private Json name(String name) {
        separate();
        string(name);
        out.append(':');
        return this;
    }

    private Json append(Object value) {
        out.append(value);
        return this;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
