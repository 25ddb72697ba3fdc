package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.Canary;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves the checkers can fail: each planted protocol bug must make some random seed fail within
 * 500 seeds (a seed that passes with the canary off), as a safety violation or, for a liveness bug, a liveness failure; a planted exception
 * must fail a seed as an exception. A canary that survives means a checker (or the fault mix) is
 * blind to that bug.
 *
 * <p>{@code PICK_LOG_BY_OP_ONLY}, {@code TRUNCATE_ON_NEWER_VIEW} and {@code FORGET_VIEW_ON_RESTART}
 * need a chain of faults (a crash midway through a view change or a state transfer, a restart
 * next to a stale primary); the fault mix aims at those moments, and scripted scenarios catch
 * them too (ViewChangePaperTest, PublishedBugsTest).
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
            SimResult.Outcome expected = canary.livenessBug() ? SimResult.Outcome.LIVENESS
                    : canary.exceptionBug() ? SimResult.Outcome.EXCEPTION : SimResult.Outcome.SAFETY;
            if (result.outcome() == expected) caught = result;
        }
        assertThat(caught).as("the failure canary %s plants, within %d seeds", canary, SEEDS_MAX).isNotNull();
        // The seed fails because of the canary, not on its own.
        SimResult clean = new Simulator(caught.seed(), Simulator.Options.defaults(), null).run();
        assertThat(clean.outcome()).as("seed %d without the canary: %s", caught.seed(), clean.message())
                .isEqualTo(SimResult.Outcome.PASSED);
        System.out.printf("canary %s caught by seed %d: %s%n", canary, caught.seed(), caught.message());
    }
}
