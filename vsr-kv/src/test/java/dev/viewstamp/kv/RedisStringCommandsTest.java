package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each Redis string command against Redis 7's documented replies. The clock stands still here. */
class RedisStringCommandsTest {

    private final RedisTestClient redis = new RedisTestClient();

    // --- GET, SET and its options -----------------------------------------------------------------

    @Test
    void getOfMissingKeyIsNullBulk() {
        assertThat(redis.run("GET", "nope")).isEqualTo("$-1");
    }

    @Test
    void setThenGetReturnsTheValue() {
        assertThat(redis.run("SET", "foo", "bar")).isEqualTo("+OK");
        assertThat(redis.run("get", "foo")).isEqualTo("$3\nbar");
    }

    @Test
    void setNxSetsOnlyAMissingKey() {
        assertThat(redis.run("SET", "k", "1", "NX")).isEqualTo("+OK");
        assertThat(redis.run("SET", "k", "2", "nx")).isEqualTo("$-1");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n1");
    }

    @Test
    void setXxSetsOnlyAnExistingKey() {
        assertThat(redis.run("SET", "k", "1", "XX")).isEqualTo("$-1");
        assertThat(redis.run("GET", "k")).isEqualTo("$-1");
        redis.run("SET", "k", "1");
        assertThat(redis.run("SET", "k", "2", "XX")).isEqualTo("+OK");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n2");
    }

    @Test
    void setGetReturnsTheOldValue() {
        assertThat(redis.run("SET", "k", "1", "GET")).isEqualTo("$-1");
        assertThat(redis.run("SET", "k", "2", "GET")).isEqualTo("$1\n1");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n2");
    }

    @Test
    void setNxGetOnAnExistingKeyReturnsTheOldValueAndDoesNotSet() {
        redis.run("SET", "k", "1");
        assertThat(redis.run("SET", "k", "2", "NX", "GET")).isEqualTo("$1\n1");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n1");
    }

    @Test
    void setOptionsMayComeInAnyOrder() {
        assertThat(redis.run("SET", "k", "1", "GET", "PX", "5000", "NX")).isEqualTo("$-1");
        assertThat(redis.run("PTTL", "k")).isEqualTo(":5000");
    }

    @Test
    void setWithConflictingOptionsIsASyntaxError() {
        for (List<String> options : List.of(
                List.of("NX", "XX"), List.of("EX", "10", "PX", "10"), List.of("EX", "10", "KEEPTTL"),
                List.of("KEEPTTL", "PXAT", "10"), List.of("EXAT", "10", "EX", "10"), List.of("EX"),
                List.of("BOGUS"))) {
            String[] argv = concat(new String[] {"SET", "k", "v"}, options);
            assertThat(redis.run(argv)).as("%s", options).isEqualTo("-ERR syntax error");
        }
        assertThat(redis.run("EXISTS", "k")).isEqualTo(":0");
    }

    @Test
    void setWithTheSameOptionTwiceIsAccepted() {
        assertThat(redis.run("SET", "k", "v", "EX", "10", "EX", "20", "NX", "NX")).isEqualTo("+OK");
        assertThat(redis.run("TTL", "k")).isEqualTo(":20");
    }

    @Test
    void setWithNonPositiveExpireIsAnInvalidExpireTime() {
        for (String option : List.of("EX", "PX", "EXAT", "PXAT")) {
            assertThat(redis.run("SET", "k", "v", option, "0")).isEqualTo("-ERR invalid expire time in 'set' command");
            assertThat(redis.run("SET", "k", "v", option, "-5")).isEqualTo("-ERR invalid expire time in 'set' command");
        }
        assertThat(redis.run("EXISTS", "k")).isEqualTo(":0");
    }

    @Test
    void setWithExpireThatOverflowsIsAnInvalidExpireTime() {
        assertThat(redis.run("SET", "k", "v", "EX", "9223372036854775")).isEqualTo(
                "-ERR invalid expire time in 'set' command");
        assertThat(redis.run("SET", "k", "v", "PX", "9223372036854775807")).isEqualTo(
                "-ERR invalid expire time in 'set' command");
    }

