package dev.viewstamp.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The call and return events of one key's ops in time order, as a doubly linked list over arrays.
 * Linearizing an op lifts its two events out of the list; backtracking puts them back in O(1),
 * because a removed node still points at its old neighbours ("dancing links", as in Porcupine).
 * Lifts and unlifts must pair up in stack order, which the depth-first search guarantees.
 *
 * <p>An unknown write has a call event only: nothing bounds when it took effect, so it never
 * blocks the search, and the search may finish without linearizing it.
 *
 * <p>Nodes are numbered in time order, so a larger node is a later event.
 */
final class EventList {

    private static final int HEAD = 0;
    private static final int NO_RETURN = -1;

    private final int tail;
    private final int[] next;
    private final int[] prev;
    private final int[] opByNode;
    private final boolean[] isCallByNode;
    /** For a call node, its op's return node, or {@link #NO_RETURN} for an unknown write. */
    private final int[] returnNodeByCallNode;

    EventList(List<Operation> ops) {
        record Event(long time, boolean isReturn, int op) {}
        List<Event> events = new ArrayList<>();
        for (int op = 0; op < ops.size(); op++) {
            Operation operation = ops.get(op);
            events.add(new Event(operation.invokeTime(), false, op));
            if (operation.isDefinite()) events.add(new Event(operation.returnTime(), true, op));
        }
        // At equal times calls sort first: an op that returns at t and one invoked at t are
        // concurrent, since A precedes B only if A.returnTime < B.invokeTime.
        events.sort(Comparator.comparingLong(Event::time)
                .thenComparing(Event::isReturn)
                .thenComparingInt(Event::op));

        tail = events.size() + 1;
        next = new int[tail + 1];
        prev = new int[tail + 1];
        opByNode = new int[tail + 1];
        isCallByNode = new boolean[tail + 1];
        returnNodeByCallNode = new int[tail + 1];
        int[] callNodeByOp = new int[ops.size()];
        for (int node = HEAD; node <= tail; node++) {
            next[node] = node + 1;
            prev[node] = node - 1;
            returnNodeByCallNode[node] = NO_RETURN;
        }
        for (int i = 0; i < events.size(); i++) {
            int node = i + 1;
            Event event = events.get(i);
            opByNode[node] = event.op();
            isCallByNode[node] = !event.isReturn();
            if (event.isReturn()) returnNodeByCallNode[callNodeByOp[event.op()]] = node;
            else callNodeByOp[event.op()] = node;
        }
    }

    int first() {
        return next[HEAD];
    }

    int next(int node) {
        return next[node];
    }

    boolean isTail(int node) {
        return node == tail;
    }

    boolean isCall(int node) {
        return isCallByNode[node];
    }

    int op(int node) {
        return opByNode[node];
    }

    /** Removes a call node and its return node: the op is linearized. */
    void lift(int callNode) {
        unlink(callNode);
        int returnNode = returnNodeByCallNode[callNode];
        if (returnNode != NO_RETURN) unlink(returnNode);
    }

    /** Undoes the latest {@link #lift}, which must have been of {@code callNode}. */
    void unlift(int callNode) {
        int returnNode = returnNodeByCallNode[callNode];
        if (returnNode != NO_RETURN) relink(returnNode);
        relink(callNode);
    }

    private void unlink(int node) {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
    }

    private void relink(int node) {
        next[prev[node]] = node;
        prev[next[node]] = node;
    }
}
