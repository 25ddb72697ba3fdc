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
    /** The new primary picks the DoViewChange log by op number alone, ignoring the log view. */
    PICK_LOG_BY_OP_ONLY,
    /** The primary commits with f acknowledgements (itself included) instead of f + 1. */
    COMMIT_WITH_F_ACKS,
    /** Skip the client-table duplicate check: a retried request executes again. */
    SKIP_DUPLICATE_CHECK
}
