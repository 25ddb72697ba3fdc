package dev.viewstamp.server.cli;

import dev.viewstamp.check.KvHistory;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.sim.ModelTrace;
import dev.viewstamp.sim.SeedRun;
import dev.viewstamp.sim.SimResult;
import dev.viewstamp.sim.Simulator;
import dev.viewstamp.sim.Trace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vsr simulate}: runs seeds of the deterministic simulator and reports failing ones. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Runs the deterministic cluster simulator: each seed draws its own faults (loss, delay, " +
                "duplication, partitions, crashes), runs a workload, then heals every fault and checks " +
                "agreement, linearizability and convergence. One seed reproduces one run exactly."},
        footer = {"",
                "A failing seed is reported as safety, exception, liveness or undecided, with its faults and a " +
                "command that replays it; the run goes on with the next seed.",
                "",
                "Exit codes: 0 every seed passed; 2 usage error; 3 some seed violated safety (agreement, " +
                "linearizability, an invariant); 5 some seed threw an exception that is not an assertion; 4 some " +
                "seed failed liveness; 6 the checker could not decide some seed's history within its budget. " +
                "When seeds fail in several ways, the first of 3, 5, 4, 6 wins."})
final class SimulateCommand implements Callable<Integer> {
    static final int EXIT_SAFETY = 3;
    static final int EXIT_LIVENESS = 4;
    static final int EXIT_EXCEPTION = 5;
    static final int EXIT_UNDECIDED = 6;

    /**
     * Planted bugs, for tests of this command only: no option sets them, as {@link Canary} requires.
     */
    Set<Canary> canariesForTesting = Set.of();

