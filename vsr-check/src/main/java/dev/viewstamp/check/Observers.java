package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * For each value the register may take, the ops that could tell it apart from another value: a
 * GET that read it, a CAS (of any outcome) that expected it, and, if the key has appends, every
 * such op whose string starts with it, since appends may still turn it into that string.
 *
 * <p>Every other op treats all values alike: PUT and DELETE overwrite the value, a GET or CAS that
 * names another string rejects or accepts them all the same, and an append keeps a value that no
 * op names a continuation of in that condition. So once every observer of a value is linearized,
 * the search may forget which value it was; see {@link KeySearch}.
 */
final class Observers {

    private final boolean hasAppends;
    /** By the string a GET or CAS compares the register with (null too), those ops. */
    private final Map<String, List<Integer>> opsByCompared = new HashMap<>();
    /** The non-null compared strings, sorted, so those starting with a prefix form a run. */
    private final String[] comparedSorted;
    /** By state, the ops that observe that state's value; filled as states appear. */
    private final List<int[]> observersByState = new ArrayList<>();

    Observers(List<Operation> ops) {
        boolean appends = false;
        TreeSet<String> sorted = new TreeSet<>();
        for (int op = 0; op < ops.size(); op++) {
            Operation operation = ops.get(op);
            if (operation.kind() == Operation.Kind.APPEND) appends = true;
            if (operation.kind() != Operation.Kind.GET && operation.kind() != Operation.Kind.CAS) continue;
            String compared = compared(operation);
            opsByCompared.computeIfAbsent(compared, c -> new ArrayList<>()).add(op);
            if (compared != null) sorted.add(compared);
        }
        this.hasAppends = appends;
        this.comparedSorted = sorted.toArray(String[]::new);
    }

    /** The string a GET or CAS compares the register with. */
    static String compared(Operation op) {
        return op.kind() == Operation.Kind.GET ? op.value() : op.expected();
    }

    /**
     * The ops that observe {@code state}'s value, latest (highest-numbered) first: ops are
     * linearized roughly in their order, so the latest is the one most likely still to come.
     */
    int[] of(int state, RegisterModel model) {
        while (observersByState.size() <= state) {
            int next = observersByState.size();
            observersByState.add(next == RegisterModel.UNOBSERVED ? new int[0] : of(model.value(next)));
        }
        return observersByState.get(state);
    }

    /** The ops that observe {@code value}, latest first. */
    int[] of(String value) {
        List<Integer> observers = new ArrayList<>(opsByCompared.getOrDefault(value, List.of()));
        if (hasAppends) {
            // An append to an absent register starts from "", so "" prefixes what null may become.
            String prefix = value == null ? "" : value;
            int index = Arrays.binarySearch(comparedSorted, prefix);
            for (int i = index >= 0 ? index : -index - 1; i < comparedSorted.length; i++) {
                String compared = comparedSorted[i];
                if (!compared.startsWith(prefix)) break;
                if (!Objects.equals(compared, value)) observers.addAll(opsByCompared.get(compared));
            }
        }
        observers.sort(Comparator.reverseOrder());
        return observers.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Whether a GET or CAS compares the register with a string that contains {@code text}. */
    boolean anyComparedContains(String text) {
        for (String compared : comparedSorted) if (compared.contains(text)) return true;
        return false;
    }
}
