package dev.viewstamp.check;

/**
 * The ops linearized on the current search path, and the memo key for a search state.
 *
 * <p>Ops are numbered definite ops first, then unknown writes, each group in invocation order. The
 * two groups live in separate {@link PrefixBitSet}s because they fill up differently: definite ops
 * are linearized roughly in order, so their set is a long run of ones, while most unknown writes
 * are never linearized. In one set, a single timed-out op early in a long history would keep every
 * later bit inside the snapshot; apart, each snapshot stays short.
 */
final class LinearizedOps {

    private final int definiteCount;
    private final PrefixBitSet definite;
    private final PrefixBitSet unknown;

    LinearizedOps(int definiteCount, int unknownCount) {
        this.definiteCount = definiteCount;
        this.definite = new PrefixBitSet(definiteCount);
        this.unknown = new PrefixBitSet(unknownCount);
    }

    boolean isDefinite(int op) {
        return op < definiteCount;
    }

    boolean contains(int op) {
        return isDefinite(op) ? definite.get(op) : unknown.get(op - definiteCount);
    }

    void add(int op) {
        if (isDefinite(op)) definite.set(op);
        else unknown.set(op - definiteCount);
    }

    void remove(int op) {
        if (isDefinite(op)) definite.clear(op);
        else unknown.clear(op - definiteCount);
    }

    /** The memo key for the state reached by linearizing {@code op} next, leaving {@code state}. */
    Configuration configurationWith(int op, int state) {
        add(op);
        Configuration configuration =
                new Configuration(definite.snapshot(), unknown.snapshot(), state, !isDefinite(op));
        remove(op);
        return configuration;
    }

    /**
     * A search state in Lowe's sense: which ops are linearized and the register's state after them.
     * Two paths that reach the same configuration have the same future, so the search explores
     * each configuration once.
     *
     * @param afterUnknownWrite whether the last op linearized was an unknown write, which limits
     *     what may follow it (see {@code KeySearch.isRedundant}), so it is part of the future too
     */
    record Configuration(
            PrefixBitSet.Snapshot definite, PrefixBitSet.Snapshot unknown, int state, boolean afterUnknownWrite) {}
}
