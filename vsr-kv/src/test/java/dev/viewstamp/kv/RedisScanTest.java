package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SCAN's cursor walk, MATCH with Redis glob patterns, COUNT and TYPE. */
class RedisScanTest {

    private final RedisTestClient redis = new RedisTestClient();

    /** One SCAN step: the next cursor and the keys. */
    private record Page(String cursor, List<String> keys) {}

    private Page scan(String... argv) {
        String reply = redis.run(argv);
        String[] lines = reply.split("\n", -1);
        assertThat(lines[0]).isEqualTo("*2");
        String cursor = lines[2];
        int keyCount = Integer.parseInt(lines[3].substring(1));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < keyCount; i++) keys.add(lines[5 + 2 * i]);
        return new Page(cursor, keys);
    }

    @Test
    void scanOfEmptyStoreEndsAtOnce() {
        assertThat(redis.run("SCAN", "0")).isEqualTo("*2\n$1\n0\n*0");
    }

    @Test
    void fullIterationReturnsEveryKeyExactlyOnce() {
        for (int i = 0; i < 500; i++) redis.run("SET", "key:" + i, "v");
        List<String> seen = new ArrayList<>();
        String cursor = "0";
        int pageCount = 0;
        do {
            Page page = scan("SCAN", cursor, "COUNT", "7");
            seen.addAll(page.keys());
            cursor = page.cursor();
            pageCount++;
        } while (!cursor.equals("0"));
        assertThat(seen).hasSize(500).doesNotHaveDuplicates();
        assertThat(pageCount).isGreaterThan(500 / 7);
    }

    @Test
    void keysThatExistThroughoutAreReturnedWhileOthersComeAndGo() {
        // Keys "stay:*" exist from start to end; "churn:*" keys are added and deleted between pages.
        for (int i = 0; i < 300; i++) redis.run("SET", "stay:" + i, "v");
        for (int i = 0; i < 100; i++) redis.run("SET", "churn:" + i, "v");
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int step = 0;
        do {
            Page page = scan("SCAN", cursor, "MATCH", "stay:*", "COUNT", "20");
            assertThat(page.keys()).allMatch(key -> key.startsWith("stay:"));
            seen.addAll(page.keys());
            cursor = page.cursor();
            redis.run("DEL", "churn:" + step);
            redis.run("SET", "churn:new:" + step, "v");
            step++;
        } while (!cursor.equals("0"));
        for (int i = 0; i < 300; i++) assertThat(seen).contains("stay:" + i);
    }

    @Test
    void scanIsDeterministicAcrossInsertionOrders() {
        RedisTestClient other = new RedisTestClient();
        for (int i = 0; i < 200; i++) redis.run("SET", "k" + i, "v");
        for (int i = 199; i >= 0; i--) other.run("SET", "k" + i, "v");
        assertThat(redis.run("SCAN", "0", "COUNT", "25")).isEqualTo(other.run("SCAN", "0", "COUNT", "25"));
    }

    @Test
    void matchFiltersAPageAndCountBoundsTheWork() {
        for (int i = 0; i < 100; i++) redis.run("SET", (i % 2 == 0 ? "even:" : "odd:") + i, "v");
        Page page = scan("SCAN", "0", "MATCH", "even:*", "COUNT", "1000");
        assertThat(page.cursor()).isEqualTo("0");
        assertThat(page.keys()).hasSize(50).allMatch(key -> key.startsWith("even:"));
    }

    @Test
    void typeStringReturnsKeysAndOtherTypesNone() {
        redis.run("SET", "a", "1");
        assertThat(scan("SCAN", "0", "TYPE", "string").keys()).containsExactly("a");
        assertThat(scan("SCAN", "0", "TYPE", "hash").keys()).isEmpty();
    }

    @Test
    void badCursorOrOptionsAreErrors() {
        assertThat(redis.run("SCAN", "abc")).isEqualTo("-ERR invalid cursor");
        assertThat(redis.run("SCAN", "-1")).isEqualTo("-ERR invalid cursor");
        assertThat(redis.run("SCAN", "18446744073709551616")).isEqualTo("-ERR invalid cursor");
        assertThat(redis.run("SCAN", "0", "COUNT", "0")).isEqualTo("-ERR syntax error");
        assertThat(redis.run("SCAN", "0", "COUNT", "x")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(redis.run("SCAN", "0", "MATCH")).isEqualTo("-ERR syntax error");
        assertThat(redis.run("SCAN", "0", "LIMIT", "5")).isEqualTo("-ERR syntax error");
    }

    @Test
    void largestCursorIsValid() {
        redis.run("SET", "a", "1");
        assertThat(redis.run("SCAN", "18446744073709551615")).startsWith("*2\n$1\n0\n");
    }

    @Test
    void globPatternsMatchAsRedisDoes() {
        assertMatch("*", "", true);
        assertMatch("*", "anything", true);
        assertMatch("h?llo", "hello", true);
        assertMatch("h?llo", "hllo", false);
        assertMatch("h*llo", "heeeello", true);
        assertMatch("h*llo", "hllo", true);
        assertMatch("h[ae]llo", "hallo", true);
        assertMatch("h[ae]llo", "hillo", false);
        assertMatch("h[^e]llo", "hallo", true);
        assertMatch("h[^e]llo", "hello", false);
        assertMatch("h[a-b]llo", "hbllo", true);
        assertMatch("h[b-a]llo", "hallo", true); // a reversed range still matches
        assertMatch("h[a-b]llo", "hcllo", false);
        assertMatch("h\\*llo", "h*llo", true);
        assertMatch("h\\*llo", "hello", false);
        assertMatch("[\\]]", "]", true);
        assertMatch("a*b*c", "aXbYc", true);
        assertMatch("a*b*c", "aXbY", false);
        assertMatch("user:*:name", "user:42:name", true);
        assertMatch("ab", "abc", false);
        assertMatch("abc", "ab", false);
        assertMatch("ab*", "ab", true);
        assertMatch("[abc", "a", true); // an unclosed set is closed at the end, as in Redis
    }

    @Test
    void globWithThousandsOfStarsEndsWithoutOverflowingTheStack() {
        String pattern = "*a".repeat(20_000) + "b";
        assertMatch(pattern, "a".repeat(30_000), false);
    }

    private static void assertMatch(String pattern, String string, boolean expected) {
        assertThat(Glob.matches(pattern.getBytes(StandardCharsets.UTF_8), string.getBytes(StandardCharsets.UTF_8)))
                .as("'%s' matches '%s'", pattern, string)
                .isEqualTo(expected);
    }
}