    @Option(names = "--seed", paramLabel = "S",
            description = "First seed (default: a random one, printed). With --seeds N, runs seeds S..S+N-1.")
    Long seed;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
            description = "How many consecutive seeds to run (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--replicas", paramLabel = "3|5|7",
            description = "Replica count (default: each seed chooses 3 or 5; 7 only when asked, since some bugs need "
                    + "three replicas left behind in an old view).")
    Integer replicas;

    @Option(names = "--ticks", paramLabel = "T", defaultValue = "5000",
            description = "Ticks of the safety phase, with faults (default: ${DEFAULT-VALUE}).")
    int ticks;

    @Option(names = "--liveness-ticks", paramLabel = "T", defaultValue = "20000",
            description = "Ticks the cluster gets to converge once faults heal (default: ${DEFAULT-VALUE}).")
    int livenessTicks;

    @Option(names = "--jobs", paramLabel = "J",
            description = "Seeds to run in parallel (default: the number of processors).")
    Integer jobs;

    @Option(names = "--diskless", description = "Run the diskless mode: nothing survives a crash, so every restart "
            + "recovers from the cluster (at most one replica without its state at a time; no storage faults).")
    boolean diskless;

    @Option(names = "--fault-model", defaultValue = "swarm", paramLabel = "MODEL",
            converter = FaultModelConverter.class,
            description = "swarm (default): data faults on every zone of a faulty disk, within what the format survives, "
                    + "and a random subset of directed faults per seed. basic: the model before directed faults (data "
                    + "faults on the prepares only), under which a seed draws the faults it drew then.")
    Simulator.FaultModel faultModel;

    static final class FaultModelConverter implements CommandLine.ITypeConverter<Simulator.FaultModel> {
        @Override
        public Simulator.FaultModel convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "swarm" -> Simulator.FaultModel.SWARM;
                case "basic" -> Simulator.FaultModel.BASIC;
                default -> throw new CommandLine.TypeConversionException("expected swarm or basic, not '" + value + "'");
            };
        }
    }

    @Option(names = "--trace", description = "Print every message and state change of the seed (one seed only).")
    boolean trace;

    @Option(names = "--model-trace", paramLabel = "FILE",
            description = "Run the seed within the TLA+ model's scope (3 replicas, a few requests, no checkpoints, no "
                    + "data faults, no lost disks) and write its projection onto the model's variables to FILE, a TLA+ "
                    + "module TraceData for vsr-spec's ViewstampTrace.tla (one seed only; --ticks applies, --replicas, "
                    + "--diskless and --fault-model do not).")
    Path modelTrace;

    @Option(names = "--history-out", paramLabel = "DIR",
            description = "Write each failing seed's client history to DIR/seed-S.edn, which `vsr lincheck --format "
                    + "vsr-kv` reads (DIR is created if missing).")
    Path historyOut;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // The simulator runs with the expensive invariant checks on (set before the core's Verify
        // class loads), unless the caller says otherwise with -Dvsr.verify=false.
        System.setProperty("vsr.verify", System.getProperty("vsr.verify", "true"));
        CommandLine cli = spec.commandLine();
        if (seeds < 1) throw new CommandLine.ParameterException(cli, "--seeds must be at least 1");
        if (replicas != null && replicas != 3 && replicas != 5 && replicas != 7) {
            throw new CommandLine.ParameterException(cli, "--replicas must be 3, 5 or 7");
        }
        if (ticks < 1 || livenessTicks < 1) throw new CommandLine.ParameterException(cli, "ticks must be positive");
        if (trace && seeds != 1) throw new CommandLine.ParameterException(cli, "--trace needs a single seed (--seeds 1)");
        if (modelTrace != null && seeds != 1) {
            throw new CommandLine.ParameterException(cli, "--model-trace needs a single seed (--seeds 1)");
        }
        if (historyOut != null) {
            try {
                Files.createDirectories(historyOut);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cli, "--history-out " + historyOut + ": cannot create: " + e);
            }
        }
        long first = seed != null ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE;
        Simulator.Options options = new Simulator.Options(replicas == null ? 0 : replicas, ticks, livenessTicks,
                canariesForTesting, diskless, faultModel);
        PrintWriter out = cli.getOut();
        PrintWriter err = cli.getErr();

        if (modelTrace != null) return writeModelTrace(first, out, err);

        if (trace) {
            SimResult result = SeedRun.runSeed(first, options, Trace.to(out));
            out.flush();
            report(result, options, out, err);
            return summarize(SeedRun.Summary.of(result), first, 0, out);
        }

        long started = System.nanoTime();
        long[] lastProgress = {started};
        int[] done = {0};
        int parallel = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        SeedRun.Summary summary = SeedRun.run(first, seeds, options, parallel, result -> {
            done[0]++;
            if (!result.passed()) report(result, options, out, err);
            long nowNanos = System.nanoTime();
            if (nowNanos - lastProgress[0] > 10_000_000_000L) {
                lastProgress[0] = nowNanos;
                err.printf(Locale.ROOT, "simulate: %d/%d seeds, %.0f s%n", done[0], seeds, (nowNanos - started) / 1e9);
                err.flush();
            }
        });
        return summarize(summary, first, System.nanoTime() - started, out);
    }

    /** The seed within the model's scope, its {@link ModelTrace} written to {@link #modelTrace}. */
    private int writeModelTrace(long seed, PrintWriter out, PrintWriter err) {
        Simulator.Options options = Simulator.Options.modelScope(ticks).withCanaries(canariesForTesting);
        ModelTrace model = new ModelTrace();
        SimResult result = new Simulator(seed, options, trace ? Trace.to(out) : null, model).run();
        out.flush();
        report(result, options, out, err);
        try {
            if (modelTrace.getParent() != null) Files.createDirectories(modelTrace.getParent());
            Files.writeString(modelTrace, model.toTla("TraceData", "vsr simulate --seed " + seed + " --ticks " + ticks
                    + " --model-trace: " + model.lines().size() + " lines, pipeline " + model.pipeline() + ", views to "
                    + model.viewMax() + ", ops to " + model.opMax() + ", " + model.restarts() + " restarts."));
        } catch (IOException e) {
            err.println("vsr simulate: cannot write " + modelTrace + ": " + e);
            err.flush();
            return 1;
        }
        out.printf(Locale.ROOT, "model trace: %d lines (pipeline %d, views to %d, ops to %d, %d restarts) in %s%n",
                model.lines().size(), model.pipeline(), model.viewMax(), model.opMax(), model.restarts(), modelTrace);
        return summarize(SeedRun.Summary.of(result), seed, 0, out);
    }

    private void report(SimResult result, Simulator.Options options, PrintWriter out, PrintWriter err) {
        if (result.passed()) return;
        String kind = switch (result.outcome()) {
            case PASSED -> throw new AssertionError("a passed seed is not reported");
            case SAFETY -> "safety";
            case LIVENESS -> "liveness";
            case EXCEPTION -> "exception";
            case UNDECIDED -> "undecided";
        };
        String failure = "FAIL seed=" + result.seed() + " " + kind + ": " + result.message();
        String replay = "vsr simulate --seed " + result.seed() + " --replicas " + result.mix().replicaCount()
                + " --ticks " + options.safetyTicks() + " --liveness-ticks " + options.livenessTicksMax()
                + (options.diskless() ? " --diskless" : "")
                + (options.faultModel() == Simulator.FaultModel.BASIC && !options.modelScope() ? " --fault-model basic" : "")
                + (options.modelScope() ? " --model-trace FILE" : "") + " --trace";
        out.println(failure);
        out.println("  faults: " + result.faults());
        out.println("  replay: " + replay);
        if (historyOut != null) {
            Path file = historyOut.resolve("seed-" + result.seed() + ".edn");
            try {
                KvHistory.write(file, List.of(failure, "faults: " + result.faults(), "replay: " + replay,
                        "check: vsr lincheck --format vsr-kv " + file.getFileName()), result.history());
                out.println("  history: " + file);
            } catch (IOException e) {
                // The failure itself is reported above; a history that cannot be written is not a
                // reason to stop the run.
                err.println("vsr simulate: cannot write " + file + ": " + e);
                err.flush();
            }
        }
        out.flush();
    }

    private static int summarize(SeedRun.Summary s, long first, long nanos, PrintWriter out) {
        out.printf(Locale.ROOT, "coverage: %s%n", s.coverage());
        out.printf(Locale.ROOT, "storage: %s%n", s.coverage().storageSummary());
        out.printf(Locale.ROOT, "directed: %s%n", s.coverage().directedSummary());
        out.printf(Locale.ROOT, "simulate: seeds=%d passed=%d failed=%d ops=%d view_changes=%d crashes=%d "
                + "checkpoints=%d compactions=%d state_syncs=%d first_seed=%d%s%n",
                s.seeds(), s.passed(), s.failed(), s.opsCommitted(), s.viewChanges(), s.crashes(),
                s.coverage().checkpoints, s.coverage().compactions, s.coverage().stateSyncs, first,
                nanos > 0 ? String.format(Locale.ROOT, " time=%.1fs", nanos / 1e9) : "");
        out.flush();
        return exitCode(s);
    }

    /** The worst failure wins: safety, then an exception, then liveness, then an undecided history. */
    static int exitCode(SeedRun.Summary s) {
        if (s.safetyFailures() > 0) return EXIT_SAFETY;
        if (s.exceptionFailures() > 0) return EXIT_EXCEPTION;
        if (s.livenessFailures() > 0) return EXIT_LIVENESS;
        if (s.undecided() > 0) return EXIT_UNDECIDED;
        return 0;
    }
}
