package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 4: a backup tells the primary that its log holds {@code op} durably. Cumulative:
 * backups append in op order, so acknowledging op n acknowledges every earlier op of this view.
 * {@code incarnation} is the sender's (see {@link Recovery}): an acknowledgement from an incarnation
 * whose disk is gone is discarded.
 */
public record PrepareOk(long view, long op, int replica, long incarnation) implements Message {

    public PrepareOk(long view, long op, int replica) {
        this(view, op, replica, 0);
    }
}
