package dev.viewstamp.check;

import dev.viewstamp.check.OpenInvocations.Invocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Jepsen history of a key-value store with get, put and append, one EDN map per line:
 * <pre>
 * {:process 1, :type :invoke, :f :get, :key "9", :value nil}
 * {:process 1, :type :ok, :f :get, :key "9", :value "x 5 0 y"}
 * </pre>
 * A get's reply carries the value read, the empty string for a missing key; so every key starts as
 * {@link #INITIAL_VALUE}, "". Each op's times are the line numbers of its invocation and reply.
 *
 * <p>Replies mean what Jepsen means: {@code :ok} took effect; {@code :fail} definitely did not and
 * is dropped; {@code :info}, or no reply by the end of the file, is unknown. Blank lines are
 * skipped; any other line that does not parse is an error.
 */
public final class JepsenKvHistory {

    /** A missing key reads as "", so "" is the value every key starts with. */
    public static final String INITIAL_VALUE = "";

    private static final Set<String> TYPES = Set.of("invoke", "ok", "fail", "info");
    private static final Set<String> FS = Set.of("get", "put", "append");

    private final Path file;
    private final OpenInvocations open;
    private final List<Operation> ops = new ArrayList<>();

    private JepsenKvHistory(Path file) {
        this.file = file;
        this.open = new OpenInvocations(file);
    }

    /** @throws HistoryFormatException naming the file and line, for a line that does not parse */
    public static List<Operation> parse(Path file) throws IOException {
        JepsenKvHistory history = new JepsenKvHistory(file);
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) history.onLine(lines.get(i), i + 1);
        }
        return history.finish();
    }

    private void onLine(String text, long lineNumber) {
        Map<String, Object> entries;
        try {
            entries = EdnMap.parse(text);
        } catch (IllegalArgumentException e) {
            throw new HistoryFormatException(file, lineNumber, e.getMessage());
        }
        int process = process(entries, lineNumber);
        String type = keyword(entries, "type", TYPES, lineNumber);
        String f = keyword(entries, "f", FS, lineNumber);
        String key = key(entries, lineNumber);
        String value = value(entries, lineNumber);
        if (type.equals("invoke")) {
            open.open(new Invocation(process, f, key, value, lineNumber));
            return;
        }
        Invocation invocation = open.close(process, f, key, lineNumber);
        switch (type) {
            case "ok" -> onOk(invocation, value, lineNumber);
            case "fail" -> {} // Did nothing, and a get that failed read nothing.
            case "info" -> onUnknown(invocation);
            default -> throw new AssertionError("TYPES admits no type " + type);
        }
    }

    private void onOk(Invocation invocation, String value, long lineNumber) {
        int process = invocation.process();
        String key = invocation.key();
        long invokeTime = invocation.lineNumber();
        switch (invocation.f()) {
            case "get" -> ops.add(Operation.get(process, key, value, invokeTime, lineNumber));
            case "put" -> ops.add(Operation.put(process, key, invocation.value(), invokeTime, lineNumber));
            case "append" -> ops.add(Operation.append(process, key, invocation.value(), invokeTime, lineNumber));
            default -> throw new AssertionError("FS admits no f " + invocation.f());
        }
    }

    /** A get with no reply constrains nothing; a put or append may or may not have taken effect. */
    private void onUnknown(Invocation invocation) {
        int process = invocation.process();
        String key = invocation.key();
        long invokeTime = invocation.lineNumber();
        switch (invocation.f()) {
            case "get" -> {}
            case "put" -> ops.add(Operation.putUnknown(process, key, invocation.value(), invokeTime));
            case "append" -> ops.add(Operation.appendUnknown(process, key, invocation.value(), invokeTime));
            default -> throw new AssertionError("FS admits no f " + invocation.f());
        }
    }

    private List<Operation> finish() {
        open.remaining().forEach(this::onUnknown);
        ops.sort(Comparator.comparingLong(Operation::invokeTime));
        return List.copyOf(ops);
    }

    private int process(Map<String, Object> entries, long lineNumber) {
        if (entries.get("process") instanceof Long process && process >= 0 && process <= Integer.MAX_VALUE) {
            return process.intValue();
        }
        throw new HistoryFormatException(file, lineNumber, ":process must be a non-negative integer, got: "
                + entries.get("process"));
    }

    private String keyword(Map<String, Object> entries, String name, Set<String> allowed, long lineNumber) {
        if (entries.get(name) instanceof EdnMap.Keyword keyword && allowed.contains(keyword.name())) {
            return keyword.name();
        }
        String names = String.join(" :", allowed.stream().sorted().toList());
        throw new HistoryFormatException(file, lineNumber, ":" + name + " must be one of :" + names
                + ", got: " + entries.get(name));
    }

    /** Keys are strings; Jepsen also writes integer keys, which are read as their decimal text. */
    private String key(Map<String, Object> entries, long lineNumber) {
        Object key = entries.get("key");
        if (key instanceof String text) return text;
        if (key instanceof Long number) return number.toString();
        throw new HistoryFormatException(file, lineNumber, ":key must be a string or an integer, got: " + key);
    }

    private String value(Map<String, Object> entries, long lineNumber) {
        if (!entries.containsKey("value")) throw new HistoryFormatException(file, lineNumber, ":value is missing");
        Object value = entries.get("value");
        if (value == null || value instanceof String) return (String) value;
        throw new HistoryFormatException(file, lineNumber, ":value must be a string or nil, got: " + value);
    }
}
