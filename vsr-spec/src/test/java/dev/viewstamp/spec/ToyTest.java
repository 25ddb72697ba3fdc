package dev.viewstamp.spec;

import static dev.viewstamp.spec.SpecChecks.assertChecksClean;
import static dev.viewstamp.spec.SpecChecks.assertSimulatesWithoutError;
import static dev.viewstamp.spec.SpecChecks.assertViolatesInvariant;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The toy spec through the checks spec tests make; it stands in for the real specs until they arrive. */
class ToyTest {
    @Test
    void toyChecksCleanExhaustivelyOverAllThirtySixStates() {
        TlcResult result = assertChecksClean("Toy.tla", "Toy.cfg", Duration.ofMinutes(2));
        // Two counters in 0..5: 6 * 6 states, the deepest (5, 5) ten steps from (0, 0).
        assertThat(result.distinctStates()).isEqualTo(36);
        assertThat(result.depth()).isEqualTo(11);
    }

    @Test
    void toySimulatesForFiveSecondsWithoutError() {
        TlcResult result = assertSimulatesWithoutError("Toy.tla", "Toy.cfg", 50, Duration.ofSeconds(5));
        assertThat(result.statesGenerated()).as("a five-second simulation checks states").isPositive();
        assertThat(result.seed()).as("the seed to repeat the run").isNotEmpty();
    }

    @Test
    void toyMutantMakesTlcReportXSmallViolatedWhenXReachesFour() {
        TlcResult result = assertViolatesInvariant("Toy.tla", "ToyMutant.cfg", "XSmall", Duration.ofMinutes(2));
        assertThat(result.counterexample()).startsWith("State 1: <Initial predicate>").endsWith("/\\ x = 4\n/\\ y = 0");
    }
}
