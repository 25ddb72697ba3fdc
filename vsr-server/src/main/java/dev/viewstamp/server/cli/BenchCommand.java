package dev.viewstamp.server.cli;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.net.NettyClientTransport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vsr bench}: closed-loop puts against a running cluster, with latency percentiles. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs closed-loop load against a running cluster's key-value service: each of --clients "
                + "sessions puts a value of --value-bytes to a random key of --keys, waits for the reply, and puts the "
                + "next. A progress line each second; the last line is",
            "  bench: clients=C ops=N ops_per_s=X p50_ms=X p99_ms=X p999_ms=X",
            "with the latency of each put, from its submission to its reply (HdrHistogram)."},
        footer = {"", "Exit codes: 0 done; 1 some operations failed (counted, not timed); 2 usage error; 3 the "
                + "cluster could not be reached."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--cluster", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "The replicas' addresses, in replica order.")
    List<String> cluster;

    @Option(names = "--clients", defaultValue = "16", paramLabel = "C",
            description = "Concurrent sessions, each with one request outstanding (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--ops", paramLabel = "N", description = "Stop after N operations.")
    Long opsMax;

    @Option(names = "--seconds", paramLabel = "S",
            description = "Stop after S seconds (default: 10, when --ops is not given either).")
    Integer seconds;

    @Option(names = "--value-bytes", defaultValue = "64", paramLabel = "B",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--keys", defaultValue = "100000", paramLabel = "K",
            description = "Distinct keys the puts go to (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--warmup-seconds", defaultValue = "2", paramLabel = "S",
            description = "Load before measuring starts, not counted (default: ${DEFAULT-VALUE}). Replicas just "
                    + "started compile their hot paths during the first 15 to 20 seconds of load: give 20 to measure "
                    + "the steady state.")
    int warmupSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (clients < 1 || valueBytes < 0 || keys < 1 || (opsMax != null && opsMax < 1) || (seconds != null && seconds < 1)) {
            System.err.println("vsr bench: --clients, --keys, --ops and --seconds must be positive");
            return 2;
        }
        long durationNanos = TimeUnit.SECONDS.toNanos(seconds != null ? seconds : opsMax != null ? 3_600 : 10);
        long opsLimit = opsMax != null ? opsMax : Long.MAX_VALUE;
        NettyClientTransport transport;
        try {
            transport = new NettyClientTransport(NettyClientTransport.LEARN_CLUSTER, Addresses.parse(cluster), 64 << 20);
        } catch (IllegalArgumentException e) {
            System.err.println("vsr bench: " + e.getMessage());
            return 2;
        }
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'v');
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong started = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(clients);
        try (KvClient kv = new KvClient(VsrClient.builder(transport).sessions(clients)
                .requestTimeout(Duration.ofSeconds(30)).unavailableAfter(Duration.ofSeconds(10)).build())) {
            // Warm-up: the same load, not measured, so connections, JIT and the cluster settle.
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            Loop warmup = new Loop(kv, value, warmupEnd, Long.MAX_VALUE, null, new AtomicLong(), failed, new AtomicLong(),
                    new CountDownLatch(clients));
            for (int c = 0; c < clients; c++) warmup.next();
            warmup.finished.await();
            if (failed.get() > 0 && failed.get() >= warmup.done.get()) {
                System.err.println("vsr bench: the cluster at " + String.join(",", cluster) + " did not answer");
                return 3;
            }
            failed.set(0);

            long begin = System.nanoTime();
            Loop loop = new Loop(kv, value, begin + durationNanos, opsLimit, latency, done, failed, started, finished);
            for (int c = 0; c < clients; c++) loop.next();
            long lastDone = 0;
            while (!finished.await(1, TimeUnit.SECONDS)) {
                long now = done.get();
                out.printf("  [%4.0fs] ops=%d ops/s=%d p99_ms=%.2f%n", (System.nanoTime() - begin) / 1e9, now, now - lastDone,
                        latency.getValueAtPercentile(99) / 1000.0);
                out.flush();
                lastDone = now;
            }
            double elapsed = (System.nanoTime() - begin) / 1e9;
            if (failed.get() > 0) System.err.println("vsr bench: " + failed.get() + " operations failed");
            out.printf("bench: clients=%d ops=%d ops_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f%n", clients, done.get(),
                    done.get() / elapsed, latency.getValueAtPercentile(50) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0);
            out.flush();
            return failed.get() > 0 ? 1 : 0;
        }
    }

    /** Closed-loop puts: each completion starts the next, until the deadline or the op limit. */
    private final class Loop {
        final KvClient kv;
        final byte[] value;
        final long deadlineNanos;
        final long opsLimit;
        final Histogram latency;
        final AtomicLong done;
        final AtomicLong failed;
        final AtomicLong started;
        final CountDownLatch finished;

        Loop(KvClient kv, byte[] value, long deadlineNanos, long opsLimit, Histogram latency, AtomicLong done,
                AtomicLong failed, AtomicLong started, CountDownLatch finished) {
            this.kv = kv;
            this.value = value;
            this.deadlineNanos = deadlineNanos;
            this.opsLimit = opsLimit;
            this.latency = latency;
            this.done = done;
            this.failed = failed;
            this.started = started;
            this.finished = finished;
        }

        void next() {
            if (System.nanoTime() >= deadlineNanos || started.incrementAndGet() > opsLimit) {
                finished.countDown();
                return;
            }
            byte[] key = ("key-" + ThreadLocalRandom.current().nextInt(keys)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            kv.put(key, value).whenComplete((ok, error) -> {
                if (error == null) {
                    if (latency != null) latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                    done.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                    if (cause instanceof dev.viewstamp.client.VsrClientException.Closed
                            || cause instanceof dev.viewstamp.client.VsrClientException.Unavailable) {
                        finished.countDown(); // nothing more will succeed
                        return;
                    }
                }
                next();
            });
        }
    }
}
