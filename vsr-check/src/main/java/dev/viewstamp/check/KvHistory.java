package dev.viewstamp.check;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The history format of our own key-value store (format name {@code vsr-kv}): what the simulator
 * writes for a failing seed, and what {@code vsr lincheck} reads back. One op per line, as a flat
 * EDN map, in invocation order:
 * <pre>
 * ; vsr simulate --seed 7 --replicas 5
 * {:process 2000, :type :ok, :f :put, :key "k0", :value "c2.0.4", :invoke 311, :return 318}
 * {:process 0, :type :fail, :f :cas, :key "k0", :expected nil, :value "c0.0.9", :invoke 312, :return 320}
 * {:process 1000, :type :info, :f :append, :key "k0", :value "+c1.0.7", :invoke 315}
 * {:process 3000, :type :ok, :f :get, :key "k0", :value "c2.0.4", :invoke 316, :return 322}
 * </pre>
 * Unlike Jepsen's histories, a line holds a whole op: its invocation and return times are the
 * simulator's ticks, so the checker's explanation points into a {@code --trace} of the same seed,
 * and ops that invoke and return at the same tick keep their exact overlap.
 *
 * <ul>
 *   <li>{@code :f} is {@code :get}, {@code :put}, {@code :append}, {@code :delete} or {@code :cas}.
 *       {@code :value} is the value a get read, or the value a put, append or cas wrote; {@code nil}
 *       is an absent key. A cas also has {@code :expected}. A delete has no {@code :value}.
 *   <li>{@code :type :ok} took effect; {@code :fail} did not (a failed cas still says the key did
 *       not hold {@code :expected}); {@code :info} is unknown and has no {@code :return}.
 *   <li>Every key starts absent ({@link #INITIAL_VALUE}). Lines starting with {@code ;} are
 *       comments, and blank lines are skipped.
 * </ul>
 */
public final class KvHistory {

    /** The simulator's keys start absent. */
    public static final String INITIAL_VALUE = null;

    private static final Set<String> TYPES = Set.of("ok", "fail", "info");
    private static final Map<String, Operation.Kind> KIND_BY_F = Map.of("get", Operation.Kind.GET, "put",
            Operation.Kind.PUT, "append", Operation.Kind.APPEND, "delete", Operation.Kind.DELETE, "cas",
            Operation.Kind.CAS);

    private final Path file;

    private KvHistory(Path file) {
        this.file = file;
    }

    /**
     * Writes {@code history} to {@code file}, ops in invocation order, after {@code comments} (one
     * {@code ;} line each).
     */
    public static void write(Path file, List<String> comments, List<Operation> history) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            write(out, comments, history);
        }
    }

    static void write(Writer out, List<String> comments, List<Operation> history) throws IOException {
        for (String comment : comments) {
            for (String line : comment.split("\n", -1)) out.write("; " + line + "\n");
        }
        List<Operation> ordered = new ArrayList<>(history);
        ordered.sort(Comparator.comparingLong(Operation::invokeTime).thenComparingInt(Operation::process));
        for (Operation op : ordered) out.write(line(op) + "\n");
    }

    /** One op as its line, without the line break. */
    static String line(Operation op) {
        StringBuilder line = new StringBuilder();
        line.append("{:process ").append(op.process())
                .append(", :type :").append(op.outcome() == Operation.Outcome.UNKNOWN ? "info"
                        : op.outcome().name().toLowerCase(Locale.ROOT))
                .append(", :f :").append(op.kind().name().toLowerCase(Locale.ROOT))
                .append(", :key ").append(string(op.key()));
        if (op.kind() == Operation.Kind.CAS) line.append(", :expected ").append(string(op.expected()));
        if (op.kind() != Operation.Kind.DELETE) line.append(", :value ").append(string(op.value()));
        line.append(", :invoke ").append(op.invokeTime());
        if (op.outcome() != Operation.Outcome.UNKNOWN) line.append(", :return ").append(op.returnTime());
        return line.append('}').toString();
    }

    /** An EDN string, escaped as {@link EdnMap} reads it, or {@code nil}. */
    private static String string(String value) {
        if (value == null) return "nil";
        StringBuilder text = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"', '\\' -> text.append('\\').append(c);
                case '\n' -> text.append("\\n");
                case '\t' -> text.append("\\t");
                case '\r' -> text.append("\\r");
                default -> text.append(c);
            }
        }
        return text.append('"').toString();
    }

    /** @throws HistoryFormatException naming the file and line, for a line that does not parse */
    public static List<Operation> parse(Path file) throws IOException {
        KvHistory history = new KvHistory(file);
        List<String> lines = Files.readAllLines(file);
        List<Operation> ops = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.stripLeading().startsWith(";")) continue;
            ops.add(history.op(line, i + 1));
        }
        ops.sort(Comparator.comparingLong(Operation::invokeTime));
        return List.copyOf(ops);
    }

    private Operation op(String text, long lineNumber) {
        Map<String, Object> entries;
        try {
            entries = EdnMap.parse(text);
        } catch (IllegalArgumentException e) {
            throw new HistoryFormatException(file, lineNumber, e.getMessage());
        }
        long process = integer(entries, "process", lineNumber);
        if (process > Integer.MAX_VALUE) throw error(lineNumber, ":process " + process + " is out of range");
        String type = keyword(entries, "type", lineNumber);
        if (!TYPES.contains(type)) throw error(lineNumber, ":type must be one of :ok :fail :info, got: :" + type);
        Operation.Kind kind = KIND_BY_F.get(keyword(entries, "f", lineNumber));
        if (kind == null) {
            throw error(lineNumber, ":f must be one of :get :put :append :delete :cas, got: " + entries.get("f"));
        }
        if (!(entries.get("key") instanceof String key)) {
            throw error(lineNumber, ":key must be a string, got: " + entries.get("key"));
        }
        String expected = kind == Operation.Kind.CAS ? string(entries, "expected", lineNumber) : null;
        if (kind != Operation.Kind.CAS && entries.containsKey("expected")) {
            throw error(lineNumber, "only a :cas has :expected");
        }
        String value = null;
        if (kind != Operation.Kind.DELETE) value = string(entries, "value", lineNumber);
        else if (entries.get("value") != null) throw error(lineNumber, "a :delete has no :value");
        long invokeTime = integer(entries, "invoke", lineNumber);
        Operation.Outcome outcome = switch (type) {
            case "ok" -> Operation.Outcome.OK;
            case "fail" -> Operation.Outcome.FAIL;
            default -> Operation.Outcome.UNKNOWN;
        };
        long returnTime = Operation.NEVER_RETURNED;
        if (outcome != Operation.Outcome.UNKNOWN) {
            returnTime = integer(entries, "return", lineNumber);
            if (returnTime < invokeTime) throw error(lineNumber, ":return " + returnTime + " < :invoke " + invokeTime);
        } else if (entries.containsKey("return")) {
            throw error(lineNumber, "an :info op has no :return");
        }
        return new Operation((int) process, key, kind, value, expected, outcome, invokeTime, returnTime);
    }

    private long integer(Map<String, Object> entries, String name, long lineNumber) {
        if (entries.get(name) instanceof Long number && number >= 0) return number;
        throw error(lineNumber, ":" + name + " must be a non-negative integer, got: " + entries.get(name));
    }

    private String keyword(Map<String, Object> entries, String name, long lineNumber) {
        if (entries.get(name) instanceof EdnMap.Keyword keyword) return keyword.name();
        throw error(lineNumber, ":" + name + " must be a keyword, got: " + entries.get(name));
    }

    private String string(Map<String, Object> entries, String name, long lineNumber) {
        if (!entries.containsKey(name)) throw error(lineNumber, ":" + name + " is missing");
        Object value = entries.get(name);
        if (value == null || value instanceof String) return (String) value;
        throw error(lineNumber, ":" + name + " must be a string or nil, got: " + value);
    }

    private HistoryFormatException error(long lineNumber, String message) {
        return new HistoryFormatException(file, lineNumber, message);
    }
}
