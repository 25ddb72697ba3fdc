package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.kv.redis.RedisBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Replicas agree: state machines fed the same random Redis batches (and some older commands) at
 * the same timestamps give the same replies and checksums, and a snapshot taken and restored
 * mid-run, then fed the rest, gives the same replies and checksums as never snapshotting. The
 * clock moves by a few ms per op and TTLs are a few ms, so keys expire all through a run.
 */
class RedisDeterminismPropertyTest {

    private static final String[] KEYS = {"a", "b", "c", "d", "e", "n"};

    /** One op: its timestamp and its operation bytes. */
    private record Step(long timestampMs, byte[] operation) {}

    @Property(tries = 60)
    void replicasFedTheSameBatchesAgree(@ForAll long seed) {
        List<Step> steps = steps(new Random(seed), 120);
        KvStateMachine first = new KvStateMachine();
        KvStateMachine second = new KvStateMachine();
        long op = 0;
        for (Step step : steps) {
            op++;
            assertThat(second.execute(op, step.timestampMs(), step.operation()))
                    .isEqualTo(first.execute(op, step.timestampMs(), step.operation()));
            assertThat(second.stateChecksum()).isEqualTo(first.stateChecksum());
        }
    }

    @Property(tries = 60)
    void snapshotAndRestoreMidRunChangesNoReplyOrChecksum(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 120) int snapshotAfter) throws IOException {
        List<Step> steps = steps(new Random(seed), 120);
        KvStateMachine reference = new KvStateMachine();
        KvStateMachine original = new KvStateMachine();
        KvStateMachine restored = null;
        StateMachine.Snapshot snapshot = null;
        long op = 0;
        for (Step step : steps) {
            op++;
            byte[] expected = reference.execute(op, step.timestampMs(), step.operation());
            assertThat(original.execute(op, step.timestampMs(), step.operation())).isEqualTo(expected);
            if (restored != null) {
                assertThat(restored.execute(op, step.timestampMs(), step.operation())).isEqualTo(expected);
                assertThat(restored.stateChecksum()).isEqualTo(reference.stateChecksum());
            }
            if (op == snapshotAfter) {
                snapshot = original.snapshot();
                // Written only later, after the original has gone on writing: copy-on-write must
                // keep the snapshot's view, expiries included.
                restored = new KvStateMachine();
                restored.execute(0, 0, KvCommand.put("junk", "to be replaced").encode());
            }
            if (snapshot != null && op == snapshotAfter + 10) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                snapshot.writeTo(bytes);
                KvStateMachine late = new KvStateMachine();
                late.restore(new ByteArrayInputStream(bytes.toByteArray()));
                assertThat(late.stateChecksum()).isEqualTo(snapshot.stateChecksum());
            }
            if (restored != null && op == snapshotAfter) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                snapshot.writeTo(bytes);
                restored.restore(new ByteArrayInputStream(bytes.toByteArray()));
                assertThat(restored.stateChecksum()).isEqualTo(reference.stateChecksum());
            }
        }
        assertThat(original.stateChecksum()).isEqualTo(reference.stateChecksum());
    }

    private static List<Step> steps(Random random, int count) {
        List<Step> steps = new ArrayList<>();
        long nowMs = 1_000 + random.nextInt(1_000);
        for (int i = 0; i < count; i++) {
            nowMs += random.nextInt(4);
            if (random.nextInt(10) == 0) {
                String key = key(random);
                KvCommand command = switch (random.nextInt(3)) {
                    case 0 -> KvCommand.put(key, "p" + random.nextInt(5));
                    case 1 -> KvCommand.append(key, "x");
                    default -> KvCommand.delete(key);
                };
                steps.add(new Step(nowMs, command.encode()));
                continue;
            }
            List<List<byte[]>> batch = new ArrayList<>();
            int commandCount = 1 + random.nextInt(4);
            for (int c = 0; c < commandCount; c++) batch.add(RedisTestClient.argv(command(random, nowMs)));
            steps.add(new Step(nowMs, RedisBatch.encode(batch)));
        }
        return steps;
    }

    private static String[] command(Random random, long nowMs) {
        String k = key(random);
        String v = "v" + random.nextInt(4);
        String ttl = String.valueOf(random.nextInt(12) - 1);
        return switch (random.nextInt(22)) {
            case 0 -> new String[] {"SET", k, v};
            case 1 -> new String[] {"SET", k, v, "PX", String.valueOf(1 + random.nextInt(10)), "GET"};
            case 2 -> new String[] {"SET", k, v, random.nextBoolean() ? "NX" : "XX", "KEEPTTL"};
            case 3 -> new String[] {"SET", k, v, "PXAT", String.valueOf(nowMs + random.nextInt(10) - 2)};
            case 4 -> new String[] {"GET", k};
            case 5 -> new String[] {"DEL", k, key(random)};
            case 6 -> new String[] {"INCR", "n"};
            case 7 -> new String[] {"INCRBY", k, String.valueOf(random.nextInt(100) - 50)};
            case 8 -> new String[] {"APPEND", k, v};
            case 9 -> new String[] {"PEXPIRE", k, ttl};
            case 10 -> new String[] {"PEXPIRE", k, ttl, random.nextBoolean() ? "GT" : "LT"};
            case 11 -> new String[] {"EXPIRE", k, String.valueOf(random.nextInt(3)), "NX"};
            case 12 -> new String[] {"PERSIST", k};
            case 13 -> new String[] {"PTTL", k};
            case 14 -> new String[] {"TTL", k};
            case 15 -> new String[] {"MSET", k, v, key(random), v};
            case 16 -> new String[] {"MSETNX", k, v, key(random), v};
            case 17 -> new String[] {"GETDEL", k};
            case 18 -> new String[] {"SCAN", "0", "COUNT", String.valueOf(1 + random.nextInt(3)), "MATCH", "[a-c]*"};
            case 19 -> new String[] {"PSETEX", k, String.valueOf(1 + random.nextInt(8)), v};
            case 20 -> new String[] {"EXISTS", k, k, key(random)};
            default -> random.nextInt(10) == 0 ? new String[] {"FLUSHALL"} : new String[] {"DBSIZE"};
        };
    }

    private static String key(Random random) {
        return KEYS[random.nextInt(KEYS.length)];
    }
}
