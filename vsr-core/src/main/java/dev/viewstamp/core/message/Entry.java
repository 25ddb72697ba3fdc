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

    public int sizeBytes() {
        int size = 48;
        for (Request r : requests) size += r.sizeBytes();
        return size;
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
