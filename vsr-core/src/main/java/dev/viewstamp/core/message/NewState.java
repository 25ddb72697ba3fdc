package dev.viewstamp.core.message;

import java.util.List;

/**
 * VRR 5.2: entries {@code fromOp + 1 ...} of the sender's log.
 *
 * <p>Deviation from VRR (the state-transfer truncation bug, DESIGN.md): an entry is only ever
 * installed as committed truth when its op is at most {@code committedOp}, which the sender knows
 * to be committed. The receiver adopts the sender's uncommitted entries, and with them the
 * sender's view as its log view, only when {@code complete} is true: the sender was normal in
 * {@code view} and the message runs to the sender's last op. A partial message never truncates
 * what may be committed.
 *
 * @param anchorChecksum the checksum of the sender's entry at {@code fromOp}; the receiver installs
 *     the entries only when its own entry at {@code fromOp} has the same checksum (hash chain)
 * @param nonce the request's {@link GetState#nonce}
 */
public record NewState(long view, long op, long committedOp, long fromOp, long anchorChecksum, boolean complete,
        List<Entry> entries, int replica, long nonce) implements Message {

    public NewState(long view, long op, long committedOp, long fromOp, long anchorChecksum, boolean complete,
            List<Entry> entries, int replica) {
        this(view, op, committedOp, fromOp, anchorChecksum, complete, entries, replica, 0);
    }

    public NewState {
        entries = List.copyOf(entries);
    }
}
