package dev.viewstamp.core.message;

import java.util.Arrays;

/**
 * VRR 4.1 step 1: a client asks the primary to execute {@code operation}. Request number 0
 * registers the session (a committed operation that creates the client-table entry); later
 * requests number 1, 2, 3... and a client has at most one outstanding at a time.
 */
public record Request(long clientId, long requestNumber, byte[] operation) implements Message {
    public static final long REGISTER = 0;

    /**
     * Bytes a request adds to an entry's body besides its operation: client id (8), request number
     * (8) and the operation's length (4), as {@code EntryCodec} lays them out. The one definition
     * of the per-request overhead; the codec takes it from here.
     */
    public static final int OVERHEAD_SIZE_BYTES = Long.BYTES + Long.BYTES + Integer.BYTES;

    public Request {
        if (requestNumber < 0) throw new IllegalArgumentException("requestNumber < 0: " + requestNumber);
        if (operation == null) throw new IllegalArgumentException("operation is null");
    }

    public static Request register(long clientId) {
        return new Request(clientId, REGISTER, new byte[0]);
    }

    /**
     * The register reply's result: the session's base, after which the client numbers its
     * requests (empty for base 0, so a client that ignores it numbers from 1 as before).
     */
    public static byte[] encodeBase(long base) {
        return base == 0 ? new byte[0] : java.nio.ByteBuffer.allocate(Long.BYTES).putLong(base).array();
    }

    public static long decodeBase(byte[] result) {
        return result.length == Long.BYTES ? java.nio.ByteBuffer.wrap(result).getLong() : REGISTER;
    }

    public boolean isRegister() {
        return requestNumber == REGISTER;
    }

    /** Bytes this request adds to an entry's body, counted against the batch limit. */
    public int sizeBytes() {
        return OVERHEAD_SIZE_BYTES + operation.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Request r && r.clientId == clientId && r.requestNumber == requestNumber
                && Arrays.equals(r.operation, operation);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(clientId) * 31 + Long.hashCode(requestNumber) * 17 + Arrays.hashCode(operation);
    }

    @Override
    public String toString() {
        return "Request[client=" + clientId + " n=" + requestNumber + " bytes=" + operation.length + "]";
    }
}
