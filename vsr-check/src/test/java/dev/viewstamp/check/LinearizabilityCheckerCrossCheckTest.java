package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compares the checker with {@link BruteForceChecker} on thousands of small random histories of
 * one key. The histories come from a real register run by concurrent clients, some of whose
 * replies are lost or corrupted, so both verdicts occur often. This is what guards the search's
 * pruning rules (twins, unknown writes that change nothing or are overwritten unseen), which the
 * shared histories exercise only on the data they happen to contain.
 */
class LinearizabilityCheckerCrossCheckTest {

    private static final long SEED = 20240611;
    private static final int HISTORY_COUNT = 10_000;
    private static final String[] VALUES = {null, "a", "b"};

    @Test
    void agreesWithBruteForceOnRandomHistories() {
        Random random = new Random(SEED);
        LinearizabilityChecker checker = new LinearizabilityChecker();
        int linearizableCount = 0;
        for (int i = 0; i < HISTORY_COUNT; i++) {
            String initialValue = VALUES[random.nextInt(VALUES.length)];
            List<Operation> history = randomHistory(random, initialValue);
            boolean expected = BruteForceChecker.isLinearizable(history, initialValue);
            Result result = checker.check(history, initialValue);
            assertThat(result.isLinearizable())
                    .as("history %d (seed %d), initial %s:%n%s%n%s", i, SEED, initialValue, describe(history),
                            result.explanation())
                    .isEqualTo(expected);
            assertThat(result.verdict()).isNotEqualTo(Result.Verdict.UNKNOWN);
            if (expected) linearizableCount++;
        }
        // Both verdicts must be well represented, or the comparison proves little.
        assertThat(linearizableCount).isBetween(HISTORY_COUNT / 10, HISTORY_COUNT * 9 / 10);
    }

    /**
     * Like the simulator's clients: every write writes a value of its own, appends append strings
     * of their own, and a CAS expects the current value, a stale one, absent, or a guess nobody
     * writes. Most written values are never read, which is what the search's rules for unread
     * values and redundant ops act on (see {@link RedundantOps} and {@link Observers}).
     */
    @Test
    void agreesWithBruteForceOnHistoriesOfUniqueValues() {
        Random random = new Random(SEED + 1);
        LinearizabilityChecker checker = new LinearizabilityChecker();
        int linearizableCount = 0;
        for (int i = 0; i < HISTORY_COUNT; i++) {
            List<Operation> history = randomHistoryOfUniqueValues(random);
            boolean expected = BruteForceChecker.isLinearizable(history, null);
            Result result = checker.check(history, null);
            assertThat(result.isLinearizable())
                    .as("history %d (seed %d):%n%s%n%s", i, SEED + 1, describe(history), result.explanation())
                    .isEqualTo(expected);
            assertThat(result.verdict()).isNotEqualTo(Result.Verdict.UNKNOWN);
            if (expected) linearizableCount++;
        }
        assertThat(linearizableCount).isBetween(HISTORY_COUNT / 10, HISTORY_COUNT * 9 / 10);
    }

    private static List<Operation> randomHistoryOfUniqueValues(Random random) {
        record Planned(int index, Operation.Kind kind, long invoke, long at, long ret, boolean replyLost,
                boolean tookEffect) {}
        List<Planned> planned = new ArrayList<>();
        int opCount = 4 + random.nextInt(6);
        for (int i = 0; i < opCount; i++) {
            long invoke = random.nextInt(30);
            long at = invoke + random.nextInt(4);
            long ret = at + random.nextInt(4);
            Operation.Kind kind = Operation.Kind.values()[random.nextInt(Operation.Kind.values().length)];
            boolean replyLost = kind != Operation.Kind.GET && random.nextInt(3) == 0;
            planned.add(new Planned(i, kind, invoke, at, ret, replyLost, !replyLost || random.nextBoolean()));
        }
        planned.sort(Comparator.comparingLong(Planned::at));

        String value = null;
        List<String> written = new ArrayList<>();
        List<Operation> history = new ArrayList<>();
        for (Planned p : planned) {
            String expected = switch (random.nextInt(4)) {
                case 0 -> value;
                case 1 -> null;
                case 2 -> written.isEmpty() ? "guess" : written.get(random.nextInt(written.size()));
                default -> "guess";
            };
            String opValue = switch (p.kind()) {
                case GET -> value;
                case PUT, CAS -> "v" + p.index();
                case APPEND -> "+" + p.index();
                case DELETE -> null;
            };
            boolean swapped = Objects.equals(value, expected);
            if (p.tookEffect()) {
                value = switch (p.kind()) {
                    case GET -> value;
                    case PUT -> opValue;
                    case APPEND -> (value == null ? "" : value) + opValue;
                    case DELETE -> null;
                    case CAS -> swapped ? opValue : value;
                };
                if (p.kind() != Operation.Kind.GET && value != null) written.add(value);
            }
            Operation.Outcome outcome = p.replyLost() ? Operation.Outcome.UNKNOWN
                    : p.kind() == Operation.Kind.CAS && !swapped ? Operation.Outcome.FAIL : Operation.Outcome.OK;
            history.add(new Operation(p.index(), "k", p.kind(), opValue,
                    p.kind() == Operation.Kind.CAS ? expected : null, outcome, p.invoke(), p.ret()));
        }
        if (random.nextInt(8) != 0) corruptOneReply(random, history);
        return history;
    }

