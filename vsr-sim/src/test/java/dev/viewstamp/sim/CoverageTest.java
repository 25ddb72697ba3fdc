package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The workload reaches every operation and argument shape within 200 seeds, and every seed
 * checkpoints and compacts its log.
 */
class CoverageTest {

    @Test
    void workloadReachesEveryOperationShapeWithin200Seeds() {
        SeedRun.Summary summary = SeedRun.run(50_000, 200, Simulator.Options.defaults(), 2, result -> { });
        Coverage c = summary.coverage();
        System.out.println("coverage over 200 seeds: " + c);
        assertThat(c.getMissing).as("get of a missing key").isPositive();
        assertThat(c.casFailed).as("failed compare-and-set").isPositive();
        assertThat(c.casOk).as("successful compare-and-set").isPositive();
        assertThat(c.largestValue).as("put of the largest allowed value").isPositive();
        assertThat(c.deleteAbsent).as("delete of an absent key").isPositive();
        assertThat(c.duplicateRequests).as("duplicate request answered from the client table").isPositive();
        assertThat(c.evictions).as("session evicted from a full client table").isPositive();
        assertThat(c.errors).as("request rejected by a limit").isPositive();
        assertThat(c.complete()).isTrue();
    }

    /**
     * Every seed checkpoints and compacts: the healed cluster commits two intervals of new ops
     * before the clients stop, and the liveness phase waits for checkpoints to be durable.
     */
    @Test
    void everySeedCheckpointsAndCompactsAndTheSeedsSyncWrapTheirRingsAndLoseCheckpointFiles() {
        List<String> without = Collections.synchronizedList(new ArrayList<>());
        SeedRun.Summary summary = SeedRun.run(60_000, 200, Simulator.Options.defaults(), 2, result -> {
            Coverage c = result.coverage();
            if (c.checkpoints == 0 || c.compactions == 0) {
                without.add("seed " + result.seed() + ": ops=" + result.opsCommitted() + " interval="
                        + result.checkpointIntervalOps() + " checkpoints=" + c.checkpoints + " compactions="
                        + c.compactions);
            }
        });
        assertThat(summary.failed()).as("failed seeds").isZero();
        assertThat(without).as("seeds that took no checkpoint or compacted nothing").isEmpty();
        Coverage c = summary.coverage();
        assertThat(c.stateSyncs).as("state syncs installed").isPositive();
        assertThat(c.journalLaps).as("laps of the journal's ring").isPositive();
        assertThat(c.directedSeeds[Coverage.Directed.CRASH_DURING_INSTALL.ordinal()]).as("crash during install").isPositive();
        assertThat(c.directedSeeds[Coverage.Directed.CHECKPOINT_FILE_FAULTS.ordinal()]).as("bad chunks and staged files")
                .isPositive();
        assertThat(c.directedSeeds[Coverage.Directed.CHECKPOINT_LOST_AT_RESTART.ordinal()])
                .as("restarts that found their checkpoint file lost or damaged").isPositive();
    }
}
