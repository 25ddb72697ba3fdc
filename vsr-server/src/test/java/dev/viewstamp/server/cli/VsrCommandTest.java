package dev.viewstamp.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.sim.Coverage;
import dev.viewstamp.sim.SeedRun;
import dev.viewstamp.sim.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.Paths;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The `vsr` command line: help, output shapes and exit codes. */
class VsrCommandTest {

    private record Run(int exit, String out, String err) {}

    private static Run vsr(String... args) {
        return vsr(Vsr.commandLine(), args);
    }

    /** Runs {@code vsr simulate ...} with planted bugs, which no option can switch on. */
    private static Run simulateWithCanary(Canary canary, String... args) {
        CommandLine cli = Vsr.commandLine();
        SimulateCommand simulate = cli.getSubcommands().get("simulate").getCommand();
        simulate.canariesForTesting = Set.of(canary);
        String[] all = new String[args.length + 1];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        return vsr(cli, all);
    }

    private static Run vsr(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Path histories() {
        return Paths.get(System.getProperty("vsr.shared"), "histories");
    }

    @ParameterizedTest
    @ValueSource(strings = {"simulate", "lincheck", "format", "inspect"})
    void everySubcommandHasHelp(String subcommand) {
        Run run = vsr(subcommand, "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: vsr " + subcommand).contains("Exit codes");
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        Run run = vsr("--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("simulate", "lincheck");
    }

    @Test
    void simulatePrintsCoverageAndASummaryLineAndExitsZeroWhenAllPass() {
        Run run = vsr("simulate", "--seed", "5", "--seeds", "4", "--jobs", "1");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).containsPattern("(?m)^simulate: seeds=4 passed=4 failed=0 ops=\\d+ view_changes=\\d+ ")
                .containsPattern("(?m)^coverage: get=\\d+ ");
    }

    @Test
    void simulateTraceOfOneSeedIsReproducible() {
        Run first = vsr("simulate", "--seed", "3", "--ticks", "500", "--trace");
        Run second = vsr("simulate", "--seed", "3", "--ticks", "500", "--trace");
        assertThat(first.exit()).isZero();
        assertThat(first.out()).contains("deliver ", "replica 0 NORMAL", "simulate: seeds=1 passed=1");
        assertThat(second.out()).isEqualTo(first.out());
    }

    @Test
    void simulateModelTraceWritesTheSeedsProjectionAsATlaModuleTheSameEachRun(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first/TraceData.tla");
        Path second = dir.resolve("TraceData.tla");
        Run run = vsr("simulate", "--seed", "3", "--model-trace", first.toString());
        vsr("simulate", "--seed", "3", "--model-trace", second.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).containsPattern("(?m)^model trace: \\d+ lines \\(pipeline [12], views to \\d+, ops to \\d+, "
                + "\\d+ restarts\\) in ").contains("simulate: seeds=1 passed=1");
        String module = Files.readString(first);
        assertThat(module).startsWith("---- MODULE TraceData ----\n").contains("Trace == <<\n  [r |-> -1, crashes |-> 0, obs")
                .endsWith(">>\n====\n");
        assertThat(Files.readString(second)).isEqualTo(module);
    }

    @Test
    void simulateModelTraceTakesOneSeedOnly(@TempDir Path dir) {
        Run run = vsr("simulate", "--seed", "3", "--seeds", "2", "--model-trace", dir.resolve("T.tla").toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--model-trace needs a single seed (--seeds 1)");
        assertThat(dir.resolve("T.tla")).doesNotExist();
    }

    @Test
    void simulateHelpNamesEveryExitCode() {
        String help = vsr("simulate", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("3 some seed violated safety", "5 some seed threw an exception",
                "4 some seed failed liveness", "6 the checker could not decide", "--history-out");
    }

    @Test
    void simulateReportsAnExceptionWithItsReplayLineAndGoesOnWithTheNextSeed() {
        // The canary throws an IllegalStateException when a replica starts a view change, which
        // nearly every seed does: each such seed fails on its own, and the run goes on.
        Run run = simulateWithCanary(Canary.THROW_ON_VIEW_CHANGE, "--seed", "1", "--seeds", "3", "--jobs", "1",
                "--ticks", "1000");
        assertThat(run.out()).contains(
                "FAIL seed=1 exception: java.lang.IllegalStateException: canary THROW_ON_VIEW_CHANGE",
                "\n    at dev.viewstamp.core.replica.ViewChange.transitionToViewChange(",
                "  replay: vsr simulate --seed 1 --replicas ",
                "FAIL seed=3 exception: ");
        assertThat(run.out()).containsPattern("(?m)^simulate: seeds=3 passed=0 failed=3 ");
        assertThat(run.exit()).isEqualTo(SimulateCommand.EXIT_EXCEPTION);
    }

    @Test
    void simulateTraceOfASeedThatThrowsReportsItToo() {
        Run run = simulateWithCanary(Canary.THROW_ON_VIEW_CHANGE, "--seed", "1", "--ticks", "1000", "--trace");
        assertThat(run.out()).contains("exception: java.lang.IllegalStateException", "FAIL seed=1 exception: ");
        assertThat(run.exit()).isEqualTo(SimulateCommand.EXIT_EXCEPTION);
    }

    @Test
    void exitCodeNamesTheWorstFailure() {
        assertThat(SimulateCommand.exitCode(summary(0, 0, 0, 0))).isZero();
        assertThat(SimulateCommand.exitCode(summary(0, 0, 0, 1))).isEqualTo(6);
        assertThat(SimulateCommand.exitCode(summary(0, 1, 0, 1))).isEqualTo(4);
        assertThat(SimulateCommand.exitCode(summary(0, 1, 1, 1))).isEqualTo(5);
        assertThat(SimulateCommand.exitCode(summary(1, 1, 1, 1))).isEqualTo(3);
    }

    private static SeedRun.Summary summary(int safety, int liveness, int exception, int undecided) {
        return new SeedRun.Summary(4, 4 - safety - liveness - exception - undecided, safety, liveness, exception,
                undecided, 0, 0, 0, new Coverage());
    }

    @Test
    void simulateWritesEachFailingSeedsHistoryForLincheck(@TempDir Path dir) throws Exception {
        // Without the client table's duplicate check a retried request executes twice, which some
        // seeds' histories show: find the first, then run it and the next through the command.
        // Each failing seed gets a file, and a passing one none.
        Simulator.Options options = Simulator.Options.defaults().withCanaries(Set.of(Canary.SKIP_DUPLICATE_CHECK));
        long first = 1;
        while (!SeedRun.runSeed(first, options, null).message().startsWith("history NOT_LINEARIZABLE")) {
            assertThat(first).as("a seed's history shows the duplicate execution").isLessThan(500);
            first++;
        }
        Path out = dir.resolve("histories");
        Run run = simulateWithCanary(Canary.SKIP_DUPLICATE_CHECK, "--seed", String.valueOf(first), "--seeds", "2",
                "--jobs", "1", "--history-out", out.toString());
        List<String> failed = run.out().lines().filter(line -> line.startsWith("FAIL seed=")).toList();
        assertThat(failed).as("some seed shows the duplicate execution").isNotEmpty();
        try (var files = Files.list(out)) {
            assertThat(files.count()).isEqualTo(failed.size());
        }
        String seed = String.valueOf(first);
        assertThat(failed.get(0)).startsWith("FAIL seed=" + seed + " ");
        Path history = out.resolve("seed-" + seed + ".edn");
        assertThat(failed.get(0)).contains("safety: history NOT_LINEARIZABLE");
        assertThat(run.out()).contains("  history: " + history);
        assertThat(Files.readAllLines(history)).anyMatch(line -> line.startsWith("; replay: vsr simulate --seed " + seed + " "));

        Run check = vsr("lincheck", "--format", "vsr-kv", history.toString());
        assertThat(check.out().strip()).isEqualTo(history + " not-linearizable");
        assertThat(check.exit()).isEqualTo(1);
    }

    @Test
    void simulateRejectsBadArgumentsWithUsageExitCode() {
        assertThat(vsr("simulate", "--replicas", "4").exit()).isEqualTo(2);
        assertThat(vsr("simulate", "--seeds", "0").exit()).isEqualTo(2);
        assertThat(vsr("simulate", "--seeds", "2", "--trace").exit()).isEqualTo(2);
        Run unknown = vsr("simulate", "--bogus");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--bogus");
    }

    @Test
    void lincheckPrintsOneVerdictPerFileMatchingTheRecordedVerdicts() throws Exception {
        Path ok = histories().resolve("kv/c10-ok.txt");
        Path bad = histories().resolve("kv/c10-bad.txt");
        Run run = vsr("lincheck", "--format", "jepsen-kv", ok.toString(), bad.toString());
        assertThat(run.out().lines()).containsExactly(ok + " linearizable", bad + " not-linearizable");
        assertThat(run.exit()).isEqualTo(1);

        Path etcd = histories().resolve("jepsen-etcd/etcd_002.log");
        Run register = vsr("lincheck", "--format", "jepsen-register", etcd.toString());
        assertThat(register.out().strip()).isEqualTo(etcd + " linearizable");
        assertThat(register.exit()).isZero();
    }

    @Test
    void lincheckReportsAMissingOrMalformedFileAndKeepsCheckingTheRest(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage.txt");
        Files.writeString(garbage, "{:process 0, :type :invoke, :f :get\n");
        Path ok = histories().resolve("kv/c01-ok.txt");
        Run run = vsr("lincheck", "--format", "jepsen-kv", dir.resolve("missing.txt").toString(), garbage.toString(),
                ok.toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("missing.txt: no such file").contains("garbage.txt");
        assertThat(run.out().strip()).isEqualTo(ok + " linearizable");
    }

    @Test
    void lincheckRejectsAnUnknownFormat() {
        Run run = vsr("lincheck", "--format", "csv", "x");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("jepsen-register, jepsen-kv or vsr-kv");
    }
}
