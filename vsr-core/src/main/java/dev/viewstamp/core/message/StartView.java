package dev.viewstamp.core.message;

import java.util.List;

/**
 * VRR 4.2 step 3: the new primary announces {@code view} with the log it chose. As with
 * {@link DoViewChange}, only the suffix after the committed {@code anchorOp} is shipped; a backup
 * that does not hold the anchor catches up by state transfer first.
 */
public record StartView(long view, long op, long commit, long anchorOp, long anchorChecksum, List<Entry> suffix,
        int replica) implements Message {

    public StartView {
        suffix = List.copyOf(suffix);
    }
}
