package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;

/**
 * The faults one seed runs with. Every seed draws its own mix (as TigerBeetle's VOPR does), so a
 * population of seeds covers calm runs, lossy runs, partition-heavy runs and crash-heavy runs.
 * Probabilities are per message or per tick; times are ticks.
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
        int thinkTicksMax) {

    /** Draws a mix from the seed's generator. {@code replicaCount} 0 lets the seed choose 3 or 5. */
    static FaultMix draw(Prng prng, int replicaCount) {
        // Drawn even when the count is given, so --replicas does not shift the seed's other draws.
        int drawn = prng.chance(0.5) ? 3 : 5;
        int replicas = replicaCount != 0 ? replicaCount : drawn;
        int clients = (int) prng.between(1, 6);
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
        return new FaultMix(replicas, clients, loss, duplicate, delayMin, delayMax, partition, partitionTicks, flap, crash,
                downTicks, clusterCrash, writeTicks, think);
    }

    /** One line, for the failure report. */
    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "replicas=%d clients=%d loss=%.3f dup=%.3f delay=%d..%d partition=%.4f/tick(<=%d,flap=%.1f) "
                        + "crash=%.4f/tick(<=%d) clusterCrash=%.5f/tick write<=%d think<=%d",
                replicaCount, clientCount, lossProbability, duplicateProbability, delayTicksMin, delayTicksMax,
                partitionProbabilityPerTick, partitionTicksMax, partitionFlapProbability, crashProbabilityPerTick, downTicksMax,
                clusterCrashProbabilityPerTick, writeTicksMax, thinkTicksMax);
    }
}
