package dev.viewstamp.spec;

import static dev.viewstamp.spec.SpecChecks.fixture;
import static dev.viewstamp.spec.SpecChecks.run;
import static dev.viewstamp.spec.SpecChecks.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How Tlc runs TLC: the child JVM, its time box, its temporary files, the options it passes. */
class TlcTest {
    @Test
    void aRunPastItsTimeBoxIsKilledAndReportedTimedOut() {
        Duration box = Duration.ofSeconds(4);
        TlcResult result = run(Tlc.of(fixture("Unbounded.tla")).timeBox(box));
        assertThat(result.outcome()).as(result::describe).isEqualTo(TlcResult.Outcome.TIMED_OUT);
        assertThat(result.exitCode()).isEqualTo(-1);
        assertThat(result.wallTime()).isBetween(box, box.plusSeconds(10));
        assertThat(ProcessHandle.of(result.pid()).map(ProcessHandle::isAlive).orElse(false))
                .as("TLC's JVM (pid %d) is gone", result.pid()).isFalse();
        assertThat(result.output()).as("what TLC printed before it was killed").contains("Starting...");
    }

    @Test
    void aSpecWithASyntaxErrorReportsParseErrorWithSanysMessage() {
        TlcResult result = run(Tlc.of(fixture("SyntaxError.tla")));
        assertThat(result.outcome()).as(result::describe).isEqualTo(TlcResult.Outcome.PARSE_ERROR);
        assertThat(result.message()).startsWith("***Parse Error***").contains("line 6, column 20");
    }

    @Test
    void stopAfterCutsAnExhaustiveCheckShortAndItIsReportedIncomplete() {
        TlcResult result = run(Tlc.of(fixture("Unbounded.tla")).stopAfter(Duration.ofSeconds(2))
                .timeBox(Duration.ofMinutes(1)));
        assertThat(result.outcome()).as(result::describe).isEqualTo(TlcResult.Outcome.INCOMPLETE);
        assertThat(result.statesLeft()).isPositive();
        assertThat(result.distinctStates()).isPositive();
    }

