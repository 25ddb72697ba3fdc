package dev.viewstamp.core.message;

import dev.viewstamp.core.Checksum;
import java.util.List;

/**
 * One slot of the log: the batch of requests the primary of {@code view} prepared as {@code op}.
 * Each entry carries the checksum of its predecessor ({@code parent}), so logs form a hash chain:
 * two replicas whose entries at op n have the same checksum hold identical logs up to n. That is
 * how a replica detects a forked or corrupt log and knows which prefix it can trust.
 */
public record Entry(long view, long op, long parent, long timestamp, List<Request> requests, long checksum) {

    /**
     * Bytes an entry takes besides its body, on disk and on the wire: the fixed header that
     * {@code EntryCodec} lays out (checksums, identity, view, op, parent, timestamp, sizes). This is
     * the one definition of the per-entry overhead; the codec takes it from here, and
     * {@code EntryCodecTest} pins that every encoded entry is exactly {@link #sizeBytes} long.
     */
    public static final int HEADER_SIZE_BYTES = 128;

    public Entry {
        requests = List.copyOf(requests);
    }

    /** Builds an entry and computes its checksum. */
    public static Entry create(long view, long op, long parent, long timestamp, List<Request> requests) {
        return new Entry(view, op, parent, timestamp, requests, checksumOf(view, op, parent, timestamp, requests));
    }

    /** True when the stored checksum matches the contents. */
    public boolean valid() {
        return checksum == checksumOf(view, op, parent, timestamp, requests);
    }

    /**
     * Bytes of the body: every request with its overhead ({@link Request#sizeBytes}). The batch
     * limit ({@code batchSizeBytesMax}) and the journal's body limit both bound this number.
     */
    public int bodySizeBytes() {
        int size = 0;
        for (Request r : requests) size += r.sizeBytes();
        return size;
    }

    /** Bytes of the whole encoded entry: header and body. */
    public int sizeBytes() {
        return HEADER_SIZE_BYTES + bodySizeBytes();
    }

    private static long checksumOf(long view, long op, long parent, long timestamp, List<Request> requests) {
        Checksum c = new Checksum().add(view).add(op).add(parent).add(timestamp).add(requests.size());
        for (Request r : requests) c.add(r.clientId()).add(r.requestNumber()).add(r.operation());
        return c.value();
    }

    @Override
    public String toString() {
        return "Entry[op=" + op + " view=" + view + " requests=" + requests.size()
                + " checksum=" + Long.toHexString(checksum) + "]";
    }
}
