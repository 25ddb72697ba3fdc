package dev.viewstamp.runtime;

/**
 * When the replica thread took each client's outstanding request, to time it to its reply
 * ({@link NodeMetrics#onRequestReplied}) without allocating: a fixed direct-mapped table keyed by
 * client id. A client has one request outstanding per session (DESIGN.md, "Clients and sessions"),
 * so one slot per client is enough; two clients that share a slot overwrite each other, and the
 * earlier one's reply then goes untimed, a lost sample and nothing worse. Replica thread only.
 */
final class RequestClock {
    private static final int SLOT_COUNT = 4096;

    private final long[] clientIds = new long[SLOT_COUNT];
    private final long[] requestNumbers = new long[SLOT_COUNT];
    private final long[] arrivalNanos = new long[SLOT_COUNT];

    RequestClock() {
        java.util.Arrays.fill(requestNumbers, -1);
    }

    void onRequest(long clientId, long requestNumber, long nowNanos) {
        int slot = slot(clientId);
        // A retry of the request already timed keeps its first arrival: the client waited since then.
        if (clientIds[slot] == clientId && requestNumbers[slot] == requestNumber) return;
        clientIds[slot] = clientId;
        requestNumbers[slot] = requestNumber;
        arrivalNanos[slot] = nowNanos;
    }

    /** The nanoseconds since the request's arrival, or -1 when it was not timed; clears the slot. */
    long onReply(long clientId, long requestNumber, long nowNanos) {
        int slot = slot(clientId);
        if (clientIds[slot] != clientId || requestNumbers[slot] != requestNumber) return -1;
        requestNumbers[slot] = -1;
        return nowNanos - arrivalNanos[slot];
    }

    private static int slot(long clientId) {
        long h = clientId * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 52) & (SLOT_COUNT - 1);
    }
}