    @Test
    void setWithNonIntegerExpireIsNotAnInteger() {
        assertThat(redis.run("SET", "k", "v", "EX", "1.5")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(redis.run("SET", "k", "v", "EX", "+5")).isEqualTo("-ERR value is not an integer or out of range");
    }

    @Test
    void setWithoutKeepTtlClearsTheTtl() {
        redis.run("SET", "k", "1", "EX", "100");
        redis.run("SET", "k", "2");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-1");
    }

    @Test
    void setKeepTtlKeepsTheTtl() {
        redis.run("SET", "k", "1", "EX", "100");
        assertThat(redis.run("SET", "k", "2", "KEEPTTL")).isEqualTo("+OK");
        assertThat(redis.run("TTL", "k")).isEqualTo(":100");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n2");
    }

    @Test
    void setExatAndPxatSetAnAbsoluteExpiry() {
        redis.run("SET", "a", "1", "PXAT", String.valueOf(redis.nowMs + 1234));
        redis.run("SET", "b", "1", "EXAT", String.valueOf(redis.nowMs / 1000 + 7));
        assertThat(redis.run("PTTL", "a")).isEqualTo(":1234");
        assertThat(redis.run("PTTL", "b")).isEqualTo(":7000");
    }

    @Test
    void setPxatInThePastRepliesOkAndLeavesNoKey() {
        redis.run("SET", "k", "old");
        assertThat(redis.run("SET", "k", "v", "PXAT", String.valueOf(redis.nowMs - 1), "GET")).isEqualTo("$3\nold");
        assertThat(redis.run("EXISTS", "k")).isEqualTo(":0");
    }

    // --- SETNX, SETEX, PSETEX, GETSET, GETDEL -------------------------------------------------------

    @Test
    void setNxCommandRepliesWhetherItSet() {
        assertThat(redis.run("SETNX", "k", "1")).isEqualTo(":1");
        assertThat(redis.run("SETNX", "k", "2")).isEqualTo(":0");
        assertThat(redis.run("GET", "k")).isEqualTo("$1\n1");
    }

    @Test
    void setExAndPsetExSetValueAndTtl() {
        assertThat(redis.run("SETEX", "a", "10", "x")).isEqualTo("+OK");
        assertThat(redis.run("PSETEX", "b", "1500", "y")).isEqualTo("+OK");
        assertThat(redis.run("TTL", "a")).isEqualTo(":10");
        assertThat(redis.run("PTTL", "b")).isEqualTo(":1500");
        assertThat(redis.run("GET", "b")).isEqualTo("$1\ny");
    }

    @Test
    void setExWithNonPositiveTimeNamesItsCommand() {
        assertThat(redis.run("SETEX", "a", "0", "x")).isEqualTo("-ERR invalid expire time in 'setex' command");
        assertThat(redis.run("PSETEX", "a", "-1", "x")).isEqualTo("-ERR invalid expire time in 'psetex' command");
        assertThat(redis.run("SETEX", "a", "ten", "x")).isEqualTo("-ERR value is not an integer or out of range");
    }

    @Test
    void getSetReturnsOldValueAndClearsTtl() {
        assertThat(redis.run("GETSET", "k", "1")).isEqualTo("$-1");
        redis.run("EXPIRE", "k", "100");
        assertThat(redis.run("GETSET", "k", "2")).isEqualTo("$1\n1");
        assertThat(redis.run("TTL", "k")).isEqualTo(":-1");
    }

    @Test
    void getDelReturnsTheValueAndDeletes() {
        redis.run("SET", "k", "v");
        assertThat(redis.run("GETDEL", "k")).isEqualTo("$1\nv");
        assertThat(redis.run("GETDEL", "k")).isEqualTo("$-1");
    }

    // --- DEL, UNLINK, EXISTS, TYPE, DBSIZE, FLUSHALL -----------------------------------------------

    @Test
    void delCountsTheKeysItRemoved() {
        redis.run("MSET", "a", "1", "b", "2");
        assertThat(redis.run("DEL", "a", "b", "c", "a")).isEqualTo(":2");
        assertThat(redis.run("UNLINK", "a")).isEqualTo(":0");
        redis.run("SET", "a", "1");
        assertThat(redis.run("UNLINK", "a")).isEqualTo(":1");
    }

    @Test
    void existsCountsRepeats() {
        redis.run("SET", "a", "1");
        assertThat(redis.run("EXISTS", "a", "a", "b")).isEqualTo(":2");
    }

    @Test
    void typeIsStringOrNone() {
        redis.run("SET", "a", "1");
        assertThat(redis.run("TYPE", "a")).isEqualTo("+string");
        assertThat(redis.run("TYPE", "b")).isEqualTo("+none");
    }

    @Test
    void dbSizeCountsKeysAndFlushAllRemovesThem() {
        redis.run("MSET", "a", "1", "b", "2", "c", "3");
        redis.run("EXPIRE", "c", "10");
        assertThat(redis.run("DBSIZE")).isEqualTo(":3");
        assertThat(redis.run("FLUSHALL", "ASYNC")).isEqualTo("+OK");
        assertThat(redis.run("DBSIZE")).isEqualTo(":0");
        assertThat(redis.machine.stateChecksum()).isEqualTo(new KvStateMachine().stateChecksum());
        redis.run("SET", "a", "1");
        assertThat(redis.run("FLUSHDB")).isEqualTo("+OK");
        assertThat(redis.run("FLUSHDB", "sync")).isEqualTo("+OK");
        assertThat(redis.run("FLUSHDB", "later")).isEqualTo("-ERR syntax error");
        assertThat(redis.run("FLUSHALL", "SYNC", "ASYNC")).isEqualTo("-ERR syntax error");
        assertThat(redis.run("DBSIZE")).isEqualTo(":0");
    }

    // --- INCR family --------------------------------------------------------------------------------

    @Test
    void incrOfMissingKeyStartsAtZero() {
        assertThat(redis.run("INCR", "n")).isEqualTo(":1");
        assertThat(redis.run("INCRBY", "n", "10")).isEqualTo(":11");
        assertThat(redis.run("DECR", "n")).isEqualTo(":10");
        assertThat(redis.run("DECRBY", "n", "-5")).isEqualTo(":15");
        assertThat(redis.run("GET", "n")).isEqualTo("$2\n15");
    }

    @Test
    void incrOfNonIntegerIsAnError() {
        for (String value : List.of("abc", "1.5", " 1", "01", "+1", "-0", "", "99999999999999999999")) {
            redis.run("SET", "n", value);
            assertThat(redis.run("INCR", "n")).as("'%s'", value).isEqualTo("-ERR value is not an integer or out of range");
            assertThat(redis.run("GET", "n")).startsWith("$" + value.length());
        }
        assertThat(redis.run("INCRBY", "m", "x")).isEqualTo("-ERR value is not an integer or out of range");
    }

    @Test
    void incrThatOverflowsIsAnError() {
        redis.run("SET", "n", "9223372036854775807");
        assertThat(redis.run("INCR", "n")).isEqualTo("-ERR increment or decrement would overflow");
        redis.run("SET", "n", "-9223372036854775808");
        assertThat(redis.run("DECR", "n")).isEqualTo("-ERR increment or decrement would overflow");
        assertThat(redis.run("DECRBY", "m", "-9223372036854775808")).isEqualTo("-ERR decrement would overflow");
        assertThat(redis.run("GET", "n")).isEqualTo("$20\n-9223372036854775808");
    }

    @Test
    void incrKeepsTheTtl() {
        redis.run("SET", "n", "1", "EX", "100");
        redis.run("INCR", "n");
        assertThat(redis.run("TTL", "n")).isEqualTo(":100");
    }

    // --- APPEND, STRLEN, MGET, MSET, MSETNX ---------------------------------------------------------

    @Test
    void appendReturnsTheNewLengthAndKeepsTheTtl() {
        assertThat(redis.run("APPEND", "k", "ab")).isEqualTo(":2");
        redis.run("EXPIRE", "k", "100");
        assertThat(redis.run("APPEND", "k", "cde")).isEqualTo(":5");
        assertThat(redis.run("GET", "k")).isEqualTo("$5\nabcde");
        assertThat(redis.run("TTL", "k")).isEqualTo(":100");
    }

    @Test
    void strlenIsZeroForMissingKey() {
        assertThat(redis.run("STRLEN", "k")).isEqualTo(":0");
        redis.run("SET", "k", "hello");
        assertThat(redis.run("STRLEN", "k")).isEqualTo(":5");
    }

    @Test
    void mgetRepliesAnArrayWithNullsForMissingKeys() {
        redis.run("MSET", "a", "1", "c", "333");
        assertThat(redis.run("MGET", "a", "b", "c")).isEqualTo("*3\n$1\n1\n$-1\n$3\n333");
    }

    @Test
    void msetWithAnOddArgumentIsAnArityError() {
        assertThat(redis.run("MSET", "a", "1", "b")).isEqualTo("-ERR wrong number of arguments for 'mset' command");
        assertThat(redis.run("EXISTS", "a")).isEqualTo(":0");
    }

    @Test
    void msetNxSetsAllOrNone() {
        redis.run("SET", "b", "old");
        assertThat(redis.run("MSETNX", "a", "1", "b", "2")).isEqualTo(":0");
        assertThat(redis.run("EXISTS", "a")).isEqualTo(":0");
        assertThat(redis.run("MSETNX", "a", "1", "c", "2")).isEqualTo(":1");
        assertThat(redis.run("MGET", "a", "b", "c")).isEqualTo("*3\n$1\n1\n$3\nold\n$1\n2");
    }

    // --- errors common to all ------------------------------------------------------------------------

    @Test
    void wrongArityNamesTheCommandInLowerCase() {
        assertThat(redis.run("GET")).isEqualTo("-ERR wrong number of arguments for 'get' command");
        assertThat(redis.run("GeT", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'get' command");
        assertThat(redis.run("DBSIZE", "x")).isEqualTo("-ERR wrong number of arguments for 'dbsize' command");
    }

    @Test
    void unknownCommandQuotesItsNameAndArguments() {
        assertThat(redis.run("HSET", "h", "f", "v")).isEqualTo(
                "-ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' ");
    }

    @Test
    void keyOverTheLimitIsRefusedAndChangesNothing() {
        String longKey = "k".repeat(257);
        assertThat(redis.run("SET", longKey, "v")).isEqualTo("-ERR key size 257 bytes > keySizeBytesMax 256");
        assertThat(redis.run("MSET", "a", "1", longKey, "2")).startsWith("-ERR key size 257");
        assertThat(redis.run("GET", longKey)).startsWith("-ERR key size 257");
        assertThat(redis.run("DBSIZE")).isEqualTo(":0");
    }

    @Test
    void valueOverTheLimitIsRefusedAndChangesNothing() {
        String big = "v".repeat(64 * 1024 + 1);
        assertThat(redis.run("SET", "k", big)).isEqualTo("-ERR value size 65537 bytes > valueSizeBytesMax 65536");
        redis.run("SET", "k", "v".repeat(64 * 1024));
        assertThat(redis.run("APPEND", "k", "x")).isEqualTo("-ERR value size 65537 bytes > valueSizeBytesMax 65536");
        assertThat(redis.run("STRLEN", "k")).isEqualTo(":65536");
    }

    @Test
    void aFailingCommandInABatchLeavesTheOthersRunning() {
        List<String> replies = redis.batch(List.of(
                RedisTestClient.argv("SET", "a", "x"),
                RedisTestClient.argv("INCR", "a"),
                RedisTestClient.argv("SET", "b", "2")));
        assertThat(replies).containsExactly("+OK", "-ERR value is not an integer or out of range", "+OK");
    }

    // --- the old commands and Redis commands share one store ------------------------------------

    @Test
    void redisGetReadsAnOldPutAndOldGetReadsARedisSet() throws KvFormatException {
        redis.machine.execute(1, redis.nowMs, KvCommand.put("old", "1").encode());
        assertThat(redis.run("GET", "old")).isEqualTo("$1\n1");
        redis.run("SET", "new", "2");
        assertThat(KvResult.decode(redis.machine.execute(2, redis.nowMs, KvCommand.get("new").encode())))
                .isEqualTo(KvResult.value("2"));
    }

    @Test
    void oldPutClearsTheTtlAndOldAppendKeepsIt() {
        redis.run("SET", "a", "1", "EX", "100");
        redis.run("SET", "b", "1", "EX", "100");
        redis.machine.execute(1, redis.nowMs, KvCommand.put("a", "2").encode());
        redis.machine.execute(2, redis.nowMs, KvCommand.append("b", "2").encode());
        assertThat(redis.run("TTL", "a")).isEqualTo(":-1");
        assertThat(redis.run("TTL", "b")).isEqualTo(":100");
    }

    private static String[] concat(String[] head, List<String> tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.size());
        for (int i = 0; i < tail.size(); i++) all[head.length + i] = tail.get(i);
        return all;
    }
}
