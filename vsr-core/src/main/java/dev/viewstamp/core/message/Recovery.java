package dev.viewstamp.core.message;

/**
 * A replica that lost its disk asks to rejoin (DESIGN 2; crash vectors after Michael, Ports et al.,
 * "Recovering Shared Objects Without Stable Storage", DISC 2017, in our own form).
 *
 * <p>A crash vector holds, per replica, the latest incarnation the holder knows of it. Every
 * replica merges the vectors it receives (entry by entry, the higher wins), discards votes and
 * acknowledgements from an incarnation older than it knows, and forgets the ones it had counted
 * from it. The recovering replica asks twice: first to learn the highest incarnation anyone knows
 * of it (it then takes the next), then to make a quorum learn that new incarnation. Each answer
 * ({@link RecoveryResponse}) carries the responder's view, so the recovering replica rejoins no
 * lower than any view it may have voted for and forgotten.
 */
public record Recovery(long nonce, long[] crashVector, int replica) implements Message {

    public Recovery {
        crashVector = crashVector.clone();
    }

    @Override
    public String toString() {
        return "Recovery[nonce=" + nonce + ", replica=" + replica + CrashVectors.describe(crashVector) + "]";
    }
}