    /**
     * Runs 4 to 9 ops on a real register, each taking effect at an instant inside its interval,
     * then loses some replies (the op took effect or not) and, mostly, corrupts one op: a read or CAS
     * reply, or the value a write wrote.
     */
    private static List<Operation> randomHistory(Random random, String initialValue) {
        record Planned(Operation.Kind kind, String value, String expected, long invoke, long at, long ret,
                boolean replyLost, boolean tookEffect) {}
        List<Planned> planned = new ArrayList<>();
        int opCount = 4 + random.nextInt(6);
        for (int i = 0; i < opCount; i++) {
            long invoke = random.nextInt(30);
            long at = invoke + random.nextInt(4);
            long ret = at + random.nextInt(4);
            Operation.Kind kind = Operation.Kind.values()[random.nextInt(Operation.Kind.values().length)];
            boolean replyLost = kind != Operation.Kind.GET && random.nextInt(3) == 0;
            planned.add(new Planned(kind, VALUES[random.nextInt(VALUES.length)], VALUES[random.nextInt(VALUES.length)],
                    invoke, at, ret, replyLost, !replyLost || random.nextBoolean()));
        }
        planned.sort(Comparator.comparingLong(Planned::at));

        String value = initialValue;
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < planned.size(); i++) {
            Planned p = planned.get(i);
            String read = value;
            boolean swapped = Objects.equals(value, p.expected());
            if (p.tookEffect()) {
                value = switch (p.kind()) {
                    case GET -> value;
                    case PUT -> p.value();
                    case APPEND -> (value == null ? "" : value) + (p.value() == null ? "" : p.value());
                    case DELETE -> null;
                    case CAS -> swapped ? p.value() : value;
                };
            }
            Operation.Outcome outcome = p.replyLost() ? Operation.Outcome.UNKNOWN
                    : p.kind() == Operation.Kind.CAS && !swapped ? Operation.Outcome.FAIL : Operation.Outcome.OK;
            String opValue = switch (p.kind()) {
                case GET -> read;
                case DELETE -> null;
                case PUT, APPEND, CAS -> p.value();
            };
            String expected = p.kind() == Operation.Kind.CAS ? p.expected() : null;
            history.add(new Operation(i, "k", p.kind(), opValue, expected, outcome, p.invoke(), p.ret()));
        }
        if (random.nextInt(8) != 0) corruptOneReply(random, history);
        return history;
    }

    private static void corruptOneReply(Random random, List<Operation> history) {
        int i = random.nextInt(history.size());
        Operation op = history.get(i);
        String otherValue = VALUES[random.nextInt(VALUES.length)];
        Operation corrupt = switch (op.kind()) {
            case GET, PUT, APPEND -> new Operation(op.process(), op.key(), op.kind(), otherValue, null,
                    op.outcome(), op.invokeTime(), op.returnTime());
            case CAS -> op.outcome() == Operation.Outcome.UNKNOWN ? op
                    : new Operation(op.process(), op.key(), op.kind(), op.value(), op.expected(),
                            op.outcome() == Operation.Outcome.OK ? Operation.Outcome.FAIL : Operation.Outcome.OK,
                            op.invokeTime(), op.returnTime());
            case DELETE -> Operation.put(op.process(), op.key(), otherValue, op.invokeTime(), op.returnTime());
        };
        history.set(i, corrupt);
    }

    private static String describe(List<Operation> history) {
        StringBuilder text = new StringBuilder();
        for (Operation op : history) text.append("  ").append(op.describe()).append('\n');
        return text.toString();
    }
}
