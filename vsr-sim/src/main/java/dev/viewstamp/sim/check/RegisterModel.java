package dev.viewstamp.sim.check;

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
 */
final class RegisterModel {

    /** What {@link #step} returns when the op's reply is impossible in the given state. */
    static final int REJECTED = -1;

    private final Map<String, Integer> stateByValue = new HashMap<>();
    private final List<String> valueByState = new ArrayList<>();

    int intern(String value) {
        Integer state = stateByValue.get(value);
        if (state != null) return state;
        valueByState.add(value);
        stateByValue.put(value, valueByState.size() - 1);
        return valueByState.size() - 1;
    }

    String value(int state) {
        return valueByState.get(state);
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

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
