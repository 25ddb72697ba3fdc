package dev.viewstamp.kv;

import dev.viewstamp.kv.redis.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Executes Redis string commands against the {@link Store}, as Redis 7 does, and replies RESP2.
 *
 * <p>Time: {@code nowMs} is the op's timestamp, the primary's cluster time in Unix ms, the same on
 * every replica. {@link KvStateMachine} has already removed every key that expires at or before
 * it, so a command never sees an expired key; a command that sets an expiry at or before it
 * deletes the key instead, as Redis does for a time already past.
 *
 * <p>Errors: each handler validates everything (arguments, options, limits) before it changes
 * anything, and reports a problem by throwing {@link Refusal}, which becomes a {@code -ERR} reply.
 * So a refused command changes nothing.
 */
final class RedisExecutor {

    private static final String SYNTAX = "ERR syntax error";
    private static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    private static final byte[] EMPTY = new byte[0];

    /** Bytes of each argument that an "unknown command" error quotes, as Redis's %.128s. */
    private static final int QUOTED_SIZE_BYTES_MAX = 128;

    private final Store store;
    private final KvLimits limits;

    RedisExecutor(Store store, KvLimits limits) {
        this.store = Objects.requireNonNull(store, "store");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** A reason to refuse a command: its message, without the leading '-', is the error reply. */
    private static final class Refusal extends Exception {
        Refusal(String message) {
            // No stack trace: this is a reply, not a bug.
            super(message, null, false, false);
        }
    }

    /** Executes one command, {@code argv} with its name first, and returns its RESP2 reply. */
    byte[] execute(List<byte[]> argv, long nowMs) {
        String typed = latin1(argv.get(0));
        RedisCommands.Spec spec = RedisCommands.spec(typed);
        if (spec == null) return Resp.error(unknownCommand(typed, argv));
        if (!spec.arityAccepts(argv.size())) return Resp.error(wrongArity(spec.name()));
        try {
            return switch (spec.name()) {
                case "get" -> onGet(argv);
                case "set" -> onSet(argv, nowMs);
                case "setnx" -> onSetNx(argv);
                case "setex" -> onSetEx(argv, nowMs, 1000);
                case "psetex" -> onSetEx(argv, nowMs, 1);
                case "getset" -> onGetSet(argv);
                case "getdel" -> onGetDel(argv);
                case "del", "unlink" -> onDel(argv);
                case "exists" -> onExists(argv);
                case "incr" -> onIncrBy(argv, 1);
                case "decr" -> onIncrBy(argv, -1);
                case "incrby" -> onIncrBy(argv, parseLong(argv.get(2)));
                case "decrby" -> onDecrBy(argv);
                case "append" -> onAppend(argv);
                case "strlen" -> onStrlen(argv);
                case "mget" -> onMget(argv);
                case "mset" -> onMset(argv, false);
                case "msetnx" -> onMset(argv, true);
                case "expire" -> onExpire(argv, nowMs, 1000, true);
                case "pexpire" -> onExpire(argv, nowMs, 1, true);
                case "expireat" -> onExpire(argv, nowMs, 1000, false);
                case "pexpireat" -> onExpire(argv, nowMs, 1, false);
                case "ttl" -> onTtl(argv, nowMs, 1000);
                case "pttl" -> onTtl(argv, nowMs, 1);
                case "persist" -> onPersist(argv);
                case "type" -> onType(argv);
                case "dbsize" -> Resp.integer(store.size());
                case "flushall", "flushdb" -> onFlush(argv);
                case "scan" -> onScan(argv);
                default -> throw new AssertionError("command in RedisCommands without a handler: " + spec.name());
            };
        } catch (Refusal refusal) {
            return Resp.error(refusal.getMessage());
        }
    }

    private byte[] onGet(List<byte[]> argv) throws Refusal {
        return Resp.bulk(store.get(key(argv, 1)));
    }

    /** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]. */
    private byte[] onSet(List<byte[]> argv, long nowMs) throws Refusal {
        Key key = key(argv, 1);
        byte[] value = value(argv, 2);
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        boolean keepTtl = false;
        String expireOption = null; // "ex", "px", "exat" or "pxat"
        byte[] expireArgument = null;
        for (int index = 3; index < argv.size(); index++) {
            String option = lower(argv.get(index));
            boolean hasNext = index + 1 < argv.size();
            // The same option twice is allowed (the last time wins); two that conflict are not.
            switch (option) {
                case "nx" -> {
                    if (xx) throw new Refusal(SYNTAX);
                    nx = true;
                }
                case "xx" -> {
                    if (nx) throw new Refusal(SYNTAX);
                    xx = true;
                }
                case "get" -> get = true;
                case "keepttl" -> {
                    if (expireOption != null) throw new Refusal(SYNTAX);
                    keepTtl = true;
                }
                case "ex", "px", "exat", "pxat" -> {
                    if (keepTtl || !hasNext) throw new Refusal(SYNTAX);
                    if (expireOption != null && !expireOption.equals(option)) throw new Refusal(SYNTAX);
                    expireOption = option;
                    expireArgument = argv.get(++index);
                }
                default -> throw new Refusal(SYNTAX);
            }
        }
        Long expireAtMs = null;
        if (expireOption != null) {
            boolean seconds = expireOption.equals("ex") || expireOption.equals("exat");
            boolean relative = expireOption.equals("ex") || expireOption.equals("px");
            expireAtMs = expireAtMs(expireArgument, seconds ? 1000 : 1, relative, nowMs, "set");
        }

        byte[] previous = store.get(key);
        boolean found = previous != null;
        if ((nx && found) || (xx && !found)) return get ? Resp.bulk(previous) : Resp.NULL_BULK;
        write(key, value, keepTtl, expireAtMs, nowMs);
        return get ? Resp.bulk(previous) : Resp.OK;
    }

    private byte[] onSetNx(List<byte[]> argv) throws Refusal {
        Key key = key(argv, 1);
        byte[] value = value(argv, 2);
        if (store.contains(key)) return Resp.integer(0);
        store.put(key, value, false);
        return Resp.integer(1);
    }

    /** SETEX key seconds value, and PSETEX key milliseconds value. */
    private byte[] onSetEx(List<byte[]> argv, long nowMs, long unitMs) throws Refusal {
        Key key = key(argv, 1);
        byte[] value = value(argv, 3);
        long expireAtMs = expireAtMs(argv.get(2), unitMs, true, nowMs, unitMs == 1 ? "psetex" : "setex");
        write(key, value, false, expireAtMs, nowMs);
        return Resp.OK;
    }

    private byte[] onGetSet(List<byte[]> argv) throws Refusal {
        Key key = key(argv, 1);
        byte[] value = value(argv, 2);
        byte[] previous = store.get(key);
        store.put(key, value, false);
        return Resp.bulk(previous);
    }

    private byte[] onGetDel(List<byte[]> argv) throws Refusal {
        return Resp.bulk(store.remove(key(argv, 1)));
    }

    private byte[] onDel(List<byte[]> argv) throws Refusal {
        List<Key> keys = keys(argv, 1, 1);
        long removedCount = 0;
        for (Key key : keys) {
            if (store.remove(key) != null) removedCount++;
        }
        return Resp.integer(removedCount);
    }

    /** Counts each key as often as it is named: EXISTS a a is 2 when a exists. */
    private byte[] onExists(List<byte[]> argv) throws Refusal {
        long count = 0;
        for (Key key : keys(argv, 1, 1)) {
            if (store.contains(key)) count++;
        }
        return Resp.integer(count);
    }

    private byte[] onDecrBy(List<byte[]> argv) throws Refusal {
        long decrement = parseLong(argv.get(2));
        // -Long.MIN_VALUE is Long.MIN_VALUE again.
        if (decrement == Long.MIN_VALUE) throw new Refusal("ERR decrement would overflow");
        return onIncrBy(argv, -decrement);
    }

    /** INCR, DECR, INCRBY and DECRBY: the value as a 64-bit integer, plus {@code increment}. Keeps the TTL. */
    private byte[] onIncrBy(List<byte[]> argv, long increment) throws Refusal {
        Key key = key(argv, 1);
        byte[] current = store.get(key);
        long value = current == null ? 0 : parseLong(current);
        long result;
        try {
            result = Math.addExact(value, increment);
        } catch (ArithmeticException e) {
            throw new Refusal("ERR increment or decrement would overflow");
        }
        byte[] encoded = Long.toString(result).getBytes(StandardCharsets.US_ASCII);
        checkValueSize(encoded.length);
        store.put(key, encoded, true);
        return Resp.integer(result);
    }

    /** Keeps the TTL, as Redis's APPEND changes the value in place. */
    private byte[] onAppend(List<byte[]> argv) throws Refusal {
        Key key = key(argv, 1);
        byte[] suffix = value(argv, 2);
        byte[] current = Objects.requireNonNullElse(store.get(key), EMPTY);
        // Example: a 60 KiB value plus a 5 KiB suffix is over 64 KiB even though each part is under.
        long sizeBytes = (long) current.length + suffix.length;
        checkValueSize(sizeBytes);
        // A new array, never current extended in place: a snapshot may still hold current.
        byte[] value = Arrays.copyOf(current, (int) sizeBytes);
        System.arraycopy(suffix, 0, value, current.length, suffix.length);
        store.put(key, value, true);
        return Resp.integer(sizeBytes);
    }

    private byte[] onStrlen(List<byte[]> argv) throws Refusal {
        byte[] value = store.get(key(argv, 1));
        return Resp.integer(value == null ? 0 : value.length);
    }

    private byte[] onMget(List<byte[]> argv) throws Refusal {
        List<byte[]> values = new ArrayList<>();
        for (Key key : keys(argv, 1, 1)) values.add(store.get(key));
        return Resp.array(values);
    }

    /** MSET and MSETNX: key value pairs; all are checked before any is set. */
    private byte[] onMset(List<byte[]> argv, boolean onlyIfNoneExists) throws Refusal {
        if (argv.size() % 2 == 0) throw new Refusal(wrongArity(onlyIfNoneExists ? "msetnx" : "mset"));
        List<Key> keys = keys(argv, 1, 2);
        for (int index = 2; index < argv.size(); index += 2) value(argv, index);
        if (onlyIfNoneExists) {
            for (Key key : keys) {
                if (store.contains(key)) return Resp.integer(0);
            }
        }
        for (int pairIndex = 0; pairIndex < keys.size(); pairIndex++) {
            store.put(keys.get(pairIndex), argv.get(2 + 2 * pairIndex).clone(), false);
        }
        return onlyIfNoneExists ? Resp.integer(1) : Resp.OK;
    }

    /** EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT, with NX, XX, GT and LT as in Redis 7. */
    private byte[] onExpire(List<byte[]> argv, long nowMs, long unitMs, boolean relative) throws Refusal {
        Key key = key(argv, 1);
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int index = 3; index < argv.size(); index++) {
            switch (lower(argv.get(index))) {
                case "nx" -> nx = true;
                case "xx" -> xx = true;
                case "gt" -> gt = true;
                case "lt" -> lt = true;
                default -> throw new Refusal("ERR Unsupported option " + latin1(argv.get(index)));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw new Refusal("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) throw new Refusal("ERR GT and LT options at the same time are not compatible");

        String name = lower(argv.get(0));
        // Negative times are allowed (they delete the key); only overflow is refused.
        long atMs = parseLong(argv.get(2));
        try {
            atMs = Math.multiplyExact(atMs, unitMs);
            if (relative) atMs = Math.addExact(atMs, nowMs);
        } catch (ArithmeticException e) {
            throw new Refusal(invalidExpireTime(name));
        }
        if (!store.contains(key)) return Resp.integer(0);
        Long currentMs = store.expireAtMs(key);
        // No expiry counts as an infinite one: GT never beats it, LT always does.
        if (nx && currentMs != null) return Resp.integer(0);
        if (xx && currentMs == null) return Resp.integer(0);
        if (gt && (currentMs == null || atMs <= currentMs)) return Resp.integer(0);
        if (lt && currentMs != null && atMs >= currentMs) return Resp.integer(0);
        if (atMs <= nowMs) {
            store.remove(key);
        } else {
            store.expireAt(key, atMs);
        }
        return Resp.integer(1);
    }

    /** TTL in seconds, rounded to the nearest as Redis does, or PTTL in ms; -2 missing, -1 no expiry. */
    private byte[] onTtl(List<byte[]> argv, long nowMs, long unitMs) throws Refusal {
        Key key = key(argv, 1);
        if (!store.contains(key)) return Resp.integer(-2);
        Long atMs = store.expireAtMs(key);
        if (atMs == null) return Resp.integer(-1);
        long remainingMs = atMs - nowMs; // Positive: keys at or before nowMs are gone.
        return Resp.integer(unitMs == 1 ? remainingMs : (remainingMs + 500) / 1000);
    }

    private byte[] onPersist(List<byte[]> argv) throws Refusal {
        return Resp.integer(store.persist(key(argv, 1)) ? 1 : 0);
    }

    private byte[] onType(List<byte[]> argv) throws Refusal {
        return Resp.simple(store.contains(key(argv, 1)) ? "string" : "none");
    }

    /** FLUSHALL and FLUSHDB [ASYNC | SYNC]: one database here, so both clear it. */
    private byte[] onFlush(List<byte[]> argv) throws Refusal {
        if (argv.size() > 2) throw new Refusal(SYNTAX);
        if (argv.size() == 2) {
            String mode = lower(argv.get(1));
            if (!mode.equals("async") && !mode.equals("sync")) throw new Refusal(SYNTAX);
        }
        store.clear();
        return Resp.OK;
    }

    /** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]; see {@link Store#scan}. */
    private byte[] onScan(List<byte[]> argv) throws Refusal {
        long cursor = parseCursor(argv.get(1));
        byte[] pattern = null;
        long count = 10;
        String type = null;
        for (int index = 2; index < argv.size(); index += 2) {
            String option = lower(argv.get(index));
            if (index + 1 >= argv.size()) throw new Refusal(SYNTAX);
            switch (option) {
                case "match" -> pattern = argv.get(index + 1);
                case "count" -> {
                    count = parseLong(argv.get(index + 1));
                    if (count < 1) throw new Refusal(SYNTAX);
                }
                case "type" -> type = lower(argv.get(index + 1));
                default -> throw new Refusal(SYNTAX);
            }
        }
        byte[] patternFinal = pattern;
        boolean typeMatches = type == null || type.equals("string");
        Store.ScanPage page = store.scan(cursor, (int) Math.min(count, Integer.MAX_VALUE),
                key -> typeMatches && (patternFinal == null || Glob.matches(patternFinal, key)));
        return Resp.cursorAndKeys(Long.toUnsignedString(page.cursor()), page.keys());
    }

    /**
     * Writes {@code value}, then the expiry if there is one; an expiry at or before now deletes the
     * key instead, which is what Redis does (SET ... PXAT in the past replies OK, and the key is gone).
     */
    private void write(Key key, byte[] value, boolean keepTtl, Long expireAtMs, long nowMs) {
        if (expireAtMs != null && expireAtMs <= nowMs) {
            store.remove(key);
            return;
        }
        store.put(key, value, keepTtl);
        if (expireAtMs != null) store.expireAt(key, expireAtMs);
    }

    /**
     * SET's and SETEX's expiry: positive, else "invalid expire time", and so also when the
     * conversion to ms or the addition of now overflows.
     */
    private static long expireAtMs(byte[] argument, long unitMs, boolean relative, long nowMs, String name)
            throws Refusal {
        long time = parseLong(argument);
        if (time <= 0) throw new Refusal(invalidExpireTime(name));
        try {
            long atMs = Math.multiplyExact(time, unitMs);
            return relative ? Math.addExact(atMs, nowMs) : atMs;
        } catch (ArithmeticException e) {
            throw new Refusal(invalidExpireTime(name));
        }
    }

    private Key key(List<byte[]> argv, int index) throws Refusal {
        byte[] key = argv.get(index);
        if (key.length > limits.keySizeBytesMax()) {
            throw new Refusal("ERR key size " + key.length + " bytes > keySizeBytesMax " + limits.keySizeBytesMax());
        }
        // A copy, because the store keeps the key and the caller's list is not ours.
        return new Key(key.clone());
    }

    /** The keys at {@code first}, {@code first + step}, ..., all within limits. */
    private List<Key> keys(List<byte[]> argv, int first, int step) throws Refusal {
        List<Key> keys = new ArrayList<>();
        for (int index = first; index < argv.size(); index += step) keys.add(key(argv, index));
        return keys;
    }

    private byte[] value(List<byte[]> argv, int index) throws Refusal {
        byte[] value = argv.get(index);
        checkValueSize(value.length);
        return value.clone();
    }

    private void checkValueSize(long sizeBytes) throws Refusal {
        if (sizeBytes > limits.valueSizeBytesMax()) {
            throw new Refusal("ERR value size " + sizeBytes + " bytes > valueSizeBytesMax " + limits.valueSizeBytesMax());
        }
    }

    /**
     * A 64-bit integer as Redis's {@code string2ll} reads it: an optional minus, then digits with
     * no leading zero ("0" alone is fine); no plus, spaces, "-0" or overflow.
     */
    static long parseLong(byte[] bytes) throws Refusal {
        int start = bytes.length > 0 && bytes[0] == '-' ? 1 : 0;
        if (bytes.length == start || bytes.length > 20) throw new Refusal(NOT_AN_INTEGER);
        for (int index = start; index < bytes.length; index++) {
            if (bytes[index] < '0' || bytes[index] > '9') throw new Refusal(NOT_AN_INTEGER);
        }
        boolean zero = bytes.length == 1 && bytes[0] == '0';
        if (bytes[start] == '0' && !zero) throw new Refusal(NOT_AN_INTEGER);
        try {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new Refusal(NOT_AN_INTEGER);
        }
    }

    /** A SCAN cursor: an unsigned 64-bit decimal. */
    private static long parseCursor(byte[] bytes) throws Refusal {
        if (bytes.length == 0 || bytes.length > 20) throw new Refusal("ERR invalid cursor");
        for (byte b : bytes) {
            if (b < '0' || b > '9') throw new Refusal("ERR invalid cursor");
        }
        try {
            return Long.parseUnsignedLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new Refusal("ERR invalid cursor");
        }
    }

    private static String invalidExpireTime(String name) {
        return "ERR invalid expire time in '" + name + "' command";
    }

    private static String wrongArity(String name) {
        return "ERR wrong number of arguments for '" + name + "' command";
    }

    /**
     * Redis's reply to a name not in the table: the name as typed, and the arguments quoted until
     * the quotes reach {@value #QUOTED_SIZE_BYTES_MAX} characters, as Redis 7 cuts them.
     */
    private static String unknownCommand(String typed, List<byte[]> argv) {
        StringBuilder arguments = new StringBuilder();
        for (int index = 1; index < argv.size() && arguments.length() < QUOTED_SIZE_BYTES_MAX; index++) {
            String argument = latin1(argv.get(index));
            int shownLength = Math.min(argument.length(), QUOTED_SIZE_BYTES_MAX - arguments.length());
            arguments.append('\'').append(argument, 0, shownLength).append("' ");
        }
        String name = typed.length() <= QUOTED_SIZE_BYTES_MAX ? typed : typed.substring(0, QUOTED_SIZE_BYTES_MAX);
        return "ERR unknown command '" + name + "', with args beginning with: " + arguments;
    }

    private static String lower(byte[] bytes) {
        return latin1(bytes).toLowerCase(Locale.ROOT);
    }

    /** Bytes as chars one to one, so any bytes make a string and ASCII names compare as text. */
    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
