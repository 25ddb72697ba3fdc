package dev.viewstamp.core.message;

import java.util.Arrays;

/**
 * VRR 4.1 step 5: the primary's reply to a client, carrying the view so that the client learns
 * which replica is primary. {@link Status#EVICTED} tells the client that its session is gone from
 * the client table (DESIGN: an explicit error rather than a silent hang): this attempt was not
 * executed, but an earlier attempt of the same request may have been, before the eviction, so the
 * request's outcome is unknown to the client.
 *
 * <p>{@link Status#TOO_LARGE} tells the client that its request, with its overhead
 * ({@link Request#sizeBytes}), is larger than a batch may be ({@code batchSizeBytesMax}): no primary
 * of the cluster prepares it, so it was not executed and never will be, and retrying cannot help.
 * The session stays open, and the request's number is used up.
 */
public record Reply(long view, long clientId, long requestNumber, Status status, byte[] result, int replica)
        implements Message {

    public enum Status { OK, EVICTED, TOO_LARGE }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reply r && r.view == view && r.clientId == clientId && r.requestNumber == requestNumber
                && r.status == status && Arrays.equals(r.result, result) && r.replica == replica;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clientId) * 31 + Long.hashCode(requestNumber);
    }

    @Override
    public String toString() {
        return "Reply[view=" + view + " client=" + clientId + " n=" + requestNumber + " " + status
                + " bytes=" + result.length + " from=" + replica + "]";
    }
}
