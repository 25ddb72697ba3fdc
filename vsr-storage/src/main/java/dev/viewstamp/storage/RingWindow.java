package dev.viewstamp.storage;

/**
 * The ops a journal may hold live: those after the durable checkpoint at {@code checkpointOp},
 * up to {@code checkpointOp + slotCount} (docs/CHECKPOINTS.md, section 4, the ring rule). They
 * map one to one onto the ring's slots (op n in slot {@code n mod slotCount}), so each slot holds
 * at most one op of the window; anything else in a slot is an op of an earlier lap, at or below
 * the checkpoint, which recovery never takes for a live op.
 *
 * <p>For example, with 8 slots and the checkpoint at op 13 the window is ops 14..21: slot 6 holds
 * op 14 (or still op 6, of the lap before), slot 5 holds op 21 (or op 13, which the checkpoint
 * covers, or op 5).
 */
record RingWindow(long checkpointOp, int slotCount) {

    RingWindow {
        if (checkpointOp < 0 || slotCount < 1) {
            throw new IllegalArgumentException("ring window after op " + checkpointOp + " of " + slotCount + " slots");
        }
    }

    /** The last op the ring may hold: the ring rule's limit on writes. */
    long opMax() {
        return checkpointOp + slotCount;
    }

    /** True when {@code op} is an op of the window: after the checkpoint, within one lap of it. */
    boolean contains(long op) {
        return op > checkpointOp && op <= opMax();
    }

    /** The one op of the window whose slot is {@code slot}. */
    long op(int slot) {
        return checkpointOp + 1 + Math.floorMod(slot - (checkpointOp + 1), (long) slotCount);
    }

    /**
     * How far {@code slot} lies along the ring from the checkpoint's own slot: 0 for the slot of
     * the window's last op ({@code checkpointOp + slotCount}), k for op {@code checkpointOp + k}.
     * Without a checkpoint this is the slot itself.
     */
    int distance(int slot) {
        return (int) Math.floorMod(slot - checkpointOp, (long) slotCount);
    }

    /** The slot at {@code distance} along the ring from the checkpoint's own slot: the inverse of {@link #distance}. */
    int slotAt(int distance) {
        return (int) Math.floorMod(checkpointOp + distance, (long) slotCount);
    }
}
