package dev.viewstamp.storage;

/** Why a disk operation failed. The kind decides what the replica does about it. */
public record DiskError(Kind kind, String message) {

    public enum Kind {
        /** The device is full: stop acknowledging new work (stay safe), resume when space returns. */
        NO_SPACE,
        /** A sector could not be read: treat what it held as corrupt and repair it from peers. */
        READ,
        /** A write failed for another reason: the data is not on disk. */
        WRITE,
        /** A sync failed: fatal. Exit and recover from the disk on restart. */
        SYNC
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
