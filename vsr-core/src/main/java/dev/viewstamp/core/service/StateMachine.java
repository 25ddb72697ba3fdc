package dev.viewstamp.core.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The service that VR replicates. Every replica executes the same committed operations in the
 * same order, so an implementation must be deterministic: the reply and the new state depend only
 * on the current state and the arguments (never on a clock, a random source or a hash order).
 *
 * <p>The core calls {@link #execute} once per committed request, in op order, on every replica.
 * Requests that the client table recognises as duplicates are never passed in again.
 */
public interface StateMachine {

    /**
     * Executes one committed request and returns the reply that goes back to the client.
     *
     * @param op the op number of the prepare that carries the request (VRR 4.1)
     * @param timestamp the primary's monotonic cluster timestamp for that prepare, identical on
     *     every replica, so time-based behaviour is deterministic
     * @param operation the request's operation bytes, exactly as the client sent them
     * @return reply bytes; never null
     */
    byte[] execute(long op, long timestamp, byte[] operation);

    /**
     * A checksum of the whole service state. Replicas that executed the same ops return the same
     * value; the simulator compares it across replicas to check convergence.
     */
    long stateChecksum();

    /**
     * A consistent snapshot of the state as it is now, for a checkpoint (docs/CHECKPOINTS.md), or
     * null when this service cannot snapshot (its replica then never compacts its log). Called on
     * the replica's thread between two {@link #execute} calls; cheap: no pause that grows with the
     * state's size.
     */
    default Snapshot snapshot() {
        return null;
    }

    /**
     * Replaces the whole state by the one a {@link Snapshot}'s bytes describe; afterwards
     * {@link #stateChecksum()} is the snapshot's. On malformed or truncated bytes it throws and
     * leaves the state as it was. Never called for a service whose {@link #snapshot()} is null.
     */
    default void restore(InputStream in) throws IOException {
        throw new IllegalStateException(getClass().getName() + " takes no snapshots, so it has none to restore");
    }

    /** The state at one op, whose bytes are written later, possibly on another thread. */
    interface Snapshot {
        /** {@link StateMachine#stateChecksum()} at the moment the snapshot was taken. */
        long stateChecksum();

        /**
         * Writes the snapshot's bytes: the same bytes each time, whatever {@code execute} changed
         * since. May run on another thread than the replica's, concurrently with {@code execute}.
         */
        void writeTo(OutputStream out) throws IOException;
    }
}
