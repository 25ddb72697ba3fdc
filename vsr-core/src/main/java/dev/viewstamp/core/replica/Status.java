package dev.viewstamp.core.replica;

/** A replica's status, as in VRR section 4. */
public enum Status {
    /** Processing requests (primary) or prepares (backup) in {@code view}. */
    NORMAL,
    /** Moving to a new view: {@code view} is the view being started, {@code logView < view}. */
    VIEW_CHANGE,
    /**
     * Rejoining after losing its disk (or, in the diskless mode, after any restart): it takes no
     * part in the protocol until a quorum has learned its new incarnation (see
     * {@code message.Recovery}); then it is a damaged backup until a primary's log makes it whole.
     */
    RECOVERING
}
