package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The directed faults one seed turns on, and where its faulty disks take data faults (swarm
 * testing: each seed runs a random subset, so no fault drowns another). Each is aimed at a path
 * that random faults rarely reach:
 *
 * <ul>
 *   <li>{@code fullMidLogChange}: a disk fills in the middle of a log change (a view change's or a
 *       catch-up's), then space returns and the change resumes;
 *   <li>{@code crashAroundResume}: soon after such a stop, a crash, before or during the resume;
 *   <li>{@code syncFailMidLogChange}: a sync fails during a log change (the process exits);
 *   <li>{@code longDelay}: a message is held back for thousands of ticks;
 *   <li>{@code pause}: a replica stops (no ticks, no disk, no messages) and wakes up to a backlog;
 *   <li>{@code staleAfterRestart}: messages sent to a replica before it restarted are delivered
 *       after, as a runtime's reconnecting send queue would;
 *   <li>{@code strandDamaged}: a replica whose journal came back damaged restarts next to the
 *       stalest replica, cut off from the rest, so its repair gives up and a stale primary's
 *       answer or a mixed log completes it (the path of issue 7's bug 3);
 *   <li>{@code zones}: the on-disk zones a faulty disk takes data faults in (superblock copies,
 *       redundant headers, prepares), with lost writes at {@code lostWriteProbability}, and
 *       sectors that decay into latent errors on their own, long after they were written;
 *   <li>{@code crashDuringInstall}: a replica that asks to install a checkpoint it fetched crashes
 *       soon after, mostly before the install is durable (docs/CHECKPOINTS.md, section 7);
 *   <li>{@code checkpointFileFaultProbability}: checkpoint files fail as the file system may
 *       ({@link SimCheckpointStore.Faults}): a chunk a peer serves reads back with a flipped bit
 *       or not at all, and a staged file is damaged or gone when its install reads it;
 *   <li>{@code ownFileFaultProbability}: at each crash of a faulty disk's replica, one of its
 *       complete checkpoint files, often the one its superblock names, is damaged or lost, so its
 *       restart fetches that checkpoint from a peer (docs/CHECKPOINTS.md, section 5).
 * </ul>
 *
 * <p>Drawn from its own generator, so the rest of a seed's draws do not depend on it.
 */
record Swarm(
        boolean fullMidLogChange,
        boolean crashAroundResume,
        boolean syncFailMidLogChange,
        double longDelayProbability,
        double pauseProbabilityPerTick,
        int pauseTicksMax,
        boolean staleAfterRestart,
        boolean strandDamaged,
        boolean[] zones,
        double lostWriteProbability,
        double decayProbabilityPerTick,
        boolean crashDuringInstall,
        double checkpointFileFaultProbability,
        double ownFileFaultProbability) {

    /** None of it: the fault model seeds ran before directed faults and data faults outside the prepares. */
    static final Swarm NONE = new Swarm(false, false, false, 0, 0, 0, false, false,
            new boolean[] {false, false, true}, 0, 0, false, 0, 0);

    static Swarm draw(long seed) {
        Prng prng = new Prng(seed ^ 0x5357_4152_4D5F_5631L);
        boolean[] zones = new boolean[SurvivableFaults.Zone.values().length];
        do {
            for (int z = 0; z < zones.length; z++) zones[z] = prng.chance(0.6);
        } while (!zones[0] && !zones[1] && !zones[2]);
        return new Swarm(
                prng.chance(0.5),
                prng.chance(0.5),
                prng.chance(0.3),
                prng.chance(0.4) ? prng.nextDouble() * 0.002 : 0,
                prng.chance(0.4) ? prng.nextDouble() * 0.002 : 0,
                (int) prng.between(50, 2_000),
                prng.chance(0.4),
                prng.chance(0.5),
                zones,
                prng.chance(0.5) ? prng.nextDouble() * 0.01 : 0,
                prng.chance(0.5) ? prng.nextDouble() * 0.02 : 0,
                // Drawn last, so the draws above are what they were before state sync.
                prng.chance(0.5),
                prng.chance(0.5) ? prng.nextDouble() * 0.05 : 0,
                prng.chance(0.5) ? 0.1 + prng.nextDouble() * 0.4 : 0);
    }

    /** The directed faults that need no disk: for the diskless mode, where nothing is written. */
    Swarm withoutDisk() {
        return new Swarm(false, false, false, longDelayProbability, pauseProbabilityPerTick, pauseTicksMax,
                staleAfterRestart, false, new boolean[] {false, false, false}, 0, 0, false, 0, 0);
    }

    /** One line, for the failure report. */
    String describe() {
        List<String> on = new ArrayList<>();
        if (fullMidLogChange) on.add("fullMidLogChange");
        if (crashAroundResume) on.add("crashAroundResume");
        if (syncFailMidLogChange) on.add("syncFailMidLogChange");
        if (longDelayProbability > 0) on.add(String.format(Locale.ROOT, "longDelay=%.4f/message", longDelayProbability));
        if (pauseProbabilityPerTick > 0) {
            on.add(String.format(Locale.ROOT, "pause=%.4f/tick(<=%d)", pauseProbabilityPerTick, pauseTicksMax));
        }
        if (staleAfterRestart) on.add("staleAfterRestart");
        if (strandDamaged) on.add("strandDamaged");
        if (crashDuringInstall) on.add("crashDuringInstall");
        if (checkpointFileFaultProbability > 0) {
            on.add(String.format(Locale.ROOT, "checkpointFileFaults=%.4f/read", checkpointFileFaultProbability));
        }
        if (ownFileFaultProbability > 0) {
            on.add(String.format(Locale.ROOT, "ownCheckpointFileFaults=%.4f/crash", ownFileFaultProbability));
        }
        StringBuilder zoneNames = new StringBuilder();
        if (!zones[0] && !zones[1] && !zones[2]) return String.join(" ", on);
        for (SurvivableFaults.Zone zone : SurvivableFaults.Zone.values()) {
            if (zones[zone.ordinal()]) zoneNames.append(zoneNames.isEmpty() ? "" : "+").append(zone.name().toLowerCase(Locale.ROOT));
        }
        on.add("zones=" + zoneNames);
        if (lostWriteProbability > 0) on.add(String.format(Locale.ROOT, "lostWrites=%.4f/write", lostWriteProbability));
        if (decayProbabilityPerTick > 0) on.add(String.format(Locale.ROOT, "decay=%.4f/tick", decayProbabilityPerTick));
        return String.join(" ", on);
    }
}
