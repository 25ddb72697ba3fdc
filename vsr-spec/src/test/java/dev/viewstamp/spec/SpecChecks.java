package dev.viewstamp.spec;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The checks spec tests make, each one TLC run that prints its {@link TlcResult#summary()} line (so CI logs
 * carry every run's state counts and time) and fails with TLC's whole output when TLC did not report what the
 * test expects. Specs and configs are named by file name and found in {@code src/main/tla} ({@link #spec}); the
 * tests' own fixtures are in {@code src/test/tla} ({@link #fixture}).
 */
final class SpecChecks {
    private SpecChecks() {
    }

    /**
     * Clean exhaustive checks use every core (the spec tests run one at a time). Checks that expect a violation
     * keep TLC's one worker: only then is its breadth-first counterexample a shortest one, the same on every run.
     */
    static final int CORES = Runtime.getRuntime().availableProcessors();

    /** The specifications, {@code src/main/tla} (the build passes its path as {@code vsr.spec.dir}). */
    static final Path SPEC_DIR = directory("vsr.spec.dir", "src/main/tla");
    /** Test fixtures that are not specifications (syntax errors, unbounded state spaces), {@code src/test/tla}. */
    static final Path FIXTURE_DIR = directory("vsr.spec.testDir", "src/test/tla");

    private static Path directory(String property, String fallback) {
        Path dir = Path.of(System.getProperty(property, fallback));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no directory " + dir.toAbsolutePath() + " (system property " + property
                    + "); run the tests from vsr-spec or through Maven");
        }
        return dir;
    }

    /** A file in {@code src/main/tla}. */
    static Path spec(String fileName) {
        return SPEC_DIR.resolve(fileName);
    }

    /** A file in {@code src/test/tla}. */
    static Path fixture(String fileName) {
        return FIXTURE_DIR.resolve(fileName);
    }

    /** Runs TLC as configured and prints the run's summary line. */
    static TlcResult run(Tlc tlc) {
        TlcResult result = tlc.run();
        System.out.println(result.summary());
        return result;
    }

    /**
     * Checks {@code spec} with {@code config} exhaustively (breadth-first, every reachable state) within
     * {@code within}, and fails unless TLC finished with no error and nothing left on its queue.
     */
    static TlcResult assertChecksClean(String spec, String config, Duration within) {
        TlcResult result = run(Tlc.of(spec(spec)).config(spec(config)).exhaustive().workers(CORES).timeBox(within));
        if (!result.ok()) {
            fail(spec + " with " + config + " should check clean exhaustively within " + within + ", but TLC "
                    + "reported " + result.outcome() + "\n" + result.describe());
        }
        return result;
    }

    /**
     * Simulates {@code spec} with {@code config} for {@code duration} (random behaviours of up to {@code depth}
     * steps, TLC stopped by {@code tlc2.TLC.stopAfter}), and fails unless TLC found no error.
     */
    static TlcResult assertSimulatesWithoutError(String spec, String config, int depth, Duration duration) {
        TlcResult result = run(Tlc.of(spec(spec)).config(spec(config)).simulate(depth).stopAfter(duration)
                .timeBox(duration.plus(Tlc.simulationGrace(duration))));
        if (!result.ok()) {
            fail(spec + " with " + config + " should simulate for " + duration + " (depth " + depth + ") without an "
                    + "error, but TLC reported " + result.outcome() + "\n" + result.describe());
        }
        return result;
    }

    /**
     * Checks {@code spec} with {@code mutantConfig} exhaustively within {@code within}, and fails unless TLC
     * reported the invariant {@code invariant} violated, with a counterexample.
     */
    static TlcResult assertViolatesInvariant(String spec, String mutantConfig, String invariant, Duration within) {
        return assertViolated(spec, mutantConfig, invariant, within, EnumSet.of(TlcResult.Outcome.INVARIANT_VIOLATED));
    }

    /**
     * Checks {@code spec} with {@code mutantConfig} exhaustively within {@code within}, and fails unless TLC
     * reported {@code name} violated, as an invariant or as an action property, with a counterexample.
     */
    static TlcResult assertViolates(String spec, String mutantConfig, String name, Duration within) {
        return assertViolated(spec, mutantConfig, name, within,
                EnumSet.of(TlcResult.Outcome.INVARIANT_VIOLATED, TlcResult.Outcome.PROPERTY_VIOLATED));
    }

    private static TlcResult assertViolated(String spec, String mutantConfig, String name, Duration within,
            Set<TlcResult.Outcome> accepted) {
        TlcResult result = run(Tlc.of(spec(spec)).config(spec(mutantConfig)).exhaustive().timeBox(within));
        if (!accepted.contains(result.outcome()) || !result.violated().equals(name)) {
            fail(spec + " with " + mutantConfig + " should make TLC report " + name + " violated within " + within
                    + ", but TLC reported " + result.outcome()
                    + (result.violated().isEmpty() ? "" : " " + result.violated()) + "\n" + result.describe());
        }
        if (result.counterexample().isEmpty()) {
            fail(spec + " with " + mutantConfig + ": TLC reported " + name + " violated but printed no "
                    + "counterexample\n" + result.describe());
        }
        return result;
    }
}
