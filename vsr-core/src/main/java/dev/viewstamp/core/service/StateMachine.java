package dev.viewstamp.core.service;

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
}
