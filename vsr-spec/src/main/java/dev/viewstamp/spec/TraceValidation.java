package dev.viewstamp.spec;

import dev.viewstamp.sim.ModelTrace;
import dev.viewstamp.sim.SimResult;
import dev.viewstamp.sim.Simulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trace validation: runs a simulator seed within the model's scope ({@link Simulator.Options#modelScope}),
 * writes what it did as a {@link ModelTrace}, and asks TLC whether some behaviour of {@code Viewstamp.tla}
 * passes through every line of it ({@code ViewstampTrace.tla}). A seed that the model cannot reproduce means
 * the code and the model disagree: one of them changed without the other, or the model abstracts something
 * the code does differently.
 *
 * <p>Run many seeds with {@link #main}; {@code TraceValidationTest} runs a few in the build.
 */
public final class TraceValidation {

    /** The safety phase of a model-scope run, in ticks: long enough for crashes and several view changes. */
    public static final int SAFETY_TICKS = 2_000;

    /** What one seed gave. {@code reachedLine} is the last trace line some model behaviour reached. */
    public record Outcome(long seed, SimResult.Outcome simulation, ModelTrace trace, boolean reproduced,
            int reachedLine, TlcResult tlc) {

        public int lines() {
            return trace.lines().size();
        }

        public String summary() {
            return String.format(Locale.ROOT, "seed %d: %s, %d lines (P=%d, views to %d, ops to %d, %d restarts), "
                            + "%s, %d distinct states, %.1f s",
                    seed, reproduced ? "reproduced" : "NOT reproduced (TLC " + tlc.outcome()
                            + "; the model follows it to line " + reachedLine + ")",
                    lines(), trace.pipeline(), trace.viewMax(), trace.opMax(), trace.restarts(), simulation,
                    tlc.distinctStates(), tlc.wallTime().toMillis() / 1000.0);
        }
    }

    private static final Pattern REACHED = Pattern.compile("<<\"TraceReached\", (\\d+)>>");

    private final Path specDir;
    private final Duration timeBox;
    private int safetyTicks = SAFETY_TICKS;
    private Path keepDir;

    /** {@code specDir} holds Viewstamp.tla and ViewstampTrace.tla; each TLC run is killed after {@code timeBox}. */
    public TraceValidation(Path specDir, Duration timeBox) {
        this.specDir = specDir;
        this.timeBox = timeBox;
    }

    public TraceValidation safetyTicks(int ticks) {
        this.safetyTicks = ticks;
        return this;
    }

    /**
     * Keeps each seed's files in {@code dir/seed-S} (the specs, TraceData.tla, the configuration and TLC's output
     * in tlc.out) instead of deleting them, to rerun TLC by hand on a seed that failed.
     */
    public TraceValidation keepIn(Path dir) {
        this.keepDir = dir;
        return this;
    }

    /** Runs seed {@code seed} in the simulator and checks its trace against the model (one TLC worker). */
    public Outcome validate(long seed) {
        ModelTrace trace = new ModelTrace();
        SimResult result = new Simulator(seed, Simulator.Options.modelScope(safetyTicks), null, trace).run();
        return check(seed, result.outcome(), trace, UnaryOperator.identity());
    }

    /**
     * Checks {@code trace} against the model, its TLA+ module first passed through {@code edit} (the tests
     * plant impossible lines with it, to see that the check can fail).
     */
    Outcome check(long seed, SimResult.Outcome simulation, ModelTrace trace, UnaryOperator<String> edit) {
        Path dir;
        try {
            if (keepDir != null) {
                dir = keepDir.resolve("seed-" + seed);
                Files.createDirectories(dir);
            } else {
                dir = Files.createTempDirectory("vsr-trace-" + seed + "-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory for seed " + seed + "'s trace", e);
        }
        try {
            write(dir, seed, trace, edit);
            TlcResult tlc = Tlc.of(dir.resolve("ViewstampTrace.tla")).workers(1).checkDeadlock(false).timeBox(timeBox)
                    .run();
            boolean reproduced = tlc.outcome() == TlcResult.Outcome.INVARIANT_VIOLATED
                    && tlc.violated().equals("TraceNotDone");
            int reached = 1;
            for (Matcher m = REACHED.matcher(tlc.output()); m.find(); ) {
                reached = Math.max(reached, Integer.parseInt(m.group(1)));
            }
            if (keepDir != null) Files.writeString(dir.resolve("tlc.out"), tlc.output());
            return new Outcome(seed, simulation, trace, reproduced, reached, tlc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep TLC's output in " + dir, e);
        } finally {
            if (keepDir == null) deleteTree(dir);
        }
    }

    /** Writes the specifications, the trace module and the configuration for one seed into {@code dir}. */
    void write(Path dir, long seed, ModelTrace trace, UnaryOperator<String> edit) {
        try {
            for (String spec : List.of("Viewstamp.tla", "ViewstampTrace.tla")) {
                Files.copy(specDir.resolve(spec), dir.resolve(spec), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(dir.resolve("TraceData.tla"), edit.apply(trace.toTla("TraceData",
                    "vsr-sim's ModelTrace of seed " + seed + " within the model's scope (" + safetyTicks
                            + " ticks of faults).")));
            Files.writeString(dir.resolve("ViewstampTrace.cfg"), config(trace));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write seed " + seed + "'s trace into " + dir, e);
        }
    }

    /** The model's constants from what the trace reaches; the send-only actions give way to Pool. */
    static String config(ModelTrace trace) {
        return "\\* Written by TraceValidation.\n"
                + "CONSTANTS\n"
                + "    N = " + trace.replicaCount() + "\n"
                + "    P = " + trace.pipeline() + "\n"
                + "    MaxView = " + trace.viewMax() + "\n"
                + "    MaxOp = " + trace.opMax() + "\n"
                + "    MaxCrash = " + trace.restarts() + "\n"
                + "    MaxDamage = 0\n"
                + "    MaxLost = 0\n"
                + "    CheckpointEvery = 0\n"
                + "    Mutant = \"none\"\n"
                + "    MaxSteps = 0\n"
                + "    FreeMax = " + (trace.pipeline() + 1) + "\n"
                + "    Pool <- TracePool\n"
                + "    RetransmitPrepare <- NoSend\n"
                + "    SendCommit <- NoSend\n"
                + "    ResendDoViewChange <- NoSend\n"
                + "    ResendStartView <- NoSend\n"
                + "    OnGetState <- NoAnswer\n"
                + "INIT TraceInit\n"
                + "NEXT TraceSteps\n"
                + "VIEW TraceView\n"
                + "INVARIANT TraceNotDone\n";
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        } catch (IOException e) {
            // A leftover temporary directory is not worth failing a validation for.
        }
    }

    /** The command line {@link #main} takes. */
    public static final String USAGE = """
            usage: TraceValidation --spec-dir DIR [--first-seed S] [--seeds N] [--jobs J] [--minutes M] [--ticks T]
              --spec-dir    the directory with Viewstamp.tla and ViewstampTrace.tla (vsr-spec/src/main/tla)
              --first-seed  the first seed (default 1); seeds S .. S+N-1 run
              --seeds       how many seeds (default 200)
              --jobs        seeds checked at once, one TLC worker each (default: the cores)
              --minutes     time box of each seed's TLC run (default 10)
              --ticks       the simulator's safety phase per seed (default 2000)
              --keep DIR    keep each seed's specs, trace, configuration and TLC output in DIR/seed-S""";

    /**
     * Validates seeds {@code S .. S+N-1} and prints a line per seed and a summary; exits 0 when every seed was
     * reproduced, 1 when one was not, 2 on bad arguments.
     */
    public static void main(String[] args) throws Exception {
        Path specDir = null;
        long first = 1;
        int seeds = 200;
        int jobs = Runtime.getRuntime().availableProcessors();
        double minutes = 10;
        int ticks = SAFETY_TICKS;
        Path keep = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) throw new IllegalArgumentException(args[i] + " needs a value");
                switch (args[i]) {
                    case "--spec-dir" -> specDir = Path.of(value);
                    case "--first-seed" -> first = Long.parseLong(value);
                    case "--seeds" -> seeds = Integer.parseInt(value);
                    case "--jobs" -> jobs = Integer.parseInt(value);
                    case "--minutes" -> minutes = Double.parseDouble(value);
                    case "--ticks" -> ticks = Integer.parseInt(value);
                    case "--keep" -> keep = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
                i++;
            }
            if (specDir == null) throw new IllegalArgumentException("--spec-dir is required");
            if (seeds < 1 || jobs < 1 || ticks < 1 || !(minutes > 0)) {
                throw new IllegalArgumentException("--seeds, --jobs, --ticks and --minutes must be positive");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("TraceValidation: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        TraceValidation validation = new TraceValidation(specDir, Duration.ofMillis(Math.round(minutes * 60_000)))
                .safetyTicks(ticks);
        if (keep != null) validation.keepIn(keep);
        long started = System.nanoTime();
        List<Future<Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(jobs)) {
            for (long seed = first; seed < first + seeds; seed++) {
                long s = seed;
                futures.add(pool.submit(() -> {
                    Outcome outcome = validation.validate(s);
                    synchronized (System.out) {
                        System.out.println(outcome.summary());
                    }
                    return outcome;
                }));
            }
            int failed = 0;
            long lines = 0;
            long states = 0;
            for (Future<Outcome> future : futures) {
                Outcome outcome = future.get();
                if (!outcome.reproduced()) failed++;
                lines += outcome.lines();
                states += Math.max(0, outcome.tlc().distinctStates());
            }
            System.out.printf(Locale.ROOT, "trace validation: seeds=%d reproduced=%d failed=%d lines=%d "
                            + "distinct_states=%d first_seed=%d time=%.0fs%n", seeds, seeds - failed, failed, lines, states,
                    first, (System.nanoTime() - started) / 1e9);
            System.exit(failed == 0 ? 0 : 1);
        }
    }
}
