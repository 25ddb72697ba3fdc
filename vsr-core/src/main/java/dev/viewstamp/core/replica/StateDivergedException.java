package dev.viewstamp.core.replica;

/**
 * This replica's state is not the state its primary has at the same op (their checkpoints'
 * identities differ): the service is not deterministic, or state was damaged where no checksum
 * saw it. The replica stops rather than serve it (docs/CHECKPOINTS.md, section 6).
 */
public final class StateDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    StateDivergedException(String message) {
        super(message);
    }
}
