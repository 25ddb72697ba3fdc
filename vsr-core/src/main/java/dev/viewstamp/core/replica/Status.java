package dev.viewstamp.core.replica;

/** A replica's status, as in VRR section 4. */
public enum Status {
    /** Processing requests (primary) or prepares (backup) in {@code view}. */
    NORMAL,
    /** Moving to a new view: {@code view} is the view being started, {@code logView < view}. */
    VIEW_CHANGE
}
