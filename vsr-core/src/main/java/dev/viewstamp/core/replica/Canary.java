package dev.viewstamp.core.replica;

/**
 * Planted protocol bugs, for tests only. Each one breaks a rule the protocol depends on, so the
 * simulator's checkers must catch it: a canary that survives the simulator means a checker is
 * blind. No command line option or production configuration can switch one on; only
 * {@link ClusterConfig.Builder#canariesForTesting} does.
 */
public enum Canary {
    /** Send PrepareOk (and count the primary's own copy) before the prepare is durable. */
    ACK_BEFORE_DURABLE,
    /** A backup appends a Prepare from an older view. */
    ACCEPT_PREPARE_FROM_OLDER_VIEW,
    /**
     * The new primary picks the DoViewChange log by op number alone, ignoring the log view, and
     * trusts it: it also skips the guard that refuses a chosen log lacking ops it knows committed
     * (which would otherwise stop most of the damage before a checker sees it).
     */
    PICK_LOG_BY_OP_ONLY,
    /** The primary commits with f acknowledgements (itself included) instead of f + 1. */
    COMMIT_WITH_F_ACKS,
    /** Skip the client-table duplicate check: a retried request executes again. */
    SKIP_DUPLICATE_CHECK,
    /** The primary never retransmits a prepare: one lost message stalls the pipeline (liveness). */
    SKIP_PREPARE_RETRANSMIT,
    /**
     * VRR 5.2 as published: a replica that learns of a newer view from a Prepare or Commit cuts its
     * log back to its commit number and adopts that view as its log view (Vanlightly, 2022).
     */
    TRUNCATE_ON_NEWER_VIEW,
    /**
     * A restarted replica forgets the view it voted for, as the paper's recovery protocol does when
     * the vote was never persisted (Michael et al., DISC 2017, appendix B).
     */
    FORGET_VIEW_ON_RESTART,
    /**
     * A replica throws an unchecked exception (not an assertion) on its way into a view change: a
     * bug in the implementation rather than in the protocol, which the simulator must report for
     * its seed, with the replay line, and then go on with the next seed.
     */
    THROW_ON_VIEW_CHANGE,
    /**
     * Storage: a log change that a full disk stopped runs again from the top when space returns,
     * so once the superblock names the new log, the "cut back in the old log view" superblock is
     * written in the new log view (issue 7, bug 1; seed 320020279 of the basic fault model).
     */
    RESUME_LOG_CHANGE_FROM_START,
    /**
     * Storage: journal recovery reads the redundant-header ring in one read and, on a read error,
     * takes every header as invalid, so one unreadable sector hides lost acknowledged ops (issue
     * 7, bug 2).
     */
    READ_HEADER_RING_WHOLE,
    /**
     * Checkpoints: the checkpoint at op {@code C} holds a snapshot of the service taken one op
     * late, after executing {@code C + 1}, beside {@code C}'s entry and client table; its identity
     * is computed from what it holds, so every replica takes the same one and restores and installs
     * check out. A replica that restarts from it or installs it by state sync executes {@code C + 1}
     * a second time (an append lands twice), and the simulator sees its state differ: convergence,
     * the primary's announced identity of the next checkpoint ("state diverged"), or
     * linearizability (seed 13 of {@code CanaryTest}: convergence). Were the client table taken
     * late too, the bug would hide: the replayed requests would be duplicates in it, not executed.
     */
    SNAPSHOT_AFTER_NEXT_OP;

    /** True for canaries whose bug shows as a liveness failure rather than a safety violation. */
    public boolean livenessBug() {
        return this == SKIP_PREPARE_RETRANSMIT;
    }

    /** True for canaries whose bug shows as an exception thrown by the implementation. */
    public boolean exceptionBug() {
        return this == THROW_ON_VIEW_CHANGE;
    }

    /** True for canaries planted in the storage layer rather than the protocol core. */
    public boolean storageBug() {
        return this == RESUME_LOG_CHANGE_FROM_START || this == READ_HEADER_RING_WHOLE;
    }
}
