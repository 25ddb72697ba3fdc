package dev.viewstamp.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one TLC run reported, read from its console output ({@link #parse}). Figures TLC did not print are
 * {@link #UNKNOWN}: simulation prints no distinct-state count and no depth, and a run killed by its time box
 * has only what its last progress line said.
 *
 * @param spec            the specification's file name, such as {@code Toy.tla}
 * @param config          the configuration's file name, such as {@code Toy.cfg}
 * @param mode            breadth-first model checking or random simulation
 * @param outcome         how the run ended
 * @param violated        the invariant or action property TLC named as violated, or "" when it named none
 * @param message         TLC's (or SANY's) error text, or "" when the run found no error
 * @param statesGenerated states generated (exhaustive) or states checked (simulation)
 * @param distinctStates  distinct states found (exhaustive only)
 * @param statesLeft      states left on the queue when TLC stopped (exhaustive only); above 0 when it was cut short
 * @param depth           the depth of the state graph search (exhaustive only)
 * @param seed            the random seed TLC printed (simulation), to reproduce a run with {@code -seed}, or ""
 * @param wallTime        from starting the child JVM until it exited or was killed
 * @param exitCode        the child JVM's exit status (TLC's exit codes: 0 clean, 10-14 violations, 150-153
 *                        spec, config or system errors, 255 other errors), or -1 when it was killed
 * @param pid             the child JVM's process id
 * @param counterexample  the error trace ("State 1: ..." on), or "" when TLC printed none
 * @param output          everything the child JVM printed, stdout and stderr interleaved
 */
public record TlcResult(String spec, String config, Tlc.Mode mode, Outcome outcome, String violated, String message,
        long statesGenerated, long distinctStates, long statesLeft, long depth, String seed, Duration wallTime,
        int exitCode, long pid, String counterexample, String output) {

    /** A figure TLC did not print. */
    public static final long UNKNOWN = -1;

    /** How a TLC run ended. */
    public enum Outcome {
        /** Exhaustive: "Model checking completed. No error has been found." with no state left on the queue.
         *  Simulation: TLC finished (trace count or time bound reached) without printing an error. */
        OK,
        /** "Error: Invariant NAME is violated." */
        INVARIANT_VIOLATED,
        /** "Error: Action property NAME is violated." or "Error: Temporal properties were violated." */
        PROPERTY_VIOLATED,
        /** "Error: Deadlock reached." (only when deadlock checking is on). */
        DEADLOCK,
        /** "Error: Assumption ... is false." */
        ASSUME_FAILED,
        /** TLC could not evaluate the spec: "Error: Attempted to ...", a failed Assert, an unexpected exception. */
        EVAL_ERROR,
        /** SANY rejected the spec: a syntax ("***Parse Error***") or semantic error. */
        PARSE_ERROR,
        /** TLC rejected the .cfg file: a name it does not define, a file it cannot read. */
        CONFIG_ERROR,
        /** Exhaustive check that said "No error has been found" with states still on the queue: it was stopped
         *  early (tlc2.TLC.stopAfter), so the state space was not covered. */
        INCOMPLETE,
        /** The harness killed the child JVM when its time box ran out. */
        TIMED_OUT,
        /** Anything else: a crash, out of memory, output this parser does not know. */
        OTHER
    }

    private static final Pattern INVARIANT = Pattern.compile("^Error: Invariant (\\S+) is violated");
    private static final Pattern ACTION_PROPERTY = Pattern.compile("^Error: Action property (\\S+) is violated");
    private static final Pattern FINAL_STATS = Pattern.compile(
            "^([\\d,]+) states generated, ([\\d,]+) distinct states found, ([\\d,]+) states left on queue\\.");
    private static final Pattern PROGRESS_STATS = Pattern.compile("^Progress\\((\\d+)\\) at [^:]*(?::\\d+)*: "
            + "([\\d,]+) states generated.*?, ([\\d,]+) distinct states found.*?, ([\\d,]+) states left on queue");
    private static final Pattern DEPTH = Pattern.compile("^The depth of the complete state graph search is (\\d+)\\.");
    private static final Pattern SIMULATION_STATES = Pattern.compile(
            "^(?:Progress: ([\\d,]+) states checked|The number of states generated: ([\\d,]+))");
    private static final Pattern SEED = Pattern.compile("^Running Random Simulation with seed (-?\\d+)");
    private static final Pattern TRACE_END = Pattern.compile("^(?:[\\d,]+ states generated|The number of states "
            + "generated|Error:|Finished|Progress|Simulation using seed|Checking temporal properties)");
    private static final String NO_ERROR = "Model checking completed. No error has been found.";

    /** True when the run ended {@link Outcome#OK}. */
    public boolean ok() {
        return outcome == Outcome.OK;
    }

    /** One line for logs: what ran, how it ended, its figures. */
    public String summary() {
        StringBuilder line = new StringBuilder("TLC ").append(spec).append(' ').append(config).append(' ')
                .append(mode.name().toLowerCase(Locale.ROOT)).append(": ").append(outcome);
        if (!violated.isEmpty()) line.append(' ').append(violated);
        line.append(", ").append(figure(statesGenerated)).append(" states generated, ")
                .append(figure(distinctStates)).append(" distinct");
        if (depth != UNKNOWN) line.append(", depth ").append(depth);
        if (statesLeft > 0) line.append(", ").append(statesLeft).append(" left on queue");
        if (!seed.isEmpty()) line.append(", seed ").append(seed);
        line.append(String.format(Locale.ROOT, ", %.1f s", wallTime.toMillis() / 1000.0));
        return line.toString();
    }

    /** Everything a failing test should show: the summary, the error, the trace and the whole output. */
    public String describe() {
        StringBuilder text = new StringBuilder(summary()).append('\n');
        if (!message.isEmpty()) text.append(message).append('\n');
        if (!counterexample.isEmpty()) text.append("--- counterexample ---\n").append(counterexample).append('\n');
        return text.append("--- TLC output (exit code ").append(exitCode).append(") ---\n").append(output).toString();
    }

    private static String figure(long value) {
        return value == UNKNOWN ? "?" : Long.toString(value);
    }

    /**
     * Reads a TLC run's console output. Only the lines TLC prints in its plain (non {@code -tool}) format are
     * read; a line this does not know is ignored, so an unknown output gives {@link Outcome#OTHER}, not an
     * exception.
     */
    public static TlcResult parse(String spec, String config, Tlc.Mode mode, String output, int exitCode,
            boolean timedOut, Duration wallTime, long pid) {
        List<String> lines = output.lines().toList();
        long generated = UNKNOWN;
        long distinct = UNKNOWN;
        long left = UNKNOWN;
        long depth = UNKNOWN;
        long progressDepth = UNKNOWN;
        String seed = "";
        boolean noError = false;
        boolean finished = false;
        for (String line : lines) {
            Matcher m;
            if ((m = FINAL_STATS.matcher(line)).find()) {
                generated = number(m.group(1));
                distinct = number(m.group(2));
                left = number(m.group(3));
            } else if ((m = PROGRESS_STATS.matcher(line)).find()) {
                progressDepth = Long.parseLong(m.group(1));
                generated = number(m.group(2));
                distinct = number(m.group(3));
                left = number(m.group(4));
            } else if ((m = DEPTH.matcher(line)).find()) {
                depth = Long.parseLong(m.group(1));
            } else if ((m = SIMULATION_STATES.matcher(line)).find()) {
                generated = number(m.group(1) != null ? m.group(1) : m.group(2));
            } else if ((m = SEED.matcher(line)).find()) {
                seed = m.group(1);
            } else if (line.equals(NO_ERROR)) {
                noError = true;
            } else if (line.startsWith("Finished in ")) {
                finished = true;
            }
        }
        if (depth == UNKNOWN) depth = progressDepth;

        Outcome outcome;
        String violated = "";
        String message = errorMessage(lines);
        String parseMessage = parseErrorMessage(lines);
        Matcher invariant = firstMatch(lines, INVARIANT);
        Matcher actionProperty = firstMatch(lines, ACTION_PROPERTY);
        if (timedOut) {
            outcome = Outcome.TIMED_OUT;
        } else if (exitCode == 150 || !parseMessage.isEmpty()) {
            outcome = Outcome.PARSE_ERROR;
            if (!parseMessage.isEmpty()) message = parseMessage;
        } else if (invariant != null) {
            outcome = Outcome.INVARIANT_VIOLATED;
            violated = invariant.group(1);
        } else if (actionProperty != null) {
            outcome = Outcome.PROPERTY_VIOLATED;
            violated = actionProperty.group(1);
        } else if (lines.stream().anyMatch(l -> l.startsWith("Error: Temporal properties were violated"))) {
            outcome = Outcome.PROPERTY_VIOLATED;
        } else if (lines.stream().anyMatch(l -> l.startsWith("Error: Deadlock reached"))) {
            outcome = Outcome.DEADLOCK;
        } else if (lines.stream().anyMatch(l -> l.startsWith("Error: Assumption ") && l.endsWith(" is false."))) {
            outcome = Outcome.ASSUME_FAILED;
        } else if (exitCode == 151 || output.contains("ConfigFileException")
                || output.contains("specified in the configuration file")) {
            outcome = Outcome.CONFIG_ERROR;
        } else if (output.contains("OutOfMemoryError") || output.contains("ran out of memory")) {
            outcome = Outcome.OTHER;
        } else if (!message.isEmpty()) {
            outcome = Outcome.EVAL_ERROR;
        } else if (exitCode == 0 && noError) {
            outcome = left > 0 ? Outcome.INCOMPLETE : Outcome.OK;
        } else if (exitCode == 0 && mode == Tlc.Mode.SIMULATION && finished) {
            outcome = Outcome.OK;
        } else {
            outcome = Outcome.OTHER;
        }
        return new TlcResult(spec, config, mode, outcome, violated, message, generated, distinct, left, depth, seed,
                wallTime, exitCode, pid, counterexample(lines), output);
    }

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    private static Matcher firstMatch(List<String> lines, Pattern pattern) {
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) return m;
        }
        return null;
    }

    private static boolean isTraceHeader(String line) {
        return line.startsWith("Error: The behavior up to this point is")
                || line.startsWith("Error: The following behavior constitutes a counter-example");
    }

    /** Every "Error:" block but the trace headers; a block runs to a blank line or the next marker line. */
    private static String errorMessage(List<String> lines) {
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("Error:") || isTraceHeader(line)) continue;
            StringBuilder block = new StringBuilder(line);
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).isBlank() && !lines.get(j).startsWith("Error:")
                    && !lines.get(j).startsWith("State 1:") && !lines.get(j).startsWith("Finished in ")) {
                block.append('\n').append(lines.get(j));
                j++;
            }
            blocks.add(block.toString());
            i = j - 1;
        }
        return String.join("\n", blocks);
    }

    /** SANY's report: from its first error line to where TLC goes on ("Starting...") or gives up. */
    private static String parseErrorMessage(List<String> lines) {
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("***Parse Error***") || line.startsWith("Semantic errors:")
                    || line.startsWith("Lexical error") || line.startsWith("Fatal errors while parsing")) {
                start = i;
                break;
            }
        }
        if (start < 0) return "";
        StringBuilder text = new StringBuilder();
        for (int i = start; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("Starting... (") || line.startsWith("Error: Parsing or semantic analysis failed")
                    || line.startsWith("Finished in ")) {
                break;
            }
            text.append(line).append('\n');
        }
        return text.toString().strip();
    }

    /** The lines after TLC's trace header ("State 1: ..." on), up to the statistics that follow the trace. */
    private static String counterexample(List<String> lines) {
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (isTraceHeader(lines.get(i))) {
                header = i;
                break;
            }
        }
        if (header < 0) return "";
        StringBuilder text = new StringBuilder();
        for (int i = header + 1; i < lines.size() && !TRACE_END.matcher(lines.get(i)).find(); i++) {
            text.append(lines.get(i)).append('\n');
        }
        return text.toString().strip();
    }
}
