package dev.viewstamp.kv.redis;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Redis commands that {@code KvStateMachine} executes, with Redis 7's arities. The RESP front
 * end looks commands up here to refuse unknown ones and wrong arities locally, without a round
 * through the log; the state machine checks the same table again, because a batch's bytes may
 * come from any client.
 */
public final class RedisCommands {
    private RedisCommands() {}

    /**
     * One command.
     *
     * @param name lower case
     * @param arity Redis's convention, counting the command name: positive means exactly that many
     *     arguments, negative means at least {@code -arity}
     * @param write whether the command may change state
     */
    public record Spec(String name, int arity, boolean write) {

        /** Whether {@code argumentCount} arguments, the name included, fit the arity. */
        public boolean arityAccepts(int argumentCount) {
            return arity >= 0 ? argumentCount == arity : argumentCount >= -arity;
        }
    }

    /** Every command, in the order Redis documents them; the table itself is {@link #SPECS}. */
    static final List<Spec> ALL = List.of(
            new Spec("get", 2, false),
            new Spec("set", -3, true),
            new Spec("setnx", 3, true),
            new Spec("setex", 4, true),
            new Spec("psetex", 4, true),
            new Spec("getset", 3, true),
            new Spec("getdel", 2, true),
            new Spec("del", -2, true),
            new Spec("unlink", -2, true),
            new Spec("exists", -2, false),
            new Spec("incr", 2, true),
            new Spec("incrby", 3, true),
            new Spec("decr", 2, true),
            new Spec("decrby", 3, true),
            new Spec("append", 3, true),
            new Spec("strlen", 2, false),
            new Spec("mget", -2, false),
            new Spec("mset", -3, true),
            new Spec("msetnx", -3, true),
            new Spec("expire", -3, true),
            new Spec("pexpire", -3, true),
            new Spec("expireat", -3, true),
            new Spec("pexpireat", -3, true),
            new Spec("ttl", 2, false),
            new Spec("pttl", 2, false),
            new Spec("persist", 2, true),
            new Spec("type", 2, false),
            new Spec("dbsize", 1, false),
            new Spec("flushall", -1, true),
            new Spec("flushdb", -1, true),
            new Spec("scan", -2, false));

    private static final Map<String, Spec> SPECS =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Spec::name, Function.identity()));

    /** The replicated command named {@code name} (any case), or null when it is not one. */
    public static Spec spec(String name) {
        return name == null ? null : SPECS.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every command in the table. */
    public static List<Spec> all() {
        return ALL;
    }
}
