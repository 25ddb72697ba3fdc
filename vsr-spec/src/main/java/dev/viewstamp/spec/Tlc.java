package dev.viewstamp.spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs TLC, the TLA+ model checker, on one specification and configuration in a child JVM: TLC calls
 * System.exit and keeps static state, so it never runs in the caller's JVM. The child is the caller's own
 * {@code java} (from {@code java.home}) with the jar that holds {@code tlc2.TLC} as its class path.
 *
 * <p>Each run gets a fresh temporary directory, deleted afterwards, for TLC's {@code -metadir} (its state
 * queue and fingerprints) and as the child's {@code java.io.tmpdir} (where TLC unpacks the standard modules),
 * so a run writes nothing next to the specification, and two runs never share TLC's time-named state
 * directory. A run is bounded by a wall-clock time box, after which the child is killed and the result is
 * {@link TlcResult.Outcome#TIMED_OUT}; {@link #stopAfter} asks TLC itself to stop earlier and still print its
 * figures.
 *
 * <p>Configure with the fluent setters, then {@link #run()}; like {@link ProcessBuilder}, an instance is
 * mutable and may be run more than once. {@link #main} runs one check from the command line (README.md).
 */
public final class Tlc {
    /** Breadth-first model checking of every reachable state, or random simulation of behaviours. */
    public enum Mode { EXHAUSTIVE, SIMULATION }

    /** The fully qualified name of TLC's entry point. */
    public static final String MAIN_CLASS = "tlc2.TLC";

    private final Path spec;
    private Path config;
    private Mode mode = Mode.EXHAUSTIVE;
    private int depth = 100;
    private long traces;
    private Duration stopAfter;
    private Long seed;
    private int workers = 1;
    private Duration timeBox = Duration.ofMinutes(10);
    private boolean checkDeadlock;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>(List.of("-XX:+UseParallelGC"));
    private Path workRoot;
    private PrintStream echo;

    private Tlc(Path spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.config = sibling(spec, ".cfg");
    }

    /** A run of {@code spec} (a .tla file) with the .cfg file of the same name beside it, exhaustively. */
    public static Tlc of(Path spec) {
        return new Tlc(spec);
    }

    /** The configuration file; by default the spec's name with .cfg. */
    public Tlc config(Path config) {
        this.config = Objects.requireNonNull(config, "config");
        return this;
    }

    /** Breadth-first search of the whole state space (the default). */
    public Tlc exhaustive() {
        this.mode = Mode.EXHAUSTIVE;
        return this;
    }

    /**
     * Random simulation ({@code -simulate}) of behaviours up to {@code depth} steps ({@code -depth}). TLC
     * simulates until it finds an error or until it is bounded: by {@link #traces}, by {@link #stopAfter}, or
     * else by the time box (which ends the run {@link TlcResult.Outcome#TIMED_OUT}).
     */
    public Tlc simulate(int depth) {
        if (depth < 1) throw new IllegalArgumentException("simulation depth must be at least 1, not " + depth);
        this.mode = Mode.SIMULATION;
        this.depth = depth;
        return this;
    }

    /** Simulation only: stop after this many traces ({@code -simulate num=K}); 0, the default, for no bound. */
    public Tlc traces(long traces) {
        if (traces < 0) throw new IllegalArgumentException("trace count must not be negative, not " + traces);
        this.traces = traces;
        return this;
    }

    /**
     * Asks TLC to stop after this long (the system property {@code tlc2.TLC.stopAfter}, whole seconds, rounded
     * up) and print its figures. A simulation stopped so ends {@link TlcResult.Outcome#OK}; an exhaustive check
     * stopped before it covered the state space ends {@link TlcResult.Outcome#INCOMPLETE}. The time box must
     * leave room for TLC's start-up beyond this.
     */
    public Tlc stopAfter(Duration stopAfter) {
        if (stopAfter.isNegative() || stopAfter.isZero()) {
            throw new IllegalArgumentException("stopAfter must be positive, not " + stopAfter);
        }
        this.stopAfter = stopAfter;
        return this;
    }

    /** Simulation only: the random seed ({@code -seed}), to repeat a run; by default TLC picks one and prints it. */
    public Tlc seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** TLC's worker threads ({@code -workers}); 1 by default. */
    public Tlc workers(int workers) {
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        this.workers = workers;
        return this;
    }

    /** The wall-clock bound on the whole run, start-up included; 10 minutes by default. */
    public Tlc timeBox(Duration timeBox) {
        if (timeBox.isNegative() || timeBox.isZero()) {
            throw new IllegalArgumentException("time box must be positive, not " + timeBox);
        }
        this.timeBox = timeBox;
        return this;
    }

    /** Whether a state with no successor is an error; off by default (TLC's {@code -deadlock} flag is passed). */
    public Tlc checkDeadlock(boolean checkDeadlock) {
        this.checkDeadlock = checkDeadlock;
        return this;
    }

    /** A system property for the child JVM ({@code -Dname=value}), such as one of TLC's tuning properties. */
    public Tlc systemProperty(String name, String value) {
        properties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** A further option for the child JVM, such as {@code -Xmx2g}. */
    public Tlc jvmOption(String option) {
        jvmOptions.add(Objects.requireNonNull(option, "option"));
        return this;
    }

    /** The directory each run's temporary directory is made in; {@code java.io.tmpdir} by default. */
    public Tlc workRoot(Path workRoot) {
        this.workRoot = Objects.requireNonNull(workRoot, "workRoot");
        return this;
    }

    /** Copies TLC's output, line by line as it comes, to {@code echo} (for long runs); off by default. */
    public Tlc echo(PrintStream echo) {
        this.echo = echo;
        return this;
    }

    public Path spec() {
        return spec;
    }

    public Path config() {
        return config;
    }

    public Mode mode() {
        return mode;
    }

    /** The jar (or class directory) that holds {@code tlc2.TLC}, found from its code source. */
    public static Path tlcClassPath() {
        try {
            var source = tlc2.TLC.class.getProtectionDomain().getCodeSource();
            if (source == null) throw new IllegalStateException("tlc2.TLC has no code source to run it from");
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot turn tlc2.TLC's code source into a path", e);
        }
    }

    /** The child's command line, for a run whose temporary directory is {@code runDir}. */
    List<String> command(Path runDir) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.io.tmpdir=" + runDir.resolve("tmp"));
        command.add("-Dfile.encoding=UTF-8");
        command.add("-Dstdout.encoding=UTF-8");
        command.add("-Dstderr.encoding=UTF-8");
        if (stopAfter != null) {
            long seconds = Math.max(1, (stopAfter.toMillis() + 999) / 1000);
            command.add("-Dtlc2.TLC.stopAfter=" + seconds);
        }
        properties.forEach((name, value) -> command.add("-D" + name + "=" + value));
        command.add("-cp");
        command.add(tlcClassPath().toString());
        command.add(MAIN_CLASS);
        command.add("-workers");
        command.add(Integer.toString(workers));
        if (!checkDeadlock) command.add("-deadlock");
        command.add("-metadir");
        command.add(runDir.resolve("states").toString());
        command.add("-config");
        command.add(config.toAbsolutePath().toString());
        if (mode == Mode.SIMULATION) {
            command.add("-simulate");
            if (traces > 0) command.add("num=" + traces);
            command.add("-depth");
            command.add(Integer.toString(depth));
            if (seed != null) {
                command.add("-seed");
                command.add(Long.toString(seed));
            }
        }
        command.add(spec.getFileName().toString());
        return command;
    }

    /**
     * Runs TLC and waits for it, at most the time box. Returns whatever TLC reported; throws only when the run
     * cannot start (a missing file, no temporary directory) or the calling thread is interrupted (the child is
     * killed first).
     */
    public TlcResult run() {
        requireFile(spec, ".tla", "specification");
        requireFile(config, ".cfg", "configuration");
        Path runDir;
        try {
            runDir = workRoot == null ? Files.createTempDirectory("tlc-")
                    : Files.createTempDirectory(workRoot, "tlc-");
            Files.createDirectories(runDir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary directory for TLC", e);
        }
        try {
            return runIn(runDir);
        } finally {
            deleteTree(runDir);
        }
    }

    private TlcResult runIn(Path runDir) {
        ProcessBuilder builder = new ProcessBuilder(command(runDir))
                .directory(spec.toAbsolutePath().getParent().toFile())
                .redirectErrorStream(true);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start TLC: " + String.join(" ", builder.command()), e);
        }
        Thread killOnExit = new Thread(() -> kill(process), "tlc-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        StringBuilder output = new StringBuilder();
        Thread pump = Thread.ofPlatform().daemon().name("tlc-output-" + process.pid()).start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (echo != null) echo.println(line);
                }
            } catch (IOException e) {
                // The child was killed, or its pipe broke: what was read so far is kept.
            }
        });
        boolean timedOut;
        int exitCode;
        try {
            timedOut = !process.waitFor(timeBox.toNanos(), TimeUnit.NANOSECONDS);
            if (timedOut) {
                kill(process);
                process.waitFor(30, TimeUnit.SECONDS);
            }
            exitCode = timedOut || process.isAlive() ? -1 : process.exitValue();
            pump.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while TLC ran on " + spec.getFileName()
                    + "; its JVM (pid " + process.pid() + ") was killed", e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting: the hook runs anyway.
            }
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        String text;
        synchronized (output) {
            text = output.toString();
        }
        return TlcResult.parse(spec.getFileName().toString(), config.getFileName().toString(), mode, text, exitCode,
                timedOut, wall, process.pid());
    }

    /** Kills the child JVM and anything it started, at once (no shutdown hooks: TLC's state is thrown away). */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void requireFile(Path file, String suffix, String what) {
        if (!file.getFileName().toString().endsWith(suffix)) {
            throw new IllegalArgumentException("the " + what + " must be a " + suffix + " file: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + what + " file " + file.toAbsolutePath());
        }
    }

    private static Path sibling(Path spec, String suffix) {
        String name = spec.getFileName().toString();
        String base = name.endsWith(".tla") ? name.substring(0, name.length() - 4) : name;
        return spec.resolveSibling(base + suffix);
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        } catch (IOException e) {
            System.err.println("vsr-spec: could not delete TLC's temporary directory " + root + ": " + e);
        }
    }

    /**
     * Runs one check and prints TLC's output as it comes, then the result's summary line; exits 0 when the
     * run ended {@link TlcResult.Outcome#OK}, 1 when it did not, 2 on bad arguments. See {@link #USAGE}.
     */
    public static void main(String[] args) {
        TlcResult result;
        try {
            result = fromArguments(args).echo(System.out).run();
        } catch (IllegalArgumentException e) {
            System.err.println("Tlc: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.out.println(result.summary());
        System.exit(result.ok() ? 0 : 1);
    }

    /** The command line {@link #main} takes. */
    public static final String USAGE = """
            usage: Tlc --spec FILE.tla [--config FILE.cfg] [--simulate [--depth N] [--traces K] [--seed S]]
                       [--minutes M] [--workers W] [--check-deadlock] [-Dname=value ...]
              --config     the .cfg file; by default the spec's name with .cfg
              --simulate   random simulation instead of breadth-first search of every state
              --depth      steps per simulated behaviour (default 100)
              --traces     stop a simulation after K behaviours
              --minutes    time budget (default 10): a simulation stops after M minutes and reports OK if it
                           found no error; an exhaustive check is killed after M minutes (TIMED_OUT)
              --workers    TLC worker threads (default 1)
              --check-deadlock  report states with no successor as errors
              -Dname=value a system property for TLC's JVM""";

    static Tlc fromArguments(String[] args) {
        Path spec = null;
        Path config = null;
        boolean simulate = false;
        int depth = 100;
        long traces = 0;
        Long seed = null;
        double minutes = 10;
        int workers = 1;
        boolean deadlock = false;
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--spec" -> spec = Path.of(value(args, ++i, arg));
                case "--config" -> config = Path.of(value(args, ++i, arg));
                case "--simulate" -> simulate = true;
                case "--depth" -> depth = Integer.parseInt(value(args, ++i, arg));
                case "--traces" -> traces = Long.parseLong(value(args, ++i, arg));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
                case "--minutes" -> minutes = Double.parseDouble(value(args, ++i, arg));
                case "--workers" -> workers = Integer.parseInt(value(args, ++i, arg));
                case "--check-deadlock" -> deadlock = true;
                default -> {
                    int equals = arg.indexOf('=');
                    if (!arg.startsWith("-D") || equals < 3) throw new IllegalArgumentException("unknown argument " + arg);
                    properties.put(arg.substring(2, equals), arg.substring(equals + 1));
                }
            }
        }
        if (spec == null) throw new IllegalArgumentException("--spec is required");
        if (!(minutes > 0)) throw new IllegalArgumentException("--minutes must be positive");
        Duration budget = Duration.ofMillis(Math.round(minutes * 60_000));
        Tlc tlc = Tlc.of(spec).workers(workers).checkDeadlock(deadlock);
        if (config != null) tlc.config(config);
        if (simulate) {
            tlc.simulate(depth).traces(traces).stopAfter(budget).timeBox(budget.plus(simulationGrace(budget)));
            if (seed != null) tlc.seed(seed);
        } else {
            tlc.timeBox(budget);
        }
        properties.forEach(tlc::systemProperty);
        return tlc;
    }

    /**
     * How much longer than its {@link #stopAfter} bound a simulation's time box should be: TLC's start-up and
     * parsing, and the traces in progress when the bound passes. A minute, or a tenth of the bound if longer.
     */
    public static Duration simulationGrace(Duration stopAfter) {
        Duration tenth = stopAfter.dividedBy(10);
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? tenth : Duration.ofMinutes(1);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
