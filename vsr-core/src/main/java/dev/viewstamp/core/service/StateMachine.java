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
 *
 * <p>Threads: {@link #execute}, {@link #stateChecksum}, {@link #snapshot} and {@link #restore} are
 * called on the replica's thread only, one at a time. The one exception is
 * {@link Snapshot#writeTo}, which runs on another thread while the replica goes on executing; that
 * is what lets a checkpoint be written without stalling the replica (DESIGN.md, "Checkpoints and
 * compaction").
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
     * value; the simulator compares it across replicas to check convergence, and a checkpoint is
     * identified by it, so it must be a function of the state alone (not of the order in which
     * the state was built, and not of how a snapshot lays out its bytes).
     */
    long stateChecksum();

    /**
     * Takes a snapshot of the state as it is now, after the last {@link #execute} and before the
     * next: the core calls it on the replica's thread at a checkpoint op. The returned handle keeps
     * describing that state however the service changes afterwards.
     *
     * <p>It must be cheap: the replica executes nothing while it runs, so its cost must not grow
     * with the size of the state. Take a reference to an immutable or copy-on-write structure
     * here, and leave the work that is proportional to the state to {@link Snapshot#writeTo}.
     *
     * <p>Null means that this service cannot snapshot. It still runs, but without a checkpoint the
     * log is the only record of its state, so the core never compacts that log. Whether the result
     * is null must not change over the life of the object: the core may call this once at start to
     * find out (a handle is cheap, as said above).
     *
     * @return a handle on the current state, or null if this service cannot snapshot
     */
    default Snapshot snapshot() {
        return null;
    }

    /**
     * Replaces the whole state by the one that a {@link Snapshot#writeTo} wrote into {@code in}:
     * what this service held before, including keys or entries the snapshot does not mention, is
     * gone. Afterwards {@link #stateChecksum()} equals that snapshot's
     * {@link Snapshot#stateChecksum()}, and {@link #execute} returns the same replies as on the
     * replica that took it.
     *
     * <p>Called on the replica's thread, never concurrently with {@link #execute}. Snapshots that
     * this service handed out before stay valid: they still describe the state they were taken of,
     * and their {@link Snapshot#writeTo} may still be running on another thread.
     *
     * <p>{@code in} holds exactly the bytes of one snapshot and then ends (the caller frames them,
     * for example by a length in its checkpoint file), so an implementation may read to the end of
     * the stream, and bytes after the snapshot's own are malformed. It does not close {@code in}.
     *
     * <p>On bytes that are malformed, truncated, of an unknown format version, outside this
     * service's configured limits, or inconsistent with their own checksums, it throws and leaves
     * the state exactly as it was: a replica that fetched a bad checkpoint from a peer can try
     * another peer. So build the new state off to the side and swap it in only once every check
     * has passed.
     *
     * <p>The default, for a service without snapshots, throws {@link IllegalStateException}; the
     * core never calls it on a service whose {@link #snapshot()} returns null.
     *
     * @throws IOException if {@code in} fails, or if its bytes are not a valid snapshot for this
     *     service; an implementation may throw a subclass for the latter, to tell bad bytes from a
     *     failing stream, and should document it
     * @throws IllegalStateException if this service cannot snapshot (the default)
     */
    default void restore(InputStream in) throws IOException {
        throw new IllegalStateException(getClass().getName() + " cannot restore: it does not implement "
                + "snapshots (its snapshot() returns null), so it has no snapshot bytes to restore from");
    }

    /**
     * A consistent, unchanging view of the service's state at the moment {@link #snapshot()} was
     * called.
     *
     * <p>Threads: {@link #writeTo} may run on any thread, concurrently with {@link #execute},
     * {@link #snapshot()} and {@link #restore} on the replica's thread; the implementation must
     * make that safe, typically by never writing again any structure the snapshot references. The
     * caller, for its part, hands the snapshot to the writing thread through a happens-before edge
     * (an {@code ExecutorService} submission, a {@code BlockingQueue}, a thread start), so the
     * implementation needs no locks or volatile fields to publish the state it captured. The caller
     * does not call {@link #writeTo} of the same snapshot on two threads at once.
     *
     * <p>There is no release method: a snapshot that nobody references any more is reclaimed by
     * the garbage collector like any object.
     */
    interface Snapshot {

        /** The service's {@link StateMachine#stateChecksum()} at the moment this snapshot was taken. */
        long stateChecksum();

        /**
         * Writes the snapshot's bytes to {@code out}, then flushes it; it does not close it. The
         * bytes are the ones {@link StateMachine#restore} reads back. May be called more than once,
         * and each call writes the same bytes, whatever the service executed in between.
         *
         * @throws IOException if {@code out} fails; the bytes written so far are then incomplete
         */
        void writeTo(OutputStream out) throws IOException;
    }
}
