package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;

/**
 * The faults one seed runs with. Every seed draws its own mix (as TigerBeetle's VOPR does), so a
 * population of seeds covers calm runs, lossy runs, partition-heavy runs and crash-heavy runs.
 * Probabilities are per message, per tick, per restart ({@code restartElsewhereProbability}) or
 * per state change of a replica ({@code faultAfterTransitionProbability}); times are ticks.
 *
 * <p>Besides plain loss, partitions and crashes at random ticks, a mix draws the faults that
 * multi-step bugs need, which random ticks almost never line up: selective loss of some message
 * kinds at one replica, stalled disks, crashes of a replica midway through a view change, a state
 * transfer or a write, faults right after a replica changes status or view, a long isolation of
 * the primary from the other replicas (clients still reach it), and restarts onto another side of
 * a partition, next to the stalest replica.
 *
 * <p>The numbers come in groups, one for each part of the simulator that reads them: the
 * {@link Workload} drives the clients, {@link Network} every message ({@link SimNetwork}), and
 * {@link Partitions}, {@link Crashes} and {@link Disk} the faults {@link FaultInjector} decides
 * each tick. A fault that comes and goes is an {@link Episode}: how likely it starts on a tick, and
 * how long it lasts at most.
 */
public record FaultMix(
        int replicaCount,
        Workload workload,
        Network network,
        Partitions partitions,
        Crashes crashes,
        Disk disk,
        double faultAfterTransitionProbability) {

    /** The clients: how many run, and how long each waits between requests. */
    public record Workload(int clientCount, int thinkTicksMax) {}

    /** What happens to every message ({@link SimNetwork}): loss, duplication and a delay in ticks. */
    public record Network(double lossProbability, double duplicateProbability, int delayTicksMin, int delayTicksMax) {}

    /** A fault that starts on a tick with {@code probabilityPerTick} and lasts at most {@code ticksMax} ticks. */
    public record Episode(double probabilityPerTick, int ticksMax) {}

    /**
     * Links cut for a while: partitions of many shapes (which, with {@code flapProbability}, cut
     * again the moment they heal), a long isolation of one replica from the others, selective loss
     * of some message kinds at one replica, and restarts onto another side of a partition.
     */
    public record Partitions(Episode partition, double flapProbability, Episode isolation, Episode selectiveLoss,
            double restartElsewhereProbability) {}

    /**
     * Crashes: of a replica at random (down at most {@code replica.ticksMax()} ticks), of the whole
     * cluster at once, of a replica midway through a step; and per crash, the chance it loses the
     * replica's disk.
     */
    public record Crashes(Episode replica, double clusterProbabilityPerTick, double midwayProbabilityPerTick,
            double diskLossProbability) {}

    /**
     * The disks: how long a write takes, stalls (no write completes), data faults, full disks (the
     * replica stops acknowledging until space returns) and failed syncs (the replica exits).
     */
    public record Disk(int writeTicksMax, Episode stall, DataFaults data, Episode full, double syncErrorProbabilityPerTick) {}

    /** Per write, on the disks that take data faults (at most f replicas; see {@link Simulator}). */
    public record DataFaults(double corruptProbability, double misdirectProbability, double latentErrorProbability) {}

    /** Draws a mix from the seed's generator. {@code replicaCount} 0 lets the seed choose 3 or 5. */
    static FaultMix draw(Prng prng, int replicaCount) {
        // Drawn even when the count is given, so --replicas does not shift the seed's other draws.
        // Five replicas more often than three: f = 2 leaves room for a stale primary and a lagging
        // replica at once while a quorum moves on, which multi-step bugs need.
        int drawn = prng.chance(0.3) ? 3 : 5;
        int replicas = replicaCount != 0 ? replicaCount : drawn;
        int clients = (int) prng.between(1, 8);
        // A quarter of the seeds run without loss, so calm behaviour is covered too.
        double loss = prng.chance(0.25) ? 0 : prng.nextDouble() * 0.2;
        double duplicate = prng.chance(0.5) ? 0 : prng.nextDouble() * 0.05;
        int delayMin = (int) prng.between(1, 3);
        int delayMax = delayMin + (int) prng.between(0, prng.chance(0.3) ? 60 : 10);
        // One seed in five is a storm: partitions flap fast, so view changes follow each other
        // before stale logs are repaired, which is where view-change bugs live.
        boolean storm = prng.chance(0.2);
        double partition = storm ? 0.005 + prng.nextDouble() * 0.02 : prng.chance(0.3) ? 0 : prng.nextDouble() * 0.004;
        int partitionTicks = storm ? (int) prng.between(20, 200) : (int) prng.between(50, 1500);
        double crash = prng.chance(0.3) ? 0 : prng.nextDouble() * 0.003;
        int downTicks = (int) prng.between(10, 1500);
        double clusterCrash = prng.chance(0.8) ? 0 : prng.nextDouble() * 0.0005;
        int writeTicks = (int) prng.between(1, prng.chance(0.3) ? 40 : 5);
        int think = (int) prng.between(0, 50);
        double flap = storm ? 0.7 : 0.1;
        // Faults aimed at multi-step bugs. Each is off in some seeds, so the others go deeper alone;
        // the ones a chain of steps needs together (midway crashes, restarts elsewhere, a long
        // isolation, faults after transitions) are on in most.
        double selectiveLoss = prng.chance(0.4) ? 0 : prng.nextDouble() * 0.01;
        int selectiveLossTicks = (int) prng.between(20, 600);
        double diskStall = prng.chance(0.4) ? 0 : prng.nextDouble() * 0.005;
        int diskStallTicks = (int) prng.between(5, 300);
        double midwayCrash = prng.chance(0.2) ? 0 : prng.nextDouble() * 0.02;
        double restartElsewhere = prng.chance(0.2) ? 0 : 0.3 + 0.7 * prng.nextDouble();
        double isolation = prng.chance(0.2) ? 0 : prng.nextDouble() * 0.003;
        int isolationTicks = (int) prng.between(200, 3000);
        double faultAfterTransition = prng.chance(0.2) ? 0 : prng.nextDouble() * 0.15;
        // Per write on the disks that may have data faults (at most f replicas; see Simulator).
        double diskCorrupt = prng.chance(0.3) ? 0 : prng.nextDouble() * 0.03;
        double diskMisdirect = prng.chance(0.5) ? 0 : prng.nextDouble() * 0.01;
        double diskLatent = prng.chance(0.5) ? 0 : prng.nextDouble() * 0.01;
        // A disk that fills up for a while (the replica stops acknowledging until space returns),
        // and a sync that fails (fatal: the replica exits and recovers from its disk).
        double diskFull = prng.chance(0.6) ? 0 : prng.nextDouble() * 0.002;
        int diskFullTicks = (int) prng.between(5, 500);
        double syncError = prng.chance(0.6) ? 0 : prng.nextDouble() * 0.0005;
        // A crash that loses the disk: the replica is replaced and recovers from the cluster.
        double diskLoss = prng.chance(0.5) ? 0 : prng.nextDouble() * 0.3;
        return new FaultMix(replicas,
                new Workload(clients, think),
                new Network(loss, duplicate, delayMin, delayMax),
                new Partitions(new Episode(partition, partitionTicks), flap, new Episode(isolation, isolationTicks),
                        new Episode(selectiveLoss, selectiveLossTicks), restartElsewhere),
                new Crashes(new Episode(crash, downTicks), clusterCrash, midwayCrash, diskLoss),
                new Disk(writeTicks, new Episode(diskStall, diskStallTicks),
                        new DataFaults(diskCorrupt, diskMisdirect, diskLatent), new Episode(diskFull, diskFullTicks),
                        syncError),
                faultAfterTransition);
    }

    /**
     * This mix within the TLA+ model's scope ({@link Simulator.Options#modelScope}): one or two
     * clients, and no data faults, full disks, failed syncs or lost disks. Network faults,
     * partitions, crashes and stalls stay as drawn.
     */
    FaultMix withinModelScope() {
        return new FaultMix(replicaCount, new Workload(Math.min(2, workload.clientCount()), workload.thinkTicksMax()),
                network, partitions,
                new Crashes(crashes.replica(), crashes.clusterProbabilityPerTick(), crashes.midwayProbabilityPerTick(), 0),
                new Disk(disk.writeTicksMax(), disk.stall(), new DataFaults(0, 0, 0), new Episode(0, 0), 0),
                faultAfterTransitionProbability);
    }

    /** One line, for the failure report. */
    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "replicas=%d clients=%d loss=%.3f dup=%.3f delay=%d..%d partition=%.4f/tick(<=%d,flap=%.1f) "
                        + "crash=%.4f/tick(<=%d) clusterCrash=%.5f/tick write<=%d think<=%d "
                        + "selectiveLoss=%.4f/tick(<=%d) diskStall=%.4f/tick(<=%d) midwayCrash=%.4f/tick "
                        + "restartElsewhere=%.2f isolation=%.4f/tick(<=%d) faultAfterTransition=%.3f "
                        + "diskCorrupt=%.4f/write diskMisdirect=%.4f/write diskLatent=%.4f/write "
                        + "diskFull=%.4f/tick(<=%d) syncError=%.5f/tick diskLoss=%.2f/crash",
                replicaCount, workload.clientCount(), network.lossProbability(), network.duplicateProbability(),
                network.delayTicksMin(), network.delayTicksMax(), partitions.partition().probabilityPerTick(),
                partitions.partition().ticksMax(), partitions.flapProbability(), crashes.replica().probabilityPerTick(),
                crashes.replica().ticksMax(), crashes.clusterProbabilityPerTick(), disk.writeTicksMax(),
                workload.thinkTicksMax(), partitions.selectiveLoss().probabilityPerTick(),
                partitions.selectiveLoss().ticksMax(), disk.stall().probabilityPerTick(), disk.stall().ticksMax(),
                crashes.midwayProbabilityPerTick(), partitions.restartElsewhereProbability(),
                partitions.isolation().probabilityPerTick(), partitions.isolation().ticksMax(),
                faultAfterTransitionProbability, disk.data().corruptProbability(), disk.data().misdirectProbability(),
                disk.data().latentErrorProbability(), disk.full().probabilityPerTick(), disk.full().ticksMax(),
                disk.syncErrorProbabilityPerTick(), crashes.diskLossProbability());
    }
}
