package dev.viewstamp.check;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a failed search got furthest, to explain the failure: the latest return event it could
 * not get past, which is the op that no order of the ops before it explains, and the register
 * values the search had when it got stuck there.
 */
final class StuckPoint {

    private static final int VALUE_COUNT_SHOWN_MAX = 8;
    /**
     * Values kept per set: a search that fails after a million states may have got stuck with as
     * many values, which nobody reads past the first few.
     */
    private static final int VALUE_COUNT_KEPT_MAX = 1_000;
    private static final int OP_COUNT_SHOWN_MAX = 16;
    private static final int PRECEDING_OP_COUNT_SHOWN = 3;

    /** The latest return node the search got stuck at; 0 (the list's head) until it gets stuck. */
    private int node;
    /** The register's values when stuck at {@link #node}, right after a definite op. */
    private final Set<String> values = new LinkedHashSet<>();
    /**
     * The same, right after an unknown write. Listed last: a write that may never have happened
     * says less about the history than the definite ops.
     */
    private final Set<String> valuesAfterUnknownWrite = new LinkedHashSet<>();

    /** The search is stuck at {@code returnNode} with the register holding {@code value}. */
    void note(int returnNode, String value, boolean afterUnknownWrite) {
        if (returnNode < node) return;
        if (returnNode > node) {
            node = returnNode;
            values.clear();
            valuesAfterUnknownWrite.clear();
        }
        Set<String> kept = afterUnknownWrite ? valuesAfterUnknownWrite : values;
        if (kept.size() < VALUE_COUNT_KEPT_MAX) kept.add(value);
    }

    int node() {
        return node;
    }

    /**
     * For example:
     * <pre>
     * key "x": no order of the ops explains p2 GET -> "1" [7..8]
     * the register held one of: "2"
     * ops around it, by invocation:
     *     p0 PUT "1" [1..2]
     *     p1 PUT "2" [3..4]
     *   > p2 GET -> "1" [7..8]
     * </pre>
     */
    String explain(String key, Operation stuckOp, List<Operation> ops) {
        Set<String> allValues = new LinkedHashSet<>(values);
        allValues.addAll(valuesAfterUnknownWrite);
        String shownValues = allValues.stream().limit(VALUE_COUNT_SHOWN_MAX)
                .map(Operation::quote)
                .collect(Collectors.joining(", "));
        if (allValues.size() > VALUE_COUNT_SHOWN_MAX) {
            boolean full = values.size() == VALUE_COUNT_KEPT_MAX || valuesAfterUnknownWrite.size() == VALUE_COUNT_KEPT_MAX;
            shownValues += " and " + (full ? "at least " : "") + (allValues.size() - VALUE_COUNT_SHOWN_MAX) + " more";
        }
        List<Operation> preceding = ops.stream()
                .filter(op -> op.returnTime() < stuckOp.invokeTime())
                .sorted(Comparator.comparingLong(Operation::returnTime).reversed())
                .limit(PRECEDING_OP_COUNT_SHOWN)
                .toList();
        List<Operation> concurrent = ops.stream()
                .filter(op -> op.invokeTime() <= stuckOp.returnTime() && op.returnTime() >= stuckOp.invokeTime())
                .toList();
        List<Operation> shown = Stream.concat(preceding.stream(), concurrent.stream())
                .sorted(Comparator.comparingLong(Operation::invokeTime))
                .toList();

        // Around the stuck op: a long-pending unknown write counts as concurrent with everything
        // after it, so there may be more ops than fit.
        int stuckIndex = shown.indexOf(stuckOp);
        int from = Math.max(0, Math.min(stuckIndex - OP_COUNT_SHOWN_MAX / 2, shown.size() - OP_COUNT_SHOWN_MAX));
        int to = Math.min(shown.size(), from + OP_COUNT_SHOWN_MAX);

        StringBuilder text = new StringBuilder();
        text.append("key ").append(Operation.quote(key)).append(": no order of the ops explains ")
                .append(stuckOp.describe()).append('\n');
        text.append("the register held one of: ").append(shownValues).append('\n');
        text.append("ops around it, by invocation:");
        if (from > 0) text.append("\n    ... ").append(from).append(" more before");
        for (Operation op : shown.subList(from, to)) {
            text.append('\n').append(op == stuckOp ? "  > " : "    ").append(op.describe());
        }
        if (to < shown.size()) text.append("\n    ... ").append(shown.size() - to).append(" more after");
        return text.toString();
    }
}
