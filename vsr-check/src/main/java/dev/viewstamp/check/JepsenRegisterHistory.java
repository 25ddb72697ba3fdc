package dev.viewstamp.check;

import dev.viewstamp.check.OpenInvocations.Invocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Jepsen log of one compare-and-set register, as Jepsen's etcd test writes it:
 * <pre>
 * INFO  jepsen.util - 2	:invoke	:cas	[3 0]
 * INFO  jepsen.util - 2	:ok	:cas	[3 0]
 * </pre>
 * Values are integers or {@code nil}; the register starts as nil. Each op's times are the line
 * numbers of its invocation and its reply, which order the events as the log does.
 *
 * <p>Replies mean what Jepsen means: {@code :ok} took effect; {@code :fail} definitely did not
 * (a failed CAS still tells that the register did not hold the expected value; a failed read or
 * write constrains nothing and is dropped); {@code :info}, or no reply by the end of the file,
 * is unknown.
 *
 * <p>Lines without the {@code jepsen.util - <process>} prefix, with a numeric process, are other
 * log output (the nemesis, the test runner) and are skipped. A line with the prefix that does not
 * parse is an error.
 */
public final class JepsenRegisterHistory {

    /** The key every op is on: the log holds a single register. */
    public static final String KEY = "register";

    /** Jepsen's register starts as nil, which is absent here. */
    public static final String INITIAL_VALUE = null;

    private static final Pattern HISTORY_LINE = Pattern.compile("\\bjepsen\\.util - (\\d+)\\s+(.*)");
    private static final Pattern EVENT = Pattern.compile(":(invoke|ok|fail|info)\\s+:(read|write|cas)\\s+(.*)");
    private static final Pattern CAS_ARGUMENT = Pattern.compile("\\[(\\S+) (\\S+)]");
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    private final Path file;
    private final OpenInvocations open;
    private final List<Operation> ops = new ArrayList<>();

    private JepsenRegisterHistory(Path file) {
        this.file = file;
        this.open = new OpenInvocations(file);
    }

    /** @throws HistoryFormatException naming the file and line, for a history line that does not parse */
    public static List<Operation> parse(Path file) throws IOException {
        JepsenRegisterHistory history = new JepsenRegisterHistory(file);
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) history.onLine(lines.get(i), i + 1);
        return history.finish();
    }

    private void onLine(String text, long lineNumber) {
        Matcher line = HISTORY_LINE.matcher(text);
        if (!line.find()) return; // Log noise: not an op.
        Matcher event = EVENT.matcher(line.group(2));
        if (!event.matches()) {
            throw new HistoryFormatException(file, lineNumber, "expected :invoke|:ok|:fail|:info, "
                    + ":read|:write|:cas and a value, got: " + line.group(2));
        }
        int process = process(line.group(1), lineNumber);
        String type = event.group(1);
        String f = event.group(2);
        String value = event.group(3);
        if (type.equals("invoke")) {
            // Parse now, so that a bad argument is reported on its own line.
            if (f.equals("cas")) cas(value, lineNumber);
            else if (f.equals("write")) registerValue(value, lineNumber);
            open.open(new Invocation(process, f, null, value, lineNumber));
            return;
        }
        Invocation invocation = open.close(process, f, null, lineNumber);
        switch (type) {
            case "ok" -> onOk(invocation, value, lineNumber);
            case "fail" -> onFail(invocation, lineNumber);
            case "info" -> onUnknown(invocation);
            default -> throw new AssertionError("EVENT admits no type " + type);
        }
    }

    private void onOk(Invocation invocation, String value, long lineNumber) {
        int process = invocation.process();
        long invokeTime = invocation.lineNumber();
        if (!invocation.f().equals("read") && !value.equals(invocation.value())) {
            throw new HistoryFormatException(file, lineNumber, "reply value " + value
                    + " differs from the invocation's " + invocation.value() + " on line " + invokeTime);
        }
        Operation op = switch (invocation.f()) {
            case "read" -> Operation.get(process, KEY, registerValue(value, lineNumber), invokeTime, lineNumber);
            case "write" -> Operation.put(process, KEY, registerValue(value, lineNumber), invokeTime, lineNumber);
            case "cas" -> {
                Cas cas = cas(value, lineNumber);
                yield Operation.casOk(process, KEY, cas.expected(), cas.value(), invokeTime, lineNumber);
            }
            default -> throw new AssertionError("EVENT admits no f " + invocation.f());
        };
        ops.add(op);
    }

    /** A failed read or write did nothing and returned nothing; only a failed CAS tells something. */
    private void onFail(Invocation invocation, long lineNumber) {
        if (!invocation.f().equals("cas")) return;
        long invokeTime = invocation.lineNumber();
        Cas cas = cas(invocation.value(), invokeTime);
        ops.add(Operation.casFail(invocation.process(), KEY, cas.expected(), cas.value(), invokeTime, lineNumber));
    }

    /** A read with no reply constrains nothing; a write or CAS may or may not have taken effect. */
    private void onUnknown(Invocation invocation) {
        int process = invocation.process();
        long invokeTime = invocation.lineNumber();
        switch (invocation.f()) {
            case "read" -> {}
            case "write" -> {
                String value = registerValue(invocation.value(), invokeTime);
                ops.add(Operation.putUnknown(process, KEY, value, invokeTime));
            }
            case "cas" -> {
                Cas cas = cas(invocation.value(), invokeTime);
                ops.add(Operation.casUnknown(process, KEY, cas.expected(), cas.value(), invokeTime));
            }
            default -> throw new AssertionError("EVENT admits no f " + invocation.f());
        }
    }

    private List<Operation> finish() {
        // An invocation still open at the end of the log is unknown, like an :info.
        open.remaining().forEach(this::onUnknown);
        ops.sort(Comparator.comparingLong(Operation::invokeTime));
        return List.copyOf(ops);
    }

    private int process(String digits, long lineNumber) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new HistoryFormatException(file, lineNumber, "process id " + digits + " is out of range");
        }
    }

    /** A CAS's argument {@code [A B]}: swap A for B. */
    private record Cas(String expected, String value) {}

    private Cas cas(String text, long lineNumber) {
        Matcher cas = CAS_ARGUMENT.matcher(text);
        if (!cas.matches()) {
            throw new HistoryFormatException(file, lineNumber, "expected [A B] for a cas, got: " + text);
        }
        return new Cas(registerValue(cas.group(1), lineNumber), registerValue(cas.group(2), lineNumber));
    }

    private String registerValue(String text, long lineNumber) {
        if (text.equals("nil")) return null;
        if (INTEGER.matcher(text).matches()) return text;
        throw new HistoryFormatException(file, lineNumber, "expected an integer or nil, got: " + text);
    }
}
