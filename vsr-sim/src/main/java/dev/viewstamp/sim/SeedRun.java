package dev.viewstamp.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs a range of seeds, several at a time on separate threads (each seed is single-threaded and
 * deterministic on its own), and reports results in seed order.
 */
public final class SeedRun {

    /** Totals over a run. */
    public record Summary(int seeds, int passed, int safetyFailures, int livenessFailures, long opsCommitted,
            long viewChanges, long crashes, Coverage coverage) {
        public int failed() {
            return safetyFailures + livenessFailures;
        }
    }

    private SeedRun() {}

    public static Summary run(long firstSeed, int count, Simulator.Options options, int jobs, Consumer<SimResult> onResult) {
        Coverage coverage = new Coverage();
        int passed = 0, safety = 0, liveness = 0;
        long ops = 0, views = 0, crashes = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs), runnable -> {
            Thread thread = new Thread(runnable, "vsr-sim");
            thread.setDaemon(true);
            return thread;
        });
        try {
            // A bounded window of seeds in flight keeps memory flat however many seeds run.
            int window = Math.max(1, jobs) * 4;
            List<Future<SimResult>> inFlight = new ArrayList<>();
            long next = 0;
            while (next < count || !inFlight.isEmpty()) {
                while (next < count && inFlight.size() < window) {
                    long seed = firstSeed + next++;
                    inFlight.add(pool.submit(() -> new Simulator(seed, options, null).run()));
                }
                SimResult result = inFlight.remove(0).get();
                switch (result.outcome()) {
                    case PASSED -> passed++;
                    case SAFETY -> safety++;
                    case LIVENESS -> liveness++;
                }
                ops += result.opsCommitted();
                views += result.viewChanges();
                crashes += result.crashes();
                coverage.add(result.coverage());
                onResult.accept(result);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("simulator crashed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Summary(count, passed, safety, liveness, ops, views, crashes, coverage);
    }
}
