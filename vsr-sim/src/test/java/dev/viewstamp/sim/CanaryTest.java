package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Canary;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves the checkers can fail: each planted protocol bug must make some seed fail within 500
 * seeds. A canary that survives means a checker (or the fault mix) is blind to that bug.
 */
class CanaryTest {
    private static final int SEEDS_MAX = 500;

    @ParameterizedTest
    @EnumSource(Canary.class)
    void simulatorCatchesPlantedBugWithin500Seeds(Canary canary) {
        Simulator.Options options = Simulator.Options.defaults().withCanaries(Set.of(canary));
        SimResult caught = null;
        for (long seed = 1; seed <= SEEDS_MAX && caught == null; seed++) {
            SimResult result = new Simulator(seed, options, null).run();
            if (result.outcome() == SimResult.Outcome.SAFETY) caught = result;
        }
        assertThat(caught).as("a safety failure with canary %s within %d seeds", canary, SEEDS_MAX).isNotNull();
        System.out.printf("canary %s caught by seed %d: %s%n", canary, caught.seed(), caught.message());
    }
}
