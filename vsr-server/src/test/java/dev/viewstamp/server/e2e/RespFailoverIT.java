package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.check.LinearizabilityChecker;
import dev.viewstamp.check.Operation;
import dev.viewstamp.check.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A RESP workload from eight concurrent Jedis connections, spread over the three replicas, while
 * the primary is killed with SIGKILL and restarted: GET, SET and APPEND of unique values on a few
 * keys, recorded with their times. A command that fails (a connection lost with its replica, an
 * error reply) has an unknown outcome, and its worker reconnects to another replica. The history,
 * with every key read back at the end, is linearizable (vsr-check's checker), and every replica
 * ends with the same commit and state.
 */
class RespFailoverIT {

    private static final int WORKERS = 8;
    private static final int KEYS = 6;

    @TempDir
    Path dir;

    @Test
    void aRespWorkloadThroughAKilledAndRestartedPrimaryIsLinearizable() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 256).withResp()) {
            cluster.startAllServing();
            int first = cluster.primary(Duration.ofSeconds(30));
            List<Operation> history = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            AtomicLong unknown = new AtomicLong();
            AtomicLong values = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                workers.add(Thread.ofPlatform().name("resp-worker-" + w).start(
                        () -> work(cluster, worker, stop, history, ok, unknown, values)));
            }
            phase(ok);
            cluster.kill(first);
            int second = cluster.primary(Duration.ofSeconds(30));
            assertThat(second).isNotEqualTo(first);
            phase(ok);
            cluster.start(first);
            phase(ok);
            stop.set(true);
            for (Thread t : workers) t.join(TimeUnit.SECONDS.toMillis(60));
            // Every replica is back (its status line follows its front end's start): read back through the old primary.
            List<ProcessCluster.Status> statuses = cluster.awaitConvergence(1, Duration.ofSeconds(60));

            DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().socketTimeoutMillis(20_000).build();
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", cluster.respPort(first)), config)) {
                for (int k = 0; k < KEYS; k++) {
                    long invoked = System.nanoTime();
                    String read = jedis.get("k" + k);
                    synchronized (history) {
                        history.add(Operation.get(WORKERS, "k" + k, read, invoked, System.nanoTime()));
                    }
                }
            }
            Result verdict = new LinearizabilityChecker().check(history, null);
            assertThat(verdict.isLinearizable()).as("%s on key %s: %s (%d ops, %d unknown)", verdict.verdict(),
                    verdict.key(), verdict.explanation(), history.size(), unknown.get()).isTrue();
            System.out.printf("resp failover: %d ops (%d unknown), converged at %s%n", history.size(), unknown.get(),
                    statuses);
        }
    }

    /** Lets the load run 3 s, and checks that at least 200 operations completed meanwhile (waiting up to 60 s more). */
    private static void phase(AtomicLong ok) throws InterruptedException {
        long target = ok.get() + 200;
        TimeUnit.SECONDS.sleep(3);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ok.get() < target && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(20);
        assertThat(ok.get()).as("operations completed").isGreaterThanOrEqualTo(target);
    }

    private static void work(ProcessCluster cluster, int worker, AtomicBoolean stop, List<Operation> history,
            AtomicLong ok, AtomicLong unknown, AtomicLong values) {
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000)
                .connectionTimeoutMillis(1_000).build();
        int replica = worker % 3;
        Jedis jedis = null;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            if (jedis == null) {
                try {
                    jedis = new Jedis(new HostAndPort("127.0.0.1", cluster.respPort(replica)), config);
                    jedis.ping();
                } catch (JedisException e) {
                    if (jedis != null) jedis.close();
                    jedis = null;
                    replica = (replica + 1) % 3;
                    sleep(50);
                    continue;
                }
            }
            String key = "k" + random.nextInt(KEYS);
            String value = "w" + worker + "." + values.incrementAndGet();
            int dice = random.nextInt(10);
            long invoked = System.nanoTime();
            Operation done;
            try {
                if (dice < 4) {
                    String read = jedis.get(key);
                    done = Operation.get(worker, key, read, invoked, System.nanoTime());
                } else if (dice < 7) {
                    jedis.set(key, value);
                    done = Operation.put(worker, key, value, invoked, System.nanoTime());
                } else {
                    jedis.append(key, "+" + value);
                    done = Operation.append(worker, key, "+" + value, invoked, System.nanoTime());
                }
                ok.incrementAndGet();
            } catch (JedisException e) {
                // Lost with its replica, timed out, or an error reply: it may have executed.
                done = dice < 4 ? null : dice < 7 ? Operation.putUnknown(worker, key, value, invoked)
                        : Operation.appendUnknown(worker, key, "+" + value, invoked);
                unknown.incrementAndGet();
                jedis.close();
                jedis = null;
                replica = (replica + 1) % 3;
            }
            if (done != null) {
                synchronized (history) {
                    history.add(done);
                }
            }
        }
        if (jedis != null) jedis.close();
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
