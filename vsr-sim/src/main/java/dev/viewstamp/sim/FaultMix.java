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
 */
public record FaultMix(
        int replicaCount,
        int clientCount,
        double lossProbability,
        double duplicateProbability,
        int delayTicksMin,
        int delayTicksMax,
        double partitionProbabilityPerTick,
        int partitionTicksMax,
        double partitionFlapProbability,
        double crashProbabilityPerTick,
        int downTicksMax,
        double clusterCrashProbabilityPerTick,
        int writeTicksMax,
        int thinkTicksMax,
        double selectiveLossProbabilityPerTick,
        int selectiveLossTicksMax,
        double diskStallProbabilityPerTick,
        int diskStallTicksMax,
        double midwayCrashProbabilityPerTick,
        double restartElsewhereProbability,
        double isolationProbabilityPerTick,
        int isolationTicksMax,
        double faultAfterTransitionProbability,
        double diskCorruptProbability,
        double diskMisdirectProbability,
        double diskLatentErrorProbability,
        double diskFullProbabilityPerTick,
        int diskFullTicksMax,
        double syncErrorProbabilityPerTick,
        double diskLossProbability) {

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
        return new FaultMix(replicas, clients, loss, duplicate, delayMin, delayMax, partition, partitionTicks, flap, crash,
                downTicks, clusterCrash, writeTicks, think, selectiveLoss, selectiveLossTicks, diskStall, diskStallTicks,
                midwayCrash, restartElsewhere, isolation, isolationTicks, faultAfterTransition, diskCorrupt, diskMisdirect,
                diskLatent, diskFull, diskFullTicks, syncError, diskLoss);
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
                replicaCount, clientCount, lossProbability, duplicateProbability, delayTicksMin, delayTicksMax,
                partitionProbabilityPerTick, partitionTicksMax, partitionFlapProbability, crashProbabilityPerTick, downTicksMax,
                clusterCrashProbabilityPerTick, writeTicksMax, thinkTicksMax, selectiveLossProbabilityPerTick,
                selectiveLossTicksMax, diskStallProbabilityPerTick, diskStallTicksMax, midwayCrashProbabilityPerTick,
                restartElsewhereProbability, isolationProbabilityPerTick, isolationTicksMax, faultAfterTransitionProbability,
                diskCorruptProbability, diskMisdirectProbability, diskLatentErrorProbability, diskFullProbabilityPerTick,
                diskFullTicksMax, syncErrorProbabilityPerTick, diskLossProbability);
    }
}
