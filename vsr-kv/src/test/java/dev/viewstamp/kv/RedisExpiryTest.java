package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expiry against the op's timestamp: the boundary, TTL arithmetic, and the EXPIRE family. */
class RedisExpiryTest {

    private final RedisTestClient redis = new RedisTestClient();

    @Test
    void keyExistsOneMillisecondBeforeItsExpiryAndNotAtIt() {
        redis.run("SET", "k", "v", "PX", "100");
        long expireAtMs = redis.nowMs + 100;

        redis.nowMs = expireAtMs - 1;
        assertThat(redis.run("GET", "k")).isEqualTo("$1\nv");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":1");

        redis.nowMs = expireAtMs;
        assertThat(redis.run("EXISTS", "k")).isEqualTo(":0");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-2");
        assertThat(redis.machine.size()).isZero();
    }

    @Test
    void expiredKeyIsGoneForTheOldCommandsToo() throws KvFormatException {
        redis.run("SET", "k", "v", "PX", "10");
        KvResult result = KvResult.decode(redis.machine.execute(99, redis.nowMs + 10, KvCommand.get("k").encode()));
        assertThat(result).isEqualTo(KvResult.value(null));
    }

    @Test
    void expiryRemovesTheKeyFromTheChecksum() {
        redis.run("SET", "k", "v", "PX", "10");
        redis.nowMs += 10;
        redis.run("DBSIZE");
        assertThat(redis.machine.stateChecksum()).isEqualTo(new KvStateMachine().stateChecksum());
    }

    @Test
    void checksumAccountsForTheExpiryTime() {
        RedisTestClient other = new RedisTestClient();
        redis.run("SET", "k", "v", "PX", "10");
        other.run("SET", "k", "v", "PX", "11");
        RedisTestClient none = new RedisTestClient();
        none.run("SET", "k", "v");
        assertThat(redis.machine.stateChecksum()).isNotEqualTo(other.machine.stateChecksum())
                .isNotEqualTo(none.machine.stateChecksum());
        redis.run("PERSIST", "k");
        assertThat(redis.machine.stateChecksum()).isEqualTo(none.machine.stateChecksum());
    }

    @Test
    void ttlIsMinusTwoForMissingAndMinusOneWithoutExpiry() {
        assertThat(redis.run("TTL", "k")).isEqualTo(":-2");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":-2");
        redis.run("SET", "k", "v");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":-1");
    }

    @Test
    void ttlRoundsRemainingMillisecondsToTheNearestSecond() {
        redis.run("SET", "k", "v", "PX", "10000");
        redis.nowMs += 500; // 9500 ms left
        assertThat(redis.run("PTTL", "k")).isEqualTo(":9500");
        assertThat(redis.run("TTL", "k")).isEqualTo(":10");
        redis.nowMs += 1; // 9499 ms left
        assertThat(redis.run("TTL", "k")).isEqualTo(":9");
        redis.nowMs += 9_000; // 499 ms left
        assertThat(redis.run("TTL", "k")).isEqualTo(":0");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":499");
    }

    @Test
    void expireSetsARelativeTimeAndRepliesOne() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("EXPIRE", "k", "5")).isEqualTo(":1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":5000");
        assertThat(redis.run("PEXPIRE", "k", "1234")).isEqualTo(":1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":1234");
    }

    @Test
    void expireAtSetsAnAbsoluteTime() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("PEXPIREAT", "k", String.valueOf(redis.nowMs + 77))).isEqualTo(":1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":77");
        assertThat(redis.run("EXPIREAT", "k", String.valueOf(redis.nowMs / 1000 + 3))).isEqualTo(":1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":3000");
    }

    @Test
    void expireOfMissingKeyRepliesZero() {
        assertThat(redis.run("EXPIRE", "k", "5")).isEqualTo(":0");
        assertThat(redis.run("PEXPIREAT", "k", "5")).isEqualTo(":0");
    }

    @Test
    void expireWithNonPositiveOrPastTimeDeletesTheKey() {
        redis.run("MSET", "a", "1", "b", "1", "c", "1", "d", "1");
        assertThat(redis.run("EXPIRE", "a", "0")).isEqualTo(":1");
        assertThat(redis.run("PEXPIRE", "b", "-10")).isEqualTo(":1");
        assertThat(redis.run("EXPIREAT", "c", "1")).isEqualTo(":1");
        assertThat(redis.run("PEXPIREAT", "d", String.valueOf(redis.nowMs))).isEqualTo(":1");
        assertThat(redis.run("DBSIZE")).isEqualTo(":0");
    }

    @Test
    void expireThatOverflowsIsAnInvalidExpireTime() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("EXPIRE", "k", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'expire' command");
        assertThat(redis.run("PEXPIRE", "k", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'pexpire' command");
        assertThat(redis.run("EXPIRE", "k", "soon")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-1");
    }

    @Test
    void expireOptionsNxXxGtLt() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("EXPIRE", "k", "100", "XX")).isEqualTo(":0");
        assertThat(redis.run("EXPIRE", "k", "100", "GT")).isEqualTo(":0"); // no TTL counts as infinite
        assertThat(redis.run("EXPIRE", "k", "100", "NX")).isEqualTo(":1");
        assertThat(redis.run("EXPIRE", "k", "200", "NX")).isEqualTo(":0");
        assertThat(redis.run("EXPIRE", "k", "50", "GT")).isEqualTo(":0");
        assertThat(redis.run("EXPIRE", "k", "200", "gt")).isEqualTo(":1");
        assertThat(redis.run("EXPIRE", "k", "300", "LT")).isEqualTo(":0");
        assertThat(redis.run("EXPIRE", "k", "150", "LT", "XX")).isEqualTo(":1");
        assertThat(redis.run("TTL", "k")).isEqualTo(":150");
        redis.run("PERSIST", "k");
        assertThat(redis.run("EXPIRE", "k", "10", "LT")).isEqualTo(":1");
    }

    @Test
    void expireWithIncompatibleOrUnknownOptionsIsAnError() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("EXPIRE", "k", "10", "NX", "XX"))
                .isEqualTo("-ERR NX and XX, GT or LT options at the same time are not compatible");
        assertThat(redis.run("EXPIRE", "k", "10", "GT", "LT"))
                .isEqualTo("-ERR GT and LT options at the same time are not compatible");
        assertThat(redis.run("EXPIRE", "k", "10", "SOON")).isEqualTo("-ERR Unsupported option SOON");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-1");
    }

    @Test
    void persistRemovesTheTtl() {
        assertThat(redis.run("PERSIST", "k")).isEqualTo(":0");
        redis.run("SET", "k", "v", "EX", "10");
        assertThat(redis.run("PERSIST", "k")).isEqualTo(":1");
        assertThat(redis.run("PERSIST", "k")).isEqualTo(":0");
        redis.nowMs += 1_000_000;
        assertThat(redis.run("GET", "k")).isEqualTo("$1\nv");
    }

    @Test
    void delOfAnExpiringKeyForgetsItsExpiry() {
        redis.run("SET", "k", "v", "EX", "10");
        redis.run("DEL", "k");
        redis.run("SET", "k", "w");
        redis.nowMs += 20_000;
        assertThat(redis.run("GET", "k")).isEqualTo("$1\nw");
    }

    @Test
    void manyKeysExpireInOneOpAndOnlyThoseDue() {
        for (int i = 0; i < 100; i++) redis.run("SET", "k" + i, "v", "PX", String.valueOf(1 + i % 10));
        redis.nowMs += 5;
        assertThat(redis.run("DBSIZE")).isEqualTo(":50");
        redis.nowMs += 5;
        assertThat(redis.run("DBSIZE")).isEqualTo(":0");
    }
}
