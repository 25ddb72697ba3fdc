package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random seeds with faults, on 3, 5 and 7 replicas, every replica on the real journal and
 * superblock over a faulty simulated disk: every seed must keep agreement, give a linearizable
 * client history and converge once its faults heal. The seeds are fixed so the run
 * is the same on every machine; `vsr simulate --seeds N` runs long random populations.
 */
class SimulationSeedsTest {
    @ParameterizedTest(name = "{0} replicas")
    @ValueSource(ints = {3, 5, 7})
    void everySeedKeepsSafetyAndConverges(int replicaCount) {
        // Seven replicas cost more per seed; fewer of them still reach states 3 and 5 cannot.
        int seeds = replicaCount == 7 ? 300 : 1_000;
        long firstSeed = 1_000L * replicaCount;
        Simulator.Options options = Simulator.Options.defaults().withReplicaCount(replicaCount);
        List<String> failures = new ArrayList<>();
        SeedRun.Summary summary = SeedRun.run(firstSeed, seeds, options, 2, result -> {
            if (!result.passed()) {
                failures.add("seed " + result.seed() + " " + result.outcome() + ": " + result.message() + "\n  faults: "
                        + result.faults() + "\n  replay: vsr simulate --seed " + result.seed() + " --replicas "
                        + replicaCount + " --trace");
            }
        });
        System.out.printf("%d replicas: seeds=%d passed=%d ops=%d view_changes=%d crashes=%d%n  storage: %s%n"
                        + "  directed: %s%n", replicaCount, summary.seeds(), summary.passed(), summary.opsCommitted(),
                summary.viewChanges(), summary.crashes(), summary.coverage().storageSummary(),
                summary.coverage().directedSummary());
        assertThat(failures).as("failing seeds").isEmpty();
        assertThat(summary.viewChanges()).as("the faults force view changes").isGreaterThan(seeds);
        assertThat(summary.crashes()).as("the faults crash replicas").isGreaterThan(seeds);
        // Every seed runs on the real journal and superblock; these faults must really happen.
        Coverage c = summary.coverage();
        assertThat(c.diskCorrupt).as("corrupt writes").isPositive();
        assertThat(c.diskMisdirected).as("misdirected writes").isPositive();
        assertThat(c.diskLatent).as("latent sector errors").isPositive();
        assertThat(c.diskLostSectors).as("unsynced sectors lost in crashes").isPositive();
        assertThat(c.damagedRestarts).as("restarts with a damaged journal").isPositive();
        assertThat(c.repairedEntries).as("entries repaired from peers").isPositive();
        assertThat(c.noSpaceStops).as("stops on a full disk").isPositive();
        assertThat(c.syncExits).as("exits on a failed sync").isPositive();
        assertThat(c.lostDisks).as("disks lost and replaced").isPositive();
        assertThat(c.clusterCrashes).as("whole-cluster crashes").isPositive();
        assertThat(c.incarnations).as("replicas recovered into a new incarnation").isPositive();
        // Data faults reach every zone of the disk, and writes are lost whole as well as torn.
        assertThat(c.faultsPrepares).as("data faults on the prepares ring").isPositive();
        assertThat(c.faultsHeaders).as("data faults on the redundant-header ring").isPositive();
        assertThat(c.faultsSuperblock).as("data faults on the superblock copies").isPositive();
        assertThat(c.diskLostWrites).as("lost writes").isPositive();
        // Each directed fault of the swarm happens in some seed.
        for (Coverage.Directed kind : Coverage.Directed.values()) {
            assertThat(c.directedSeeds[kind.ordinal()]).as("seeds reaching %s", kind).isPositive();
        }
    }

    /**
     * The diskless mode: nothing survives a crash, so every restart is a recovery with crash
     * vectors, and a replica rejoins as a damaged log that a primary must make whole.
     */
    @ParameterizedTest(name = "diskless, {0} replicas")
    @ValueSource(ints = {3, 5})
    void everyDisklessSeedKeepsSafetyAndConverges(int replicaCount) {
        int seeds = 300;
        long firstSeed = 20_000L * replicaCount;
        Simulator.Options options = Simulator.Options.defaults().withReplicaCount(replicaCount).withDiskless(true);
        List<String> failures = new ArrayList<>();
        SeedRun.Summary summary = SeedRun.run(firstSeed, seeds, options, 2, result -> {
            if (!result.passed()) {
                failures.add("seed " + result.seed() + " " + result.outcome() + ": " + result.message()
                        + "\n  replay: vsr simulate --seed " + result.seed() + " --replicas " + replicaCount
                        + " --diskless --trace");
            }
        });
        System.out.printf("diskless, %d replicas: seeds=%d passed=%d ops=%d view_changes=%d crashes=%d%n  storage: %s%n",
                replicaCount, summary.seeds(), summary.passed(), summary.opsCommitted(), summary.viewChanges(),
                summary.crashes(), summary.coverage().storageSummary());
        assertThat(failures).as("failing seeds").isEmpty();
        assertThat(summary.coverage().lostDisks).as("restarts that lost everything").isGreaterThan(seeds);
        assertThat(summary.coverage().incarnations).as("recoveries into a new incarnation").isGreaterThan(seeds);
    }
}
