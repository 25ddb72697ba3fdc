package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides whether a history of {@link Operation}s on a key-value store is linearizable: whether
 * every op can be placed at one instant between its invocation and its reply such that the ops,
 * run one at a time in that order, give every reply the client saw.
 *
 * <p>Keys are independent registers, so the history is split by key and each key is searched on
 * its own (P-compositionality; Herlihy &amp; Wing 1990). That keeps each search small: its cost
 * grows with the concurrency on one key, not with the number of keys.
 *
 * <p>The search can take exponential time on a pathological history, so it stops after {@link
 * #stateCountMax()} states per key and reports {@link Result.Verdict#UNKNOWN} rather than hang the
 * simulator.
 *
 * <p>Immutable: one checker may check many histories, from many threads at once.
 */
public final class LinearizabilityChecker {

    /**
     * The default budget. The recorded Jepsen histories in the shared set need under 1,200 states
     * on their hardest key, the simulator histories kept as tests under 5,000; exhausting a
     * million takes about 4 seconds and 250 MB of heap.
     */
    public static final long STATE_COUNT_MAX_DEFAULT = 1_000_000;

    private final long stateCountMax;

    public LinearizabilityChecker() {
        this(STATE_COUNT_MAX_DEFAULT);
    }

    /** @param stateCountMax how many search states to explore on one key before giving up */
    public LinearizabilityChecker(long stateCountMax) {
        if (stateCountMax < 1) throw new IllegalArgumentException("stateCountMax " + stateCountMax + " < 1");
        this.stateCountMax = stateCountMax;
    }

    public long stateCountMax() {
        return stateCountMax;
    }

    /**
     * @param history the ops of every client, in any order
     * @param initialValue the value of every key before the history; {@code null} for absent
     * @return LINEARIZABLE if every key is; else NOT_LINEARIZABLE for the first key in key order
     *     that is not; else UNKNOWN for the first key whose search ran out of budget
     */
    public Result check(List<Operation> history, String initialValue) {
        Map<String, List<Operation>> historyByKey = new TreeMap<>();
        for (Operation op : history) {
            historyByKey.computeIfAbsent(op.key(), key -> new ArrayList<>()).add(op);
        }
        long stateCount = 0;
        Result undecided = null;
        for (Map.Entry<String, List<Operation>> entry : historyByKey.entrySet()) {
            Result result = KeySearch.run(entry.getKey(), entry.getValue(), initialValue, stateCountMax);
            stateCount += result.stateCount();
            // Keep checking after an UNKNOWN key: a later key may still prove a violation, which is
            // the more useful verdict.
            switch (result.verdict()) {
                case LINEARIZABLE -> {}
                case NOT_LINEARIZABLE -> {
                    return result.withStateCount(stateCount);
                }
                case UNKNOWN -> {
                    if (undecided == null) undecided = result;
                }
            }
        }
        if (undecided != null) return undecided.withStateCount(stateCount);
        return Result.linearizable(
                historyByKey.size() + " keys, " + history.size() + " ops: linearizable", stateCount);
    }
}
