package dev.viewstamp.kv.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisCommandsTest {

    /** Redis 7's arities (COMMAND INFO), and whether each command writes. */
    private static final Map<String, Integer> ARITIES = Map.ofEntries(
            Map.entry("get", 2), Map.entry("set", -3), Map.entry("setnx", 3), Map.entry("setex", 4),
            Map.entry("psetex", 4), Map.entry("getset", 3), Map.entry("getdel", 2), Map.entry("del", -2),
            Map.entry("unlink", -2), Map.entry("exists", -2), Map.entry("incr", 2), Map.entry("incrby", 3),
            Map.entry("decr", 2), Map.entry("decrby", 3), Map.entry("append", 3), Map.entry("strlen", 2),
            Map.entry("mget", -2), Map.entry("mset", -3), Map.entry("msetnx", -3), Map.entry("expire", -3),
            Map.entry("pexpire", -3), Map.entry("expireat", -3), Map.entry("pexpireat", -3), Map.entry("ttl", 2),
            Map.entry("pttl", 2), Map.entry("persist", 2), Map.entry("type", 2), Map.entry("dbsize", 1),
            Map.entry("flushall", -1), Map.entry("flushdb", -1), Map.entry("scan", -2));

    private static final java.util.Set<String> READS =
            java.util.Set.of("get", "exists", "strlen", "mget", "ttl", "pttl", "type", "dbsize", "scan");

    @Test
    void everyListedCommandIsPresentWithRedisArity() {
        ARITIES.forEach((name, arity) -> {
            RedisCommands.Spec spec = RedisCommands.spec(name);
            assertThat(spec).as(name).isNotNull();
            assertThat(spec.name()).isEqualTo(name);
            assertThat(spec.arity()).as(name).isEqualTo(arity);
            assertThat(spec.write()).as(name).isEqualTo(!READS.contains(name));
        });
        assertThat(RedisCommands.all()).hasSize(ARITIES.size());
    }

    @Test
    void lookupIgnoresCase() {
        assertThat(RedisCommands.spec("GeT")).isEqualTo(RedisCommands.spec("get"));
        assertThat(RedisCommands.spec("PEXPIREAT").name()).isEqualTo("pexpireat");
    }

    @Test
    void unknownCommandsAreNull() {
        assertThat(RedisCommands.spec("hset")).isNull();
        assertThat(RedisCommands.spec("")).isNull();
        assertThat(RedisCommands.spec(null)).isNull();
        assertThat(RedisCommands.spec("multi")).isNull();
    }

    @Test
    void arityAcceptsExactOrAtLeast() {
        assertThat(RedisCommands.spec("get").arityAccepts(2)).isTrue();
        assertThat(RedisCommands.spec("get").arityAccepts(3)).isFalse();
        assertThat(RedisCommands.spec("set").arityAccepts(2)).isFalse();
        assertThat(RedisCommands.spec("set").arityAccepts(9)).isTrue();
        assertThat(RedisCommands.spec("flushall").arityAccepts(1)).isTrue();
    }
}
