package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The workload reaches every operation and argument shape within 200 seeds. */
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
}
