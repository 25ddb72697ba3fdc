package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.replica.Canary;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A seed that throws fails on its own, as an exception; the run goes on with the next seed. */
class SeedRunTest {

    @Test
    void seedsThatThrowFailAsExceptionsAndTheRunGoesOn() {
        // The canary throws an IllegalStateException when a replica starts a view change.
        Simulator.Options options = Simulator.Options.defaults().withSafetyTicks(1_000)
                .withCanaries(Set.of(Canary.THROW_ON_VIEW_CHANGE));
        List<SimResult> results = new ArrayList<>();
        SeedRun.Summary summary = SeedRun.run(1, 4, options, 2, results::add);

        assertThat(results).extracting(SimResult::seed).containsExactly(1L, 2L, 3L, 4L);
        SimResult first = results.get(0);
        assertThat(first.outcome()).isEqualTo(SimResult.Outcome.EXCEPTION);
        assertThat(first.message()).startsWith("java.lang.IllegalStateException: canary THROW_ON_VIEW_CHANGE")
                .contains("\n    at dev.viewstamp.core.replica.ViewChange.transitionToViewChange(");
        assertThat(summary.exceptionFailures()).isEqualTo(summary.failed()).isPositive();
        assertThat(summary.safetyFailures()).isZero();
    }

    @Test
    void seedThatThrowsBeforeItRunsStillFailsWithItsFaultMix() {
        // Four replicas are refused by ClusterConfig, while the simulator is being built.
        Simulator.Options options = Simulator.Options.defaults().withReplicaCount(4);
        SimResult result = SeedRun.runSeed(9, options, null);
        assertThat(result.outcome()).isEqualTo(SimResult.Outcome.EXCEPTION);
        assertThat(result.message()).startsWith("java.lang.IllegalArgumentException: replicaCount must be odd");
        assertThat(result.mix()).as("the mix the seed draws first, for the report")
                .isEqualTo(FaultMix.draw(new Prng(9), 4));
    }
}
