package dev.viewstamp.core.message;

import java.util.Arrays;

/** Helpers for crash vectors in messages (see {@link Recovery}). */
public final class CrashVectors {
    private CrashVectors() {}

    static String describe(long[] crashVector) {
        return crashVector == null ? "" : ", crashVector=" + Arrays.toString(crashVector);
    }

    /** The sender's incarnation as {@code crashVector} says, 0 when the message carries none. */
    public static long incarnationOf(long[] crashVector, int replica) {
        return crashVector == null || replica >= crashVector.length ? 0 : crashVector[replica];
    }
}
