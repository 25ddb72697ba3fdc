package dev.viewstamp.check;

/**
 * The verdict on a history.
 *
 * @param verdict linearizable, not linearizable, or unknown because the search ran out of budget
 * @param key the key the verdict is about: the first key (in key order) that is not
 *     linearizable, else the first whose search ran out of budget; {@code null} when linearizable
 * @param explanation a short human-readable account; for NOT_LINEARIZABLE, the op the search
 *     could not get past, the values the register could hold there, and the ops around it
 * @param stateCount search states explored over all keys checked, a measure of the work done
 */
public record Result(Verdict verdict, String key, String explanation, long stateCount) {

    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        /** The search ran out of budget before deciding; see {@link LinearizabilityChecker}. */
        UNKNOWN
    }

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    static Result linearizable(String explanation, long stateCount) {
        return new Result(Verdict.LINEARIZABLE, null, explanation, stateCount);
    }

    static Result notLinearizable(String key, String explanation, long stateCount) {
        return new Result(Verdict.NOT_LINEARIZABLE, key, explanation, stateCount);
    }

    static Result unknown(String key, String explanation, long stateCount) {
        return new Result(Verdict.UNKNOWN, key, explanation, stateCount);
    }

    Result withStateCount(long stateCountNew) {
        return new Result(verdict, key, explanation, stateCountNew);
    }
}
