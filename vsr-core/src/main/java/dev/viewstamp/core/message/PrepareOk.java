package dev.viewstamp.core.message;

/**
 * VRR 4.1 step 4: a backup tells the primary that its log holds {@code op} durably. Cumulative:
 * backups append in op order, so acknowledging op n acknowledges every earlier op of this view.
 */
public record PrepareOk(long view, long op, int replica) implements Message {}
