package dev.viewstamp.core.replica;

import dev.viewstamp.core.Checksum;

/**
 * A checkpoint (docs/CHECKPOINTS.md): the replicated state right after executing {@code op}, less
 * the service's snapshot, which travels beside it. A replica takes one at every op that is a
 * multiple of {@code checkpointIntervalOps}; once the driver has made it durable the log before it
 * is compacted away, and a restart starts from it.
 *
 * @param op the op executed last
 * @param entryChecksum the checksum of the entry at {@code op}: the compacted log's anchor
 * @param entryTimestamp that entry's timestamp, from which the primary's timestamps go on
 * @param identity {@link #identity}: the same on every replica that took a checkpoint at {@code op}
 * @param clientTable the client table, encoded ({@code ClientTable.encode})
 */
public record Checkpoint(long op, long entryChecksum, long entryTimestamp, long identity, byte[] clientTable) {

    public Checkpoint {
        clientTable = clientTable.clone();
        if (op < 1) throw new IllegalArgumentException("a checkpoint follows an op, not " + op);
    }

    @Override
    public byte[] clientTable() {
        return clientTable.clone();
    }

    /**
     * The identity of the replicated state after {@code op}: a checksum of the cluster, the op, the
     * entry there (which names the whole log before it), the service's state checksum and the
     * client table's. Every correct replica computes the same for the same op, so it names the
     * state, not the bytes of one replica's file.
     */
    public static long identity(long clusterId, long op, long entryChecksum, long stateChecksum, long clientTableChecksum) {
        return new Checksum().add(0x76737263686b7074L).add(clusterId).add(op).add(entryChecksum).add(stateChecksum)
                .add(clientTableChecksum).value();
    }

    /**
     * The identity of a service state whose checksum is {@code stateChecksum}, at this checkpoint's
     * op, entry and client table: equal to {@link #identity()} exactly when the service holds this
     * checkpoint's state. A driver checks a fetched checkpoint with it before installing it.
     *
     * @throws IllegalArgumentException when the client table's bytes are malformed
     */
    public long identityWith(long clusterId, long stateChecksum) {
        long tableChecksum = ClientTable.decode(clientTable, Integer.MAX_VALUE).checksum();
        return identity(clusterId, op, entryChecksum, stateChecksum, tableChecksum);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Checkpoint c && c.op == op && c.entryChecksum == entryChecksum
                && c.entryTimestamp == entryTimestamp && c.identity == identity
                && java.util.Arrays.equals(c.clientTable, clientTable);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(identity);
    }

    @Override
    public String toString() {
        return "Checkpoint[op=" + op + ", identity=" + Long.toHexString(identity) + ", clientTable=" + clientTable.length
                + " bytes]";
    }
}
