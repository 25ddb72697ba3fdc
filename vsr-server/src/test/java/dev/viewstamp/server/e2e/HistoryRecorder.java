package dev.viewstamp.server.e2e;

import dev.viewstamp.check.Operation;
import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A key-value workload from concurrent workers over one {@link KvClient}, recorded as a history for
 * vsr-check's linearizability checker: each operation with the times it was invoked and answered
 * (nanoseconds of one clock), and {@link Operation.Outcome#UNKNOWN} when the client cannot say
 * whether it executed (a timeout, an evicted session, an unreachable cluster). Values are unique,
 * so the checker can tell every write apart.
 */
final class HistoryRecorder {

    private final KvClient kv;
    private final int workers;
    private final int keys;
    private final List<Operation> history = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong okCount = new AtomicLong();
    private final AtomicLong unknownCount = new AtomicLong();
    private final AtomicLong values = new AtomicLong();
    private final CountDownLatch stopped;

    HistoryRecorder(KvClient kv, int workers, int keys) {
        this.kv = kv;
        this.workers = workers;
        this.keys = keys;
        this.stopped = new CountDownLatch(workers);
    }

    void start() {
        for (int w = 0; w < workers; w++) next(w);
    }

    /** Stops issuing operations and waits for the ones in flight to end. */
    void stop() throws InterruptedException {
        stop.set(true);
        stopped.await();
    }

    /**
     * After {@link #stop}: reads every key once more and records the reads, so that the checker
     * holds the end state to the history too: every acknowledged write reads back, unless a later
     * one (acknowledged or of unknown outcome) replaced it.
     */
    void readBack() throws Exception {
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            long invoked = System.nanoTime();
            String read = kv.get(key).get(30, java.util.concurrent.TimeUnit.SECONDS);
            record(Operation.get(workers, key, read, invoked, System.nanoTime()));
        }
    }

    long ok() {
        return okCount.get();
    }

    long unknown() {
        return unknownCount.get();
    }

    synchronized List<Operation> history() {
        return new ArrayList<>(history);
    }

    private synchronized void record(Operation op) {
        history.add(op);
    }

    /** The worker's next operation, started when its last one ended. */
    private void next(int worker) {
        if (stop.get()) {
            stopped.countDown();
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String key = "k" + random.nextInt(keys);
        String value = "w" + worker + "." + values.incrementAndGet();
        int dice = random.nextInt(10);
        long invoked = System.nanoTime();
        CompletableFuture<?> future;
        if (dice < 4) {
            future = kv.get(key).whenComplete((read, error) -> {
                if (error == null) record(Operation.get(worker, key, read, invoked, System.nanoTime()));
            });
        } else if (dice < 7) {
            future = kv.put(key, value).whenComplete((ok, error) -> {
                if (error == null) record(Operation.put(worker, key, value, invoked, System.nanoTime()));
                else if (unknown(error)) record(Operation.putUnknown(worker, key, value, invoked));
            });
        } else if (dice < 9) {
            future = kv.append(key, "+" + value).whenComplete((ok, error) -> {
                if (error == null) record(Operation.append(worker, key, "+" + value, invoked, System.nanoTime()));
                else if (unknown(error)) record(Operation.appendUnknown(worker, key, "+" + value, invoked));
            });
        } else {
            String expected = "w" + random.nextInt(workers) + "." + Math.max(1, values.get() - random.nextInt(20));
            future = kv.compareAndSet(key, expected, value).whenComplete((set, error) -> {
                long now = System.nanoTime();
                if (error == null) {
                    record(set ? Operation.casOk(worker, key, expected, value, invoked, now)
                            : Operation.casFail(worker, key, expected, value, invoked, now));
                } else if (unknown(error)) {
                    record(Operation.casUnknown(worker, key, expected, value, invoked));
                }
            });
        }
        future.whenComplete((ok, error) -> {
            if (error == null) okCount.incrementAndGet();
            else unknownCount.incrementAndGet();
            next(worker);
        });
    }

    /** True when the failure leaves the outcome unknown (else the operation certainly did not execute). */
    private static boolean unknown(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return !(cause instanceof VsrClientException e) || !e.outcomeKnown();
    }
}
