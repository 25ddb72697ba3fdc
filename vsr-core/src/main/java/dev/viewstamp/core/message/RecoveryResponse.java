package dev.viewstamp.core.message;

/**
 * The answer to {@link Recovery}, from any replica whatever its status: its crash vector after
 * merging the request's, and its current view.
 */
public record RecoveryResponse(long nonce, long[] crashVector, long view, int replica) implements Message {

    public RecoveryResponse {
        crashVector = crashVector.clone();
    }

    @Override
    public String toString() {
        return "RecoveryResponse[nonce=" + nonce + ", view=" + view + ", replica=" + replica
                + CrashVectors.describe(crashVector) + "]";
    }
}
