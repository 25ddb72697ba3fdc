package dev.viewstamp.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one flat EDN map, the way Jepsen writes a history line:
 * <pre>
 * {:process 9, :type :ok, :f :get, :key "0", :value "x 9 0 y"}
 * </pre>
 * Keys must be keywords. Values may be keywords ({@link Keyword}), strings, integers
 * ({@link Long}), booleans or {@code nil} ({@code null}). The histories need nothing more, so
 * nested collections are rejected rather than half-read. Commas are whitespace, as in EDN.
 */
final class EdnMap {

    record Keyword(String name) {

        @Override
        public String toString() {
            return ":" + name;
        }
    }

    private final String text;
    private int position;

    private EdnMap(String text) {
        this.text = text;
    }

    /**
     * @return the entries in the order written, keyed by keyword name without the colon
     * @throws IllegalArgumentException naming the column, if {@code text} is not one flat map
     */
    static Map<String, Object> parse(String text) {
        return new EdnMap(text).map();
    }

    private Map<String, Object> map() {
        skipWhitespace();
        expect('{');
        Map<String, Object> entries = new LinkedHashMap<>();
        while (true) {
            skipWhitespace();
            if (position < text.length() && text.charAt(position) == '}') break;
            int keyPosition = position;
            if (!(value() instanceof Keyword key)) throw error(keyPosition, "map keys must be keywords");
            skipWhitespace();
            Object value = value();
            if (entries.containsKey(key.name())) throw error(keyPosition, "duplicate key " + key);
            entries.put(key.name(), value);
        }
        position++;
        skipWhitespace();
        if (position < text.length()) throw error(position, "text after the map");
        return entries;
    }

    private Object value() {
        if (position >= text.length()) throw error(position, "unexpected end of line");
        char c = text.charAt(position);
        if (c == '"') return string();
        if (c == ':') {
            position++;
            String name = symbol();
            if (name.isEmpty()) throw error(position, "empty keyword");
            return new Keyword(name);
        }
        int start = position;
        String symbol = symbol();
        if (symbol.matches("-?\\d+")) {
            try {
                return Long.parseLong(symbol);
            } catch (NumberFormatException e) {
                throw error(start, "integer out of range: " + symbol);
            }
        }
        return switch (symbol) {
            case "nil" -> null;
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw error(start, "unsupported value " + (symbol.isEmpty() ? "'" + c + "'" : symbol));
        };
    }

    private String string() {
        int start = position;
        position++; // The opening quote.
        StringBuilder value = new StringBuilder();
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '"') return value.toString();
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (position >= text.length()) break;
            char escaped = text.charAt(position++);
            switch (escaped) {
                case '"', '\\' -> value.append(escaped);
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                default -> throw error(position - 2, "unsupported escape \\" + escaped);
            }
        }
        throw error(start, "string not closed");
    }

    private String symbol() {
        int start = position;
        while (position < text.length() && isSymbolChar(text.charAt(position))) position++;
        return text.substring(start, position);
    }

    private static boolean isSymbolChar(char c) {
        return Character.isLetterOrDigit(c) || "*+!-_?<>=/.".indexOf(c) >= 0;
    }

    private void skipWhitespace() {
        while (position < text.length() && isWhitespace(text.charAt(position))) position++;
    }

    private static boolean isWhitespace(char c) {
        return Character.isWhitespace(c) || c == ',';
    }

    private void expect(char c) {
        if (position >= text.length() || text.charAt(position) != c) throw error(position, "expected '" + c + "'");
        position++;
    }

    private IllegalArgumentException error(int column, String message) {
        return new IllegalArgumentException("column " + (column + 1) + ": " + message);
    }
}
