package dev.viewstamp.core.message;

/**
 * VRR 4.2 step 1: the sender has started a view change to {@code view}. {@code crashVector} is the
 * sender's crash vector (see {@link Recovery}), or null when it knows of no recovery.
 */
public record StartViewChange(long view, int replica, long[] crashVector) implements Message {

    public StartViewChange(long view, int replica) {
        this(view, replica, null);
    }

    public StartViewChange {
        crashVector = crashVector == null ? null : crashVector.clone();
    }

    @Override
    public String toString() {
        return "StartViewChange[view=" + view + ", replica=" + replica + CrashVectors.describe(crashVector) + "]";
    }
}
