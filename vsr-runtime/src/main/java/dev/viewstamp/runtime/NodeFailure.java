package dev.viewstamp.runtime;

/**
 * Why a {@link ReplicaNode} stopped on its own: a fatal storage error (a failed sync, an
 * unrecoverable write), an invariant the core checks, state diverged from the primary's, or an
 * exception on one of its threads. The process turns it into a non-zero exit; on restart the
 * replica recovers from its data directory.
 */
public final class NodeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NodeFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
