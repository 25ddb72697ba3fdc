package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The definition of linearizability, executed literally for one key: try every order of the ops
 * that respects real time, with every subset of the unknown writes, and run each on a register.
 * No memo and no pruning rules, so it is obviously right and exponentially slow; the tests use it
 * to check {@link LinearizabilityChecker} on small random histories.
 */
final class BruteForceChecker {

    private final List<Operation> definite = new ArrayList<>();
    private final List<Operation> unknown = new ArrayList<>();

    private BruteForceChecker(List<Operation> history) {
        for (Operation op : history) {
            if (op.isDefinite()) definite.add(op);
            else if (op.isUnknownWrite()) unknown.add(op);
        }
    }

    static boolean isLinearizable(List<Operation> history, String initialValue) {
        BruteForceChecker checker = new BruteForceChecker(history);
        return checker.search(new boolean[checker.definite.size()], new boolean[checker.unknown.size()], initialValue);
    }

    private boolean search(boolean[] definiteDone, boolean[] unknownDone, String value) {
        boolean allDone = true;
        for (boolean done : definiteDone) allDone &= done;
        if (allDone) return true;
        for (int i = 0; i < definite.size(); i++) {
            if (definiteDone[i] || !mayGoNext(definite.get(i), definiteDone)) continue;
            Step step = step(definite.get(i), value);
            if (!step.allowed()) continue;
            definiteDone[i] = true;
            boolean found = search(definiteDone, unknownDone, step.value());
            definiteDone[i] = false;
            if (found) return true;
        }
        for (int i = 0; i < unknown.size(); i++) {
            if (unknownDone[i] || !mayGoNext(unknown.get(i), definiteDone)) continue;
            Step step = step(unknown.get(i), value);
            if (!step.allowed()) continue;
            unknownDone[i] = true;
            boolean found = search(definiteDone, unknownDone, step.value());
            unknownDone[i] = false;
            if (found) return true;
        }
        return false;
    }

    /** No remaining definite op returned before {@code op} was invoked. */
    private boolean mayGoNext(Operation op, boolean[] definiteDone) {
        for (int i = 0; i < definite.size(); i++) {
            Operation other = definite.get(i);
            if (!definiteDone[i] && other != op && other.returnTime() < op.invokeTime()) return false;
        }
        return true;
    }

    private record Step(boolean allowed, String value) {}

    private static Step step(Operation op, String value) {
        return switch (op.kind()) {
            case GET -> new Step(Objects.equals(value, op.value()), value);
            case PUT -> new Step(true, op.value());
            case APPEND -> new Step(true, (value == null ? "" : value) + (op.value() == null ? "" : op.value()));
            case DELETE -> new Step(true, null);
            case CAS -> {
                boolean matches = Objects.equals(value, op.expected());
                if (op.outcome() == Operation.Outcome.FAIL) yield new Step(!matches, value);
                yield new Step(matches, matches ? op.value() : value);
            }
        };
    }
}
