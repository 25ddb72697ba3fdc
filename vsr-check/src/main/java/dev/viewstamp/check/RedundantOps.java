package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ops of one key that the search may leave out without changing its verdict, because every
 * linearization of the other ops can take them in or leave them out. Each one left out is a
 * dimension less for the search: a pending op doubles the sets of ops it may have linearized.
 *
 * <ol>
 *   <li><b>A failed CAS whose expected value the register can never hold.</b> It only says the
 *       register held something else, which is true at every instant. Given any linearization of
 *       the other ops, place it at any instant of its interval: it fits. The simulator's clients
 *       guess such values on purpose.
 *   <li><b>An unknown write whose effect no op can observe</b>, when no failed CAS can follow it.
 *       Take a linearization that applies the write u; up to the next PUT or DELETE, every value
 *       the register holds derives from u's (by appends). No GET reads such a value and no CAS
 *       expects one (that is the condition), so in that stretch there are only appends; a failed
 *       CAS there would notice the difference, which is why none may be placed after u. Remove u:
 *       the appends then build other values that nobody reads either, and from the next PUT or
 *       DELETE on, everything is as before. So leaving u out, which an unknown write allows,
 *       always works.
 * </ol>
 * A definite write never read is not redundant: it still hides the value before it (a later GET
 * may not read that), so it stays; the search forgets its value instead (see {@link Observers}).
 */
final class RedundantOps {

    /** Values the register may hold without appends: the initial one and every write's. */
    private final Set<String> written = new HashSet<>();
    /** What appends append, absent as "". */
    private final List<String> appended = new ArrayList<>();
    /** The latest return of a failed CAS, or -1. */
    private long failedCasReturnTimeMax = -1;
    private final Observers observers;

    private RedundantOps(List<Operation> ops, String initialValue) {
        written.add(initialValue);
        for (Operation op : ops) {
            switch (op.kind()) {
                case GET -> {}
                case CAS -> {
                    written.add(op.value());
                    if (op.outcome() == Operation.Outcome.FAIL) {
                        failedCasReturnTimeMax = Math.max(failedCasReturnTimeMax, op.returnTime());
                    }
                }
                case PUT -> written.add(op.value());
                case DELETE -> written.add(null);
                case APPEND -> appended.add(op.value() == null ? "" : op.value());
            }
        }
        observers = new Observers(ops);
    }

    /** The ops of one key's history that the search must consider: neither redundant nor void. */
    static List<Operation> without(List<Operation> keyHistory, String initialValue) {
        List<Operation> relevant = new ArrayList<>();
        for (Operation op : keyHistory) if (op.isDefinite() || op.isUnknownWrite()) relevant.add(op);
        RedundantOps first = new RedundantOps(relevant, initialValue);
        List<Operation> withoutCas = new ArrayList<>();
        for (Operation op : relevant) if (!first.isImpossibleFailedCas(op)) withoutCas.add(op);
        // Rule 2 looks for failed CASes, so it runs on what rule 1 kept. The values rule 1 judged
        // possible stay a superset of those still possible, so its choices stand.
        RedundantOps second = new RedundantOps(withoutCas, initialValue);
        List<Operation> kept = new ArrayList<>();
        for (Operation op : withoutCas) if (!second.isUnobservableUnknownWrite(op)) kept.add(op);
        return kept;
    }

    /** Rule 1: a failed CAS that expects a value the register can never hold. */
    private boolean isImpossibleFailedCas(Operation op) {
        return op.kind() == Operation.Kind.CAS && op.outcome() == Operation.Outcome.FAIL && !mayHold(op.expected());
    }

    /**
     * Whether the register may ever hold {@code value}: the initial value, a value written, or
     * what an append makes, which ends with the appended string (and is "" when "" is appended to
     * an absent register, which {@code endsWith("")} covers).
     */
    private boolean mayHold(String value) {
        if (written.contains(value)) return true;
        if (value == null) return false;
        for (String suffix : appended) if (value.endsWith(suffix)) return true;
        return false;
    }

    /** Rule 2, for an unknown write. */
    private boolean isUnobservableUnknownWrite(Operation op) {
        if (!op.isUnknownWrite()) return false;
        if (failedCasReturnTimeMax >= op.invokeTime()) return false;
        return switch (op.kind()) {
            // Left out, an unknown CAS failed or never ran, which is allowed too.
            case PUT, DELETE, CAS -> observers.of(op.value()).length == 0;
            case APPEND -> {
                // Whatever it appended to, the result, and what later appends make of it, contain
                // its string; an empty append changes nothing to observe but null into "".
                String suffix = op.value() == null ? "" : op.value();
                yield !suffix.isEmpty() && !observers.anyComparedContains(suffix);
            }
            case GET -> throw new AssertionError("a GET is not a write: " + op);
        };
    }
}
