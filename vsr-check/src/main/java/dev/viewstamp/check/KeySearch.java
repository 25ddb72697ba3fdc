package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether the ops on one key are linearizable: Wing &amp; Gong's search, with Lowe's
 * memoisation of configurations, as in Porcupine's {@code checkSingle}.
 *
 * <p>The search walks the time-ordered events. At a call event it tries to linearize that op
 * next: if the register's reply matches and the resulting {@link LinearizedOps.Configuration} is
 * new, it lifts the op's events and restarts from the first event. At a return event it is stuck:
 * that op had to take effect before now, and no untried op can go first, so it backtracks to the
 * latest choice and tries the next call after it. The history is linearizable once every definite
 * op is linearized; unknown writes may be left over, as if they never took effect.
 *
 * <p>Four things keep the search small on the simulator's histories, where a client's op may
 * stay pending through a view change while others run hundreds of ops:
 * <ul>
 *   <li>{@link RedundantOps} leaves out ops that every linearization can take or leave.
 *   <li>Values nobody observes are forgotten: once no op left to linearize reads or expects a
 *       value (or a continuation of it, with appends), the register's state becomes {@link
 *       RegisterModel#UNOBSERVED}. Without this, a pending append makes a new value for every
 *       point it may go, and every later append multiplies them: seed 410000842's history had
 *       380,000 distinct values in its first million configurations, over only 5,300 sets of
 *       linearized ops.
 *   <li>Reads go first ({@link #enabledRead}): an op that does not change the register and
 *       accepts its state right now is linearized without trying anything else first.
 *   <li>{@link #isRedundant} prunes orders of unknown writes that a shorter linearization covers.
 * </ul>
 *
 * <p>The path is an explicit stack of ints rather than recursion, so a history of any length
 * cannot overflow the thread's stack.
 */
final class KeySearch {

    private static final int NO_NODE = -1;
    private static final int NO_OP = -1;

    private final String key;
    /** Definite ops, then unknown writes, each group in invocation order; the index is the op. */
    private final List<Operation> ops;
    private final int definiteCount;
    /** For an unknown write, the latest unknown write invoked before it with the same effect, or -1. */
    private final int[] earlierTwinByOp;
    private final long stateCountMax;
    private final RegisterModel model = new RegisterModel();
    private final Observers observers;
    private final EventList events;
    private final LinearizedOps linearized;
    private final StuckPoint stuck = new StuckPoint();
    private final Set<LinearizedOps.Configuration> seen = new HashSet<>();

    // The path: the call node linearized at each depth, the state and value before it, and
    // whether it was a read that went first (and so had no alternatives to try).
    private final int[] pathNodes;
    private final int[] pathStates;
    private final String[] pathValues;
    private final boolean[] pathForced;
    private int depth;
    private int linearizedDefiniteCount;
    /** The register's state after the ops on the path. */
    private int state;
    /**
     * The register's value after the ops on the path, which {@link #state} may have forgotten: for
     * explanations only.
     */
    private String value;
    /** The next event to look at. */
    private int node;

    private KeySearch(String key, List<Operation> ops, int definiteCount, long stateCountMax) {
        this.key = key;
        this.ops = ops;
        this.definiteCount = definiteCount;
        this.earlierTwinByOp = earlierTwins(ops, definiteCount);
        this.stateCountMax = stateCountMax;
        this.observers = new Observers(ops);
        this.events = new EventList(ops);
        this.linearized = new LinearizedOps(definiteCount, ops.size() - definiteCount);
        this.pathNodes = new int[ops.size()];
        this.pathStates = new int[ops.size()];
        this.pathValues = new String[ops.size()];
        this.pathForced = new boolean[ops.size()];
    }

    /** @param keyHistory the ops on {@code key}; ops that constrain nothing are dropped here */
    static Result run(String key, List<Operation> keyHistory, String initialValue, long stateCountMax) {
        Comparator<Operation> byInvocation = Comparator.comparingLong(Operation::invokeTime);
        List<Operation> relevant = RedundantOps.without(keyHistory, initialValue);
        List<Operation> ops = new ArrayList<>();
        relevant.stream().filter(Operation::isDefinite).sorted(byInvocation).forEach(ops::add);
        int definiteCount = ops.size();
        relevant.stream().filter(Operation::isUnknownWrite).sorted(byInvocation).forEach(ops::add);
        return new KeySearch(key, ops, definiteCount, stateCountMax).search(initialValue);
    }

    private Result search(String initialValue) {
        value = initialValue;
        state = observed(model.intern(initialValue), NO_OP);
        node = events.first();
        boolean fresh = true; // A configuration just reached: before anything else, try a read.
        while (linearizedDefiniteCount < definiteCount) {
            if (fresh) {
                fresh = false;
                int readNode = enabledRead();
                if (readNode != NO_NODE) {
                    int op = events.op(readNode);
                    int stateNext = observed(state, op); // A read leaves the value; it may now be unobserved.
                    if (seen.add(linearized.configurationWith(op, stateNext))) {
                        if (seen.size() > stateCountMax) return budgetExhausted();
                        push(readNode, stateNext, true);
                        fresh = true;
                    } else if (!backtrack()) {
                        // Seen before, and so it failed: nothing else can go first (see enabledRead).
                        return notLinearizable();
                    }
                    continue;
                }
            }
            // An unlinearized definite op has its return event in the list, and the scan stops there.
            Check.that(!events.isTail(node), "scan stops at a return event");
            if (!events.isCall(node)) {
                // Stuck: backtrack, and try the call after the one last linearized.
                stuck.note(node, value, afterUnknownWrite());
                if (!backtrack()) return notLinearizable();
                continue;
            }
            int op = events.op(node);
            int stateNext = model.step(state, ops.get(op));
            if (stateNext != RegisterModel.REJECTED) stateNext = observed(stateNext, op);
            if (stateNext == RegisterModel.REJECTED
                    || isRedundant(op, state, stateNext, afterUnknownWrite())
                    || !seen.add(linearized.configurationWith(op, stateNext))) {
                node = events.next(node);
                continue;
            }
            if (seen.size() > stateCountMax) return budgetExhausted();
            push(node, stateNext, false);
            fresh = true;
        }
        return Result.linearizable("key " + Operation.quote(key) + ": linearizable", seen.size());
    }

    private void push(int callNode, int stateNext, boolean forced) {
        int op = events.op(callNode);
        pathNodes[depth] = callNode;
        pathStates[depth] = state;
        pathValues[depth] = value;
        pathForced[depth] = forced;
        depth++;
        linearized.add(op);
        if (linearized.isDefinite(op)) linearizedDefiniteCount++;
        events.lift(callNode);
        state = stateNext;
        value = RegisterModel.valueAfter(value, ops.get(op));
        node = events.first();
    }

    /**
     * Undoes the path back to the latest choice that has alternatives left, and moves to the call
     * after it. A read that went first has none: if the configuration after it fails, so does
     * the one before.
     *
     * @return false if there is no such choice: every order failed
     */
    private boolean backtrack() {
        while (depth > 0) {
            depth--;
            int callNode = pathNodes[depth];
            int op = events.op(callNode);
            state = pathStates[depth];
            value = pathValues[depth];
            events.unlift(callNode);
            linearized.remove(op);
            if (linearized.isDefinite(op)) linearizedDefiniteCount--;
            if (!pathForced[depth]) {
                node = events.next(callNode);
                return true;
            }
        }
        return false;
    }

    private boolean afterUnknownWrite() {
        return depth > 0 && !linearized.isDefinite(events.op(pathNodes[depth - 1]));
    }

    /**
     * {@code state}, or {@link RegisterModel#UNOBSERVED} if no op still to be linearized, once
     * {@code justLinearized} is, can observe its value. The two have the same future: every op
     * left treats all values it does not observe alike (see {@link Observers}).
     */
    private int observed(int state, int justLinearized) {
        for (int observer : observers.of(state, model)) {
            if (observer != justLinearized && !linearized.contains(observer)) return state;
        }
        return RegisterModel.UNOBSERVED;
    }

    /**
     * A call node, before the first return event, of a definite GET or failed CAS that accepts
     * the current state; or {@link #NO_NODE}.
     *
     * <p>Linearizing such a read next loses nothing. Take any way to finish from here that puts
     * the read r later: move r to the front. It changes no value, so every other op sees what it
     * saw before; r accepts the current state, which is what it now sees; and no op that must
     * precede r in real time is left, since r's call comes before every pending return. So if
     * the configuration after r fails, the current one fails too, and the search tries nothing
     * else here. (The pruning of unknown writes still finds its shortest linearization: a move
     * that leaves an unknown write directly before a blind write only lets the search drop it.)
     */
    private int enabledRead() {
        for (int n = events.first(); events.isCall(n); n = events.next(n)) {
            Operation op = ops.get(events.op(n));
            boolean read = op.kind() == Operation.Kind.GET
                    || (op.kind() == Operation.Kind.CAS && op.outcome() == Operation.Outcome.FAIL);
            if (read && op.isDefinite() && model.step(state, op) != RegisterModel.REJECTED) return n;
        }
        return NO_NODE;
    }

    /**
     * Whether to skip linearizing {@code op} next, because every linearization that does so
     * implies another, with the same or fewer unknown writes, that the search tries anyway. An
     * unknown write may always be left out or moved later, having no deadline; so take a
     * linearization with the fewest unknown writes, then swap twins into invocation order:
     * <ol>
     *   <li>None of its unknown writes leaves the register as it was: such a write could be left
     *       out. (As it was for every op left: two unobserved values count as the same.)
     *   <li>No unknown write is directly followed by a blind write (PUT or DELETE): nobody saw the
     *       unknown write's value, so it could be left out. Since this depends on the previous
     *       op, the memo key records whether that was an unknown write.
     *   <li>Twins, unknown writes with the same effect, are applied in invocation order: where a
     *       later twin is applied, the earlier one, invoked by then, can be applied instead.
     * </ol>
     * Jepsen's etcd histories write only the values 0 to 4 and time out ~15 writes per file;
     * without these rules the hardest file (etcd_007) takes 226,115 states, with them 342, and no
     * file takes more than 6,000.
     */
    private boolean isRedundant(int op, int state, int stateNext, boolean afterUnknownWrite) {
        Operation operation = ops.get(op);
        boolean isBlindWrite = operation.kind() == Operation.Kind.PUT || operation.kind() == Operation.Kind.DELETE;
        if (afterUnknownWrite && isBlindWrite) return true;
        if (linearized.isDefinite(op)) return false;
        if (stateNext == state) return true;
        int twin = earlierTwinByOp[op];
        return twin >= 0 && !linearized.contains(twin);
    }

    private static int[] earlierTwins(List<Operation> ops, int definiteCount) {
        record Effect(Operation.Kind kind, String value, String expected) {}
        int[] earlierTwinByOp = new int[ops.size()];
        Arrays.fill(earlierTwinByOp, -1);
        Map<Effect, Integer> latestByEffect = new HashMap<>();
        for (int op = definiteCount; op < ops.size(); op++) {
            Operation operation = ops.get(op);
            Effect effect = new Effect(operation.kind(), operation.value(), operation.expected());
            Integer twin = latestByEffect.put(effect, op);
            if (twin != null) earlierTwinByOp[op] = twin;
        }
        return earlierTwinByOp;
    }

    private Result notLinearizable() {
        Operation op = ops.get(events.op(stuck.node()));
        return Result.notLinearizable(key, stuck.explain(key, op, ops), seen.size());
    }

    private Result budgetExhausted() {
        String explanation = "key " + Operation.quote(key) + ": gave up after " + stateCountMax
                + " search states with " + linearizedDefiniteCount + " of " + definiteCount
                + " definite ops linearized; the history is too concurrent for the budget";
        return Result.unknown(key, explanation, seen.size());
    }
}
