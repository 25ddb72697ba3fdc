package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sequential specification of one key: a register holding a string or nothing (null).
 *
 * <p>States are interned to small ints, so the search's memo compares and hashes an int instead of
 * a string that appends may have made long.
 *
 * <p>One state, {@link #UNOBSERVED}, stands for every value that no op left to linearize can
 * observe (see {@link Observers}). The search maps a value to it once the value's last observer
 * is linearized, so that paths which differ only in values nobody reads meet in its memo.
 */
final class RegisterModel {

    /** What {@link #step} returns when the op's reply is impossible in the given state. */
    static final int REJECTED = -1;

    /**
     * Some value that no op still to be linearized reads, expects or reads a continuation of. A GET
     * or a successful CAS left to run names another value, so it rejects this state; a failed CAS
     * names another value, so it accepts; an append keeps it unobserved.
     */
    static final int UNOBSERVED = 0;

    private final Map<String, Integer> stateByValue = new HashMap<>();
    /** By state; the entry for {@link #UNOBSERVED} is a placeholder that no value maps to. */
    private final List<String> valueByState = new ArrayList<>(List.of(""));

    int intern(String value) {
        Integer state = stateByValue.get(value);
        if (state != null) return state;
        valueByState.add(value);
        stateByValue.put(value, valueByState.size() - 1);
        return valueByState.size() - 1;
    }

    /** The value of a state other than {@link #UNOBSERVED}. */
    String value(int state) {
        Check.that(state != UNOBSERVED, "an unobserved state has no one value");
        return valueByState.get(state);
    }

    /**
     * The value after {@code op} runs on {@code value}, for an op the search accepted there: a GET
     * or failed CAS leaves it, an unknown CAS accepted was one that swapped.
     */
    static String valueAfter(String value, Operation op) {
        return switch (op.kind()) {
            case GET -> value;
            case PUT -> op.value();
            case APPEND -> orEmpty(value) + orEmpty(op.value());
            case DELETE -> null;
            case CAS -> op.outcome() == Operation.Outcome.FAIL ? value : op.value();
        };
    }

    /**
     * Runs {@code op} on a register in {@code state}.
     *
     * <p>An UNKNOWN CAS steps only when it swaps. The other possibility, that it failed or never
     * ran, leaves the register unchanged, which the search covers by not linearizing the op at all.
     *
     * @return the state after the op, or {@link #REJECTED} if the op could not have returned what
     *     it did from {@code state}
     */
    int step(int state, Operation op) {
        if (state == UNOBSERVED) return stepUnobserved(op);
        String current = value(state);
        return switch (op.kind()) {
            case GET -> Objects.equals(current, op.value()) ? state : REJECTED;
            case PUT -> intern(op.value());
            case APPEND -> intern(orEmpty(current) + orEmpty(op.value()));
            case DELETE -> intern(null);
            case CAS -> {
                boolean matches = Objects.equals(current, op.expected());
                if (op.outcome() == Operation.Outcome.FAIL) yield matches ? REJECTED : state;
                yield matches ? intern(op.value()) : REJECTED;
            }
        };
    }

    /** As {@link #UNOBSERVED} says: only a blind write leaves it, and only a failed CAS reads it. */
    private int stepUnobserved(Operation op) {
        return switch (op.kind()) {
            case GET -> REJECTED;
            case PUT -> intern(op.value());
            case APPEND -> UNOBSERVED;
            case DELETE -> intern(null);
            case CAS -> op.outcome() == Operation.Outcome.FAIL ? UNOBSERVED : REJECTED;
        };
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
