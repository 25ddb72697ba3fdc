package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs a range of seeds, several at a time on separate threads (each seed is single-threaded and
 * deterministic on its own), and reports results in seed order. A seed that throws fails on its
 * own; the run goes on with the next.
 */
public final class SeedRun {

    /** Stack frames of an exception that a failure report shows. */
    private static final int FRAME_COUNT_SHOWN_MAX = 8;

    /** Totals over a run. */
    public record Summary(int seeds, int passed, int safetyFailures, int livenessFailures, int exceptionFailures,
            int undecided, long opsCommitted, long viewChanges, long crashes, Coverage coverage) {
        public int failed() {
            return safetyFailures + livenessFailures + exceptionFailures + undecided;
        }

        /** The totals of one seed's result. */
        public static Summary of(SimResult result) {
            Totals totals = new Totals();
            totals.add(result);
            return totals.summary(1);
        }
    }

    private SeedRun() {}

    public static Summary run(long firstSeed, int count, Simulator.Options options, int jobs, Consumer<SimResult> onResult) {
        Totals totals = new Totals();
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
                    inFlight.add(pool.submit(() -> runSeed(seed, options, null)));
                }
                SimResult result = inFlight.remove(0).get();
                totals.add(result);
                onResult.accept(result);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            // runSeed catches what a seed throws; this is a bug of the run itself.
            throw new IllegalStateException("seed run failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return totals.summary(count);
    }

    /**
     * Runs one seed. Whatever escapes {@link Simulator#run} (an exception while it is built or
     * while the history is checked, a stack overflow) fails the seed as an {@link
     * SimResult.Outcome#EXCEPTION}, with the fault mix the seed draws first, so it still gets its
     * replay line.
     */
    public static SimResult runSeed(long seed, Simulator.Options options, Trace trace) {
        try {
            return new Simulator(seed, options, trace).run();
        } catch (RuntimeException | Error e) {
            FaultMix mix = FaultMix.draw(new Prng(seed), options.replicaCount());
            Coverage coverage = new Coverage();
            coverage.seeds = 1;
            return new SimResult(seed, mix, mix.describe(), SimResult.Outcome.EXCEPTION, describe(e), 0, 0, 0, 0,
                    coverage, 0, List.of());
        }
    }

    /** An exception for a failure report: its class and message, and where it was thrown. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.toString());
        StackTraceElement[] frames = e.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, FRAME_COUNT_SHOWN_MAX); i++) {
            text.append("\n    at ").append(frames[i]);
        }
        if (frames.length > FRAME_COUNT_SHOWN_MAX) {
            text.append("\n    ... ").append(frames.length - FRAME_COUNT_SHOWN_MAX).append(" more");
        }
        if (e.getCause() != null) text.append("\n  caused by ").append(e.getCause());
        return text.toString();
    }

    /** Adds up results. */
    private static final class Totals {
        private final Coverage coverage = new Coverage();
        private int passed, safety, liveness, exception, undecided;
        private long ops, views, crashes;

        void add(SimResult result) {
            switch (result.outcome()) {
                case PASSED -> passed++;
                case SAFETY -> safety++;
                case LIVENESS -> liveness++;
                case EXCEPTION -> exception++;
                case UNDECIDED -> undecided++;
            }
            ops += result.opsCommitted();
            views += result.viewChanges();
            crashes += result.crashes();
            coverage.add(result.coverage());
        }

        Summary summary(int seeds) {
            return new Summary(seeds, passed, safety, liveness, exception, undecided, ops, views, crashes, coverage);
        }
    }
}
