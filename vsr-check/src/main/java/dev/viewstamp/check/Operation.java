package dev.viewstamp.check;

import java.util.Objects;

/**
 * One client operation on one key, as the client saw it: when it was invoked, when its reply
 * arrived, and what the reply said.
 *
 * <p>Times are any longs that order events: simulator ticks, or line numbers in a recorded
 * history. Op A precedes op B in real time iff {@code A.returnTime() < B.invokeTime()}; ops whose
 * intervals touch or overlap are concurrent and may be linearized in either order.
 *
 * @param process the client that ran the op; for explanations only, the checker does not use it
 * @param key the key the op reads or writes; ops on different keys never constrain each other
 * @param kind what the op does to the key's register
 * @param value for {@link Kind#GET} the value read ({@code null}: absent); for PUT and APPEND the
 *     value written; for CAS the new value; unused for DELETE
 * @param expected for {@link Kind#CAS} the value the register must hold for the swap ({@code
 *     null}: absent); {@code null} for every other kind
 * @param outcome what the reply said, or {@link Outcome#UNKNOWN} if no reply arrived
 * @param invokeTime when the client sent the op
 * @param returnTime when the reply arrived; always {@link #NEVER_RETURNED} for an UNKNOWN op
 */
public record Operation(
        int process,
        String key,
        Kind kind,
        String value,
        String expected,
        Outcome outcome,
        long invokeTime,
        long returnTime) {

    /** The return time of an op whose reply never arrived: later than every other event. */
    public static final long NEVER_RETURNED = Long.MAX_VALUE;

    public enum Kind {
        /** Reads the register. */
        GET,
        /** Sets the register to {@code value}. */
        PUT,
        /** Appends {@code value} to the register; an absent register or a null value counts as "". */
        APPEND,
        /** Makes the register absent. */
        DELETE,
        /** Sets the register to {@code value} iff it holds {@code expected}. */
        CAS
    }

    public enum Outcome {
        /** The op took effect, once, between its invocation and its reply. */
        OK,
        /**
         * The op definitely did not change the register. For CAS this still constrains the
         * history: the register did not hold {@code expected} at some point in the op's interval.
         * A failed GET, PUT, APPEND or DELETE constrains nothing, and the checker ignores it.
         */
        FAIL,
        /**
         * The reply never arrived (a timeout, a crashed client): the op took effect at some point
         * after its invocation, or never. An unknown GET constrains nothing.
         */
        UNKNOWN
    }

    /**
     * Normalises an UNKNOWN op's return time to {@link #NEVER_RETURNED}: a missing reply puts no
     * bound on when the op took effect, whatever time the recorder happened to write.
     */
    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (kind != Kind.CAS && expected != null) {
            throw new IllegalArgumentException("only a CAS has an expected value: " + kind);
        }
        if (outcome == Outcome.UNKNOWN) returnTime = NEVER_RETURNED;
        if (returnTime < invokeTime) {
            throw new IllegalArgumentException("returnTime " + returnTime + " < invokeTime " + invokeTime);
        }
    }

    public static Operation get(int process, String key, String observed, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.GET, observed, null, Outcome.OK, invokeTime, returnTime);
    }

    public static Operation put(int process, String key, String value, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.PUT, value, null, Outcome.OK, invokeTime, returnTime);
    }

    public static Operation append(int process, String key, String value, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.APPEND, value, null, Outcome.OK, invokeTime, returnTime);
    }

    public static Operation delete(int process, String key, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.DELETE, null, null, Outcome.OK, invokeTime, returnTime);
    }

    /** A CAS that swapped: the register held {@code expected} and now holds {@code value}. */
    public static Operation casOk(
            int process, String key, String expected, String value, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.CAS, value, expected, Outcome.OK, invokeTime, returnTime);
    }

    /** A CAS that definitely did not swap, because the register did not hold {@code expected}. */
    public static Operation casFail(
            int process, String key, String expected, String value, long invokeTime, long returnTime) {
        return new Operation(process, key, Kind.CAS, value, expected, Outcome.FAIL, invokeTime, returnTime);
    }

    public static Operation putUnknown(int process, String key, String value, long invokeTime) {
        return new Operation(process, key, Kind.PUT, value, null, Outcome.UNKNOWN, invokeTime, NEVER_RETURNED);
    }

    public static Operation appendUnknown(int process, String key, String value, long invokeTime) {
        return new Operation(process, key, Kind.APPEND, value, null, Outcome.UNKNOWN, invokeTime, NEVER_RETURNED);
    }

    public static Operation deleteUnknown(int process, String key, long invokeTime) {
        return new Operation(process, key, Kind.DELETE, null, null, Outcome.UNKNOWN, invokeTime, NEVER_RETURNED);
    }

    public static Operation casUnknown(int process, String key, String expected, String value, long invokeTime) {
        return new Operation(process, key, Kind.CAS, value, expected, Outcome.UNKNOWN, invokeTime, NEVER_RETURNED);
    }

    /**
     * Whether the op must be linearized: it took effect (OK), or it is a CAS that definitely
     * failed, which the register's value must explain.
     */
    boolean isDefinite() {
        return outcome == Outcome.OK || (outcome == Outcome.FAIL && kind == Kind.CAS);
    }

    /** Whether the op may or may not have changed the register: an UNKNOWN write. */
    boolean isUnknownWrite() {
        return outcome == Outcome.UNKNOWN && kind != Kind.GET;
    }

    /** One line for explanations, e.g. {@code p3 CAS "1"->"2" FAIL [12..14]}. */
    String describe() {
        String what = switch (kind) {
            case GET -> "GET -> " + quote(value);
            case PUT, APPEND -> kind + " " + quote(value);
            case DELETE -> "DELETE";
            case CAS -> "CAS " + quote(expected) + "->" + quote(value);
        };
        String result = outcome == Outcome.OK ? "" : " " + outcome;
        String end = returnTime == NEVER_RETURNED ? "?" : Long.toString(returnTime);
        return "p" + process + " " + what + result + " [" + invokeTime + ".." + end + "]";
    }

    static String quote(String value) {
        return value == null ? "nil" : '"' + value + '"';
    }
}
