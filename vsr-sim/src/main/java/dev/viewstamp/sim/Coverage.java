package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Replica;

/**
 * How often the workload reached each operation and argument shape that matters for the
 * protocol and the service: a test asserts each is reached, and the summary prints them.
 */
public final class Coverage {
    public long gets, puts, appends, deletes, cases;
    public long getMissing, casFailed, casOk, largestValue, deleteAbsent, duplicateRequests, evictions, errors;
    /** Storage faults injected, what recovery found, and what repair did. */
    public long diskCorrupt, diskMisdirected, diskLatent, diskLostSectors, damagedRestarts, repairSlots, brokenChains,
            damagedSuffixes, repairedEntries, noSpaceStops, syncExits, lostDisks, incarnations, clusterCrashes;
    /** Data faults by the zone they hit, and writes lost whole. */
    public long faultsSuperblock, faultsHeaders, faultsPrepares, diskLostWrites;
    /** Checkpoints taken, compactions (checkpoints made durable) and state syncs installed, over all replicas. */
    public long checkpoints, compactions, stateSyncs;
    /** Times the cluster's log went round the journal's ring: its highest commit over the slot count. */
    public long journalLaps;

    /** The directed faults of {@link Swarm}: how often each happened, and in how many seeds. */
    public enum Directed {
        FULL_MID_LOG_CHANGE("full-mid-log-change"),
        CRASH_AROUND_RESUME("crash-around-resume"),
        SYNC_FAIL_MID_LOG_CHANGE("sync-fail-mid-log-change"),
        LONG_DELAY("long-delay"),
        PAUSE("pause"),
        STALE_AFTER_RESTART("stale-after-restart"),
        STRAND_DAMAGED("strand-damaged"),
        CRASH_DURING_INSTALL("crash-during-install"),
        CHECKPOINT_FILE_FAULTS("checkpoint-file-faults"),
        CHECKPOINT_LOST_AT_RESTART("checkpoint-lost-at-restart");

        final String label;

        Directed(String label) {
            this.label = label;
        }
    }

    public final long[] directedCount = new long[Directed.values().length];
    public final long[] directedSeeds = new long[Directed.values().length];
    /** Seeds counted into this coverage. */
    public long seeds;

    void directed(Directed kind, long count) {
        directedCount[kind.ordinal()] += count;
        if (count > 0) directedSeeds[kind.ordinal()]++;
    }

    /** Adds what a replica that is up counted; a crashed one's counts come from {@link FaultInjector}. */
    void addReplica(Replica replica) {
        duplicateRequests += replica.duplicateRequestCount();
        repairedEntries += replica.repairedEntryCount();
        incarnations += replica.incarnation();
        checkpoints += replica.checkpointCount();
        compactions += replica.compactionCount();
        stateSyncs += replica.syncCount();
    }

    /** Adds what one replica's disk saw: data faults by kind and zone, lost disks, and the damage repaired. */
    void addDisk(SimReplicaDisk disk) {
        lostDisks += disk.lostDisks;
        long[] zones = disk.faultsByZone();
        faultsSuperblock += zones[0];
        faultsHeaders += zones[1];
        faultsPrepares += zones[2];
        diskLostWrites += disk.disk().lostWrites();
        diskCorrupt += disk.disk().corruptions();
        diskMisdirected += disk.disk().misdirections();
        diskLatent += disk.disk().latentErrors();
        diskLostSectors += disk.disk().lostSectors();
        damagedRestarts += disk.damagedRestarts;
        repairSlots += disk.repairFaults;
        brokenChains += disk.brokenChains;
        damagedSuffixes += disk.damagedSuffixes;
    }

    void add(Coverage other) {
        gets += other.gets;
        puts += other.puts;
        appends += other.appends;
        deletes += other.deletes;
        cases += other.cases;
        getMissing += other.getMissing;
        casFailed += other.casFailed;
        casOk += other.casOk;
        largestValue += other.largestValue;
        deleteAbsent += other.deleteAbsent;
        duplicateRequests += other.duplicateRequests;
        evictions += other.evictions;
        errors += other.errors;
        diskCorrupt += other.diskCorrupt;
        diskMisdirected += other.diskMisdirected;
        diskLatent += other.diskLatent;
        diskLostSectors += other.diskLostSectors;
        damagedRestarts += other.damagedRestarts;
        repairSlots += other.repairSlots;
        brokenChains += other.brokenChains;
        damagedSuffixes += other.damagedSuffixes;
        repairedEntries += other.repairedEntries;
        noSpaceStops += other.noSpaceStops;
        syncExits += other.syncExits;
        lostDisks += other.lostDisks;
        incarnations += other.incarnations;
        clusterCrashes += other.clusterCrashes;
        faultsSuperblock += other.faultsSuperblock;
        faultsHeaders += other.faultsHeaders;
        faultsPrepares += other.faultsPrepares;
        diskLostWrites += other.diskLostWrites;
        checkpoints += other.checkpoints;
        compactions += other.compactions;
        stateSyncs += other.stateSyncs;
        journalLaps += other.journalLaps;
        for (int k = 0; k < directedCount.length; k++) {
            directedCount[k] += other.directedCount[k];
            directedSeeds[k] += other.directedSeeds[k];
        }
        seeds += other.seeds;
    }

    /** The storage line of the summary: faults injected by kind, then recovery and repair. */
    public String storageSummary() {
        return "cluster-crashes=" + clusterCrashes + " corrupt-writes=" + diskCorrupt + " misdirected-writes=" + diskMisdirected + " latent-errors=" + diskLatent
                + " lost-sectors=" + diskLostSectors + " damaged-restarts=" + damagedRestarts + " repair-slots="
                + repairSlots + " broken-chains=" + brokenChains + " damaged-suffixes=" + damagedSuffixes
                + " entries-repaired=" + repairedEntries + " disk-full-stops=" + noSpaceStops + " sync-error-exits="
                + syncExits + " lost-disks=" + lostDisks + " recovered-incarnations=" + incarnations
                + " faults-prepares=" + faultsPrepares + " faults-headers=" + faultsHeaders + " faults-superblock="
                + faultsSuperblock + " lost-writes=" + diskLostWrites + " journal-laps=" + journalLaps;
    }

    /** The directed-faults line: per fault, how often it happened and the share of seeds it reached. */
    public String directedSummary() {
        StringBuilder line = new StringBuilder();
        long total = Math.max(1, seeds);
        for (Directed kind : Directed.values()) {
            if (!line.isEmpty()) line.append(' ');
            line.append(kind.label).append('=').append(directedCount[kind.ordinal()]).append(String.format(
                    java.util.Locale.ROOT, "(%.0f%% of seeds)", 100.0 * directedSeeds[kind.ordinal()] / total));
        }
        return line.toString();
    }

    /** True when every shape the acceptance criteria name was reached at least once. */
    public boolean complete() {
        return gets > 0 && puts > 0 && appends > 0 && deletes > 0 && cases > 0 && getMissing > 0 && casFailed > 0
                && casOk > 0 && largestValue > 0 && deleteAbsent > 0 && duplicateRequests > 0;
    }

    @Override
    public String toString() {
        return "get=" + gets + " put=" + puts + " append=" + appends + " delete=" + deletes + " cas=" + cases
                + " get-missing=" + getMissing + " cas-failed=" + casFailed + " cas-ok=" + casOk
                + " largest-value=" + largestValue + " delete-absent=" + deleteAbsent
                + " duplicate-request=" + duplicateRequests + " eviction=" + evictions + " error=" + errors;
    }
}
