package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Seeds that found bugs, replayed under the fault model they ran with. A seed replays the run it
 * gave only under that model ({@link Simulator.FaultModel#BASIC} for the seeds before directed
 * faults), so each is pinned to it here, before later changes to the faults move what it replays.
 */
class FoundSeedsTest {

    /**
     * Issue 7, bug 1: the primary of view 5 persisted its log (anchor 27, new op 28); a full disk
     * stopped the change after its superblock, and the resume cut the log back to 27 in log view 5.
     * After a failed sync it restarted without committed op 28, and another op 28 committed.
     */
    @Test
    void seed320020279ResumesALogChangeWithoutLosingCommittedOp28() {
        Simulator.Options options = Simulator.Options.defaults().withReplicaCount(3)
                .withFaultModel(Simulator.FaultModel.BASIC);
        SimResult result = new Simulator(320020279L, options, null).run();
        assertThat(result.coverage().noSpaceStops).as("the disk filled, as when the seed found the bug").isPositive();
        assertThat(result.coverage().syncExits).isPositive();
        assertThat(result.outcome()).as(result.message()).isEqualTo(SimResult.Outcome.PASSED);
    }
}
