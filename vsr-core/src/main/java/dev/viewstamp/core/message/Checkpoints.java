package dev.viewstamp.core.message;

/** How messages print the checkpoint they announce: nothing before the first, so traces of runs without checkpoints stay as they were. */
final class Checkpoints {
    private Checkpoints() {}

    static String describe(long checkpointOp, long checkpointIdentity) {
        return checkpointOp == 0 ? "" : ", checkpoint=" + checkpointOp + "/" + Long.toHexString(checkpointIdentity);
    }
}