    @Test
    void stopAfterEndsAnEndlessSimulationOkBeforeItsTimeBox() {
        TlcResult result = run(Tlc.of(fixture("Unbounded.tla")).simulate(30).stopAfter(Duration.ofSeconds(2))
                .timeBox(Duration.ofMinutes(1)));
        assertThat(result.outcome()).as(result::describe).isEqualTo(TlcResult.Outcome.OK);
        assertThat(result.wallTime()).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aTraceCountBoundsASimulation() {
        // Toy's behaviours stop at (5, 5), ten steps in: at most eleven states a trace.
        TlcResult result = run(Tlc.of(spec("Toy.tla")).simulate(20).traces(100).seed(7));
        assertThat(result.outcome()).as(result::describe).isEqualTo(TlcResult.Outcome.OK);
        assertThat(result.statesGenerated()).isBetween(100L, 100L * 11 + 1);
        assertThat(result.seed()).isEqualTo("7");
    }

    @Test
    void deadlockIsNoErrorByDefaultButIsReportedWhenCheckingIsOn() {
        // Every Toy behaviour ends in (5, 5), where no action is enabled.
        Tlc toy = Tlc.of(spec("Toy.tla"));
        assertThat(run(toy).outcome()).isEqualTo(TlcResult.Outcome.OK);
        TlcResult checked = run(toy.checkDeadlock(true));
        assertThat(checked.outcome()).as(checked::describe).isEqualTo(TlcResult.Outcome.DEADLOCK);
        assertThat(checked.counterexample()).endsWith("/\\ x = 5\n/\\ y = 5");
    }

    @Test
    void aRunDeletesItsTemporaryDirectoryAndWritesNothingBesideTheSpec(@TempDir Path workRoot) throws IOException {
        List<Path> before = listing(SpecChecks.SPEC_DIR);
        TlcResult result = run(Tlc.of(spec("Toy.tla")).workRoot(workRoot));
        assertThat(result.outcome()).isEqualTo(TlcResult.Outcome.OK);
        assertThat(result.output()).as("TLC used the run's directory").contains(workRoot.toString());
        assertThat(listing(workRoot)).isEmpty();
        assertThat(listing(SpecChecks.SPEC_DIR)).isEqualTo(before);
    }

    @Test
    void twoRunsStartedTogetherDoNotShareTlcsStateDirectory() throws Exception {
        // TLC names its state directory after the current second; each run has its own -metadir.
        var first = Thread.ofPlatform().start(() -> assertThat(run(Tlc.of(spec("Toy.tla"))).ok()).isTrue());
        TlcResult second = run(Tlc.of(spec("Toy.tla")));
        first.join();
        assertThat(second.outcome()).as(second::describe).isEqualTo(TlcResult.Outcome.OK);
    }

    @Test
    void theChildIsThisJvmsJavaRunningTlcWithDeadlockOffAndTheOptionsAsked() {
        Path runDir = Path.of("run");
        List<String> command = Tlc.of(spec("Toy.tla")).config(spec("ToyMutant.cfg")).simulate(40).traces(9).seed(3)
                .stopAfter(Duration.ofMillis(1500)).workers(2).systemProperty("tlc2.tool.x", "y").command(runDir);
        assertThat(command.get(0)).startsWith(System.getProperty("java.home"));
        assertThat(command).contains("-Dtlc2.TLC.stopAfter=2", "-Dtlc2.tool.x=y", "-deadlock",
                "-Djava.io.tmpdir=" + runDir.resolve("tmp"), Tlc.MAIN_CLASS, Tlc.tlcClassPath().toString());
        assertThat(String.join(" ", command)).contains("-workers 2", "-metadir " + runDir.resolve("states"),
                "-config " + spec("ToyMutant.cfg").toAbsolutePath(), "-simulate num=9 -depth 40 -seed 3");
        assertThat(command.get(command.size() - 1)).isEqualTo("Toy.tla");
        assertThat(Tlc.of(spec("Toy.tla")).checkDeadlock(true).command(runDir)).doesNotContain("-deadlock", "-simulate");
    }

    @Test
    void missingFilesAreRefusedBeforeTlcStarts() {
        assertThatThrownBy(() -> Tlc.of(spec("Toy.tla")).config(spec("Absent.cfg")).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no configuration file")
                .hasMessageContaining("Absent.cfg");
        assertThatThrownBy(() -> Tlc.of(spec("Absent.tla")).run())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no specification file");
    }

    @Test
    void theCommandLineMakesASimulationStopInTimeAndAnExhaustiveCheckTimeBoxed() {
        Path runDir = Path.of("run");
        Tlc simulation = Tlc.fromArguments(new String[] {"--spec", spec("Toy.tla").toString(), "--simulate",
                "--depth", "60", "--minutes", "2", "--workers", "2", "-Dk=v"});
        assertThat(simulation.mode()).isEqualTo(Tlc.Mode.SIMULATION);
        assertThat(simulation.config()).isEqualTo(spec("Toy.cfg"));
        assertThat(simulation.command(runDir)).contains("-Dtlc2.TLC.stopAfter=120", "-Dk=v", "-simulate", "60");
        Tlc exhaustive = Tlc.fromArguments(new String[] {"--spec", "X.tla", "--config", "Y.cfg", "--minutes", "1"});
        assertThat(exhaustive.mode()).isEqualTo(Tlc.Mode.EXHAUSTIVE);
        assertThat(exhaustive.command(runDir)).noneMatch(arg -> arg.contains("stopAfter")).contains("-deadlock");
        assertThatThrownBy(() -> Tlc.fromArguments(new String[] {"--spec", "X.tla", "--bogus"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown argument --bogus");
        assertThatThrownBy(() -> Tlc.fromArguments(new String[] {"--simulate"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--spec is required");
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(p -> !p.equals(dir)).sorted().toList();
        }
    }
}
