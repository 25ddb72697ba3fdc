package dev.viewstamp.spec;

import static dev.viewstamp.spec.SpecChecks.assertChecksClean;
import static dev.viewstamp.spec.SpecChecks.assertSimulatesWithoutError;
import static dev.viewstamp.spec.SpecChecks.assertViolates;
import static dev.viewstamp.spec.SpecChecks.assertViolatesInvariant;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The model of the protocol as built (src/main/tla/Viewstamp.tla; docs/PROTOCOL.md, section 9) checked by TLC:
 * every behaviour of a small scope, random behaviours of larger ones, and a mutant per invariant, each a bug
 * planted in the model, that TLC must catch, so that no invariant holds only because it checks nothing.
 */
class ViewstampModelTest {
    private static final String SPEC = "Viewstamp.tla";
    private static final String TRUST_HEAD_SCENARIO = "ViewstampScenario_trustHead.tla";
    private static final String DISC_2017_SCENARIO = "ViewstampScenario_disc2017.tla";

    @Test
    void everyBehaviourOfThreeReplicasUpToTheStepBoundKeepsEveryInvariant() {
        TlcResult result = assertChecksClean(SPEC, "Viewstamp.cfg", Duration.ofMinutes(6));
        assertThat(result.distinctStates()).as("the small scope is explored, not empty").isGreaterThan(10_000);
    }

    @Test
    void everyShortBehaviourWithADamagedJournalALostDiskAndCheckpointsKeepsEveryInvariant() {
        TlcResult result = assertChecksClean(SPEC, "ViewstampStorage.cfg", Duration.ofMinutes(6));
        assertThat(result.distinctStates()).as("the small scope is explored, not empty").isGreaterThan(10_000);
    }

    @Test
    void randomBehavioursOfThreeReplicasWithEveryFaultKeepEveryInvariant() {
        TlcResult result = assertSimulatesWithoutError(SPEC, "ViewstampSim3.cfg", 80, Duration.ofSeconds(60));
        assertThat(result.statesGenerated()).as("states checked in the simulation").isGreaterThan(100_000);
    }

    @Test
    void randomBehavioursOfFiveReplicasKeepEveryInvariant() {
        TlcResult result = assertSimulatesWithoutError(SPEC, "ViewstampSim5.cfg", 80, Duration.ofSeconds(60));
        assertThat(result.statesGenerated()).as("states checked in the simulation").isGreaterThan(100_000);
    }

    /** Each mutant config plants one bug (the constant Mutant) in a scope where TLC finds its shortest trace. */
    @ParameterizedTest(name = "mutant {0} breaks {1}")
    @CsvSource({
        "fAcks, StartLogsHoldCommitted",
        "damagedWhole, WholeVotesHoldAcks",
        "forgetView, ViewsNeverDecrease",
        "ackBeforeDurable, AcksSurvive",
        "truncate, LogsHoldCommitted",
    })
    void mutantBreaksTheInvariantThatGuardsAgainstIt(String mutant, String invariant) {
        TlcResult result = assertViolates(SPEC, "ViewstampMutant_" + mutant + ".cfg", invariant, Duration.ofMinutes(3));
        assertThat(result.counterexample()).as("a trace from the initial state").contains("State 2:");
    }

    /**
     * Mutant trustHead (issue 7, bug 3) needs about forty steps in one order with five replicas, beyond the
     * exhaustive scopes and random behaviours: ViewstampScenario_trustHead.tla directs the model along issue 7's
     * scenario, and a bare commit number from the damaged journal's head executes an uncommitted op.
     */
    @Test
    void mutantTrustHeadBreaksKnownCommittedIsCommittedOnItsDirectedScope() {
        TlcResult result = assertViolatesInvariant(TRUST_HEAD_SCENARIO, "ViewstampMutant_trustHead.cfg",
                "KnownCommittedIsCommitted", Duration.ofMinutes(2));
        assertThat(result.counterexample()).contains("State 40:");
    }

    /** The same directed scope without the mutant: a behaviour of the model that ends with every invariant kept. */
    @Test
    void theTrustHeadScenarioIsABehaviourOfTheModelThatKeepsEveryInvariant() {
        TlcResult result = assertViolatesInvariant(TRUST_HEAD_SCENARIO, "ViewstampScenario_trustHead.cfg",
                "ScenarioNotDone", Duration.ofMinutes(2));
        assertThat(result.counterexample()).contains("State 40:");
    }

    /**
     * Mutant disc2017 (VRR 4.3's recovery, Michael, Ports et al., DISC 2017) needs two lost disks in one order:
     * ViewstampScenario_disc2017.tla directs the model there. Votes of the incarnations before the lost disks
     * still count, view 1 starts without op 1 that view 0 committed, and commits another op 1.
     */
    @Test
    void mutantDisc2017BreaksAgreementOnItsDirectedScope() {
        TlcResult result = assertViolatesInvariant(DISC_2017_SCENARIO, "ViewstampMutant_disc2017.cfg", "Agreement",
                Duration.ofMinutes(2));
        assertThat(result.counterexample()).contains("State 25:");
    }

    /**
     * The same directed scope with crash vectors: the recovered replica's older StartViewChange is discarded by
     * the replica that answered its recovery, so the behaviour stops after five steps, every invariant kept.
     */
    @Test
    void withCrashVectorsTheDisc2017ScenarioStopsAtTheStaleVote() {
        TlcResult result = assertChecksClean(DISC_2017_SCENARIO, "ViewstampScenario_disc2017.cfg",
                Duration.ofMinutes(2));
        assertThat(result.depth()).as("the initial state and five steps; the sixth, the stale vote, is not taken")
                .isEqualTo(6);
    }
}
