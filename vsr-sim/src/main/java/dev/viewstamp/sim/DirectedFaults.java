package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.replica.Replica;
import java.util.function.LongSupplier;

/**
 * Applies the directed faults a seed turns on ({@link Swarm}), each aimed at a path that random
 * faults rarely reach: a sector that decays, a replica that pauses, a disk that fills up in the
 * middle of a log change (and a crash around its resume), a sync that fails in one, a message held
 * back for thousands of ticks, a message delivered to a replica's next incarnation, a damaged
 * replica stranded next to the stalest one, a crash during a state sync's install, and checkpoint
 * files that fail as they are served or installed. {@link FaultInjector} calls on it at those moments, in
 * the safety phase only.
 *
 * <p>It draws from its own generator, so that with no directed fault on, the seed's other draws
 * stay as they were.
 */
final class DirectedFaults {
    private final Swarm swarm;
    private final Prng prng;
    private final int replicaCount;
    /** Replicas {@code 0..faultyDisks-1} have the disks that take data faults. */
    private final int faultyDisks;
    /** The Simulator's replicas, null while down. */
    private final Replica[] replicas;
    private final SimReplica[] sim;
    private final SimNetwork network;
    private final LongSupplier clock;
    private final Trace trace;
    /** Directed faults that happened, for the seed's coverage. */
    private long fullMidLogChanges;
    private long crashesAroundResume;
    private long syncFailsMidLogChange;
    private long pauses;
    private long staleDeliveries;
    private long strandedDamaged;
    private long crashesDuringInstall;
    /** The longest a disk write takes: a crash aimed at an install lands within a few of them. */
    private final int writeTicksMax;

    DirectedFaults(long seed, Swarm swarm, int faultyDisks, int writeTicksMax, Replica[] replicas, SimReplica[] sim,
            SimNetwork network, LongSupplier clock, Trace trace) {
        this.swarm = swarm;
        this.writeTicksMax = writeTicksMax;
        this.prng = new Prng(seed * 31 + 7);
        this.replicaCount = replicas.length;
        this.faultyDisks = faultyDisks;
        this.replicas = replicas;
        this.sim = sim;
        this.network = network;
        this.clock = clock;
        this.trace = trace;
        if (swarm.longDelayProbability() > 0) network.longDelays(swarm.longDelayProbability(), prng.fork());
        if (swarm.checkpointFileFaultProbability() > 0) {
            // Served chunks and staged files, on every replica: a fetcher checks what it gets.
            double p = swarm.checkpointFileFaultProbability();
            for (SimReplica replica : sim) replica.disk.checkpoints().faults(new SimCheckpointStore.Faults(p, p));
        }
        // A replica's own complete files, on the faulty disks only (at most f of them): a restart
        // that finds its named checkpoint bad fetches it, and needs a peer that still has it.
        for (int i = 0; i < faultyDisks; i++) sim[i].disk.checkpoints().ownFileFaults(swarm.ownFileFaultProbability());
    }

    /** Adds how often each directed fault happened to the seed's coverage. */
    void addTo(Coverage coverage) {
        coverage.directed(Coverage.Directed.FULL_MID_LOG_CHANGE, fullMidLogChanges);
        coverage.directed(Coverage.Directed.CRASH_AROUND_RESUME, crashesAroundResume);
        coverage.directed(Coverage.Directed.SYNC_FAIL_MID_LOG_CHANGE, syncFailsMidLogChange);
        coverage.directed(Coverage.Directed.LONG_DELAY, network.longDelayCount);
        coverage.directed(Coverage.Directed.PAUSE, pauses);
        coverage.directed(Coverage.Directed.STALE_AFTER_RESTART, staleDeliveries);
        coverage.directed(Coverage.Directed.STRAND_DAMAGED, strandedDamaged);
        coverage.directed(Coverage.Directed.CRASH_DURING_INSTALL, crashesDuringInstall);
        long fileFaults = 0;
        for (SimReplica replica : sim) {
            fileFaults += replica.disk.checkpoints().corruptedFiles + replica.disk.checkpoints().lostFiles;
        }
        coverage.directed(Coverage.Directed.CHECKPOINT_FILE_FAULTS, fileFaults);
        long lostAtRestart = 0;
        for (SimReplica replica : sim) lostAtRestart += replica.disk.checkpointLostRestarts;
        coverage.directed(Coverage.Directed.CHECKPOINT_LOST_AT_RESTART, lostAtRestart);
    }

    /** The directed faults that may start on any tick: a sector decays, a replica pauses. */
    void tick() {
        if (swarm.decayProbabilityPerTick() > 0 && prng.chance(swarm.decayProbabilityPerTick())) decay();
        if (swarm.pauseProbabilityPerTick() > 0 && prng.chance(swarm.pauseProbabilityPerTick())) pause();
    }

    /** A sector of a faulty disk decays into a latent error, long after it was written. */
    private void decay() {
        int i = prng.nextInt(Math.max(1, faultyDisks));
        if (i < faultyDisks && sim[i].disk.decay(prng)) trace("latent error: a sector of replica " + i + " decays");
    }

    /** A replica stops (no ticks, no disk, no messages) and later wakes up to a backlog. */
    private void pause() {
        int i = prng.nextInt(replicaCount);
        if (replicas[i] != null && sim[i].pausedUntil == 0) {
            sim[i].pausedUntil = now() + prng.between(20, swarm.pauseTicksMax());
            pauses++;
            trace("pause: replica " + i + " runs nothing until " + sim[i].pausedUntil);
        }
    }

    /**
     * Replica {@code i}, up, just asked for a log change of {@code suffixSize} entries: its disk
     * may fill partway through (then maybe a crash before or during the resume), or a sync during
     * it may fail.
     */
    void onLogChangeAsked(int i, int suffixSize) {
        if (swarm.fullMidLogChange() && sim[i].diskFullUntil == 0 && prng.chance(0.4)) {
            // Each step of a change is as likely to be hit as another, however many writes it has:
            // the cut-back superblock (4 copies), the suffix, the naming superblock, the headers.
            int writes = switch (prng.nextInt(4)) {
                case 0 -> prng.nextInt(4);
                case 1 -> 4 + prng.nextInt(suffixSize);
                case 2 -> 4 + suffixSize + prng.nextInt(4);
                default -> 8 + suffixSize + prng.nextInt(suffixSize);
            };
            sim[i].disk.disk().fullAfterWrites(writes);
            sim[i].diskFullUntil = now() + prng.between(5, 300);
            fullMidLogChanges++;
            trace("disk full: replica " + i + " after " + writes + " more writes, until " + sim[i].diskFullUntil);
            if (swarm.crashAroundResume() && prng.chance(0.6)) {
                crashesAroundResume++;
                if (prng.chance(0.5)) sim[i].crashOnResume = true;
                else sim[i].crashAt = now() + prng.between(1, Math.max(2, sim[i].diskFullUntil - now()));
            }
        }
        if (swarm.syncFailMidLogChange() && prng.chance(0.05)) {
            sim[i].disk.disk().failNextSync();
            syncFailsMidLogChange++;
            trace("sync error: replica " + i + "'s next sync fails, in a log change");
        }
    }

    /**
     * Replica {@code i}, up, just asked to install a checkpoint it fetched: it may crash soon,
     * within a few disk writes, so mostly between its staged file and a durable install (the
     * rename, the superblock's four copies, the previous file's delete).
     */
    void onInstallAsked(int i) {
        if (!swarm.crashDuringInstall() || sim[i].crashAt != 0 || !prng.chance(0.5)) return;
        sim[i].crashAt = now() + prng.between(1, 4L * writeTicksMax);
        crashesDuringInstall++;
        trace("crash planned: replica " + i + " at " + sim[i].crashAt + ", during its install");
    }

    /** Replica {@code i}'s full disk resumes with a crash planned for then: the crash comes soon after. */
    void crashWhileResuming(int i) {
        sim[i].crashAt = now() + prng.between(1, 20);
    }

    /**
     * Whether a message sent to a replica's previous incarnation is delivered after all, as a
     * runtime whose send queue survives a reconnect would.
     */
    boolean deliversSentBeforeRestart() {
        if (!swarm.staleAfterRestart() || !prng.chance(0.5)) return false;
        staleDeliveries++;
        return true;
    }

    /** Whether a replica whose journal came back damaged restarts stranded ({@link #strand}). */
    boolean strandsDamaged() {
        return swarm.strandDamaged();
    }

    /**
     * Damaged replica {@code i} restarts cut off from everyone but {@code peer}, the normal
     * replica in the lowest view (often a stale primary; -1 when there is none), so its repair
     * gives up and that replica's answers, whatever chain they are of, are what complete its log.
     * Returns the tick the partition should last until, at least.
     */
    long strand(int i, int peer) {
        strandedDamaged++;
        if (peer < 0) peer = (i + 1 + prng.nextInt(replicaCount - 1)) % replicaCount;
        long until = now() + prng.between(100, 1_000);
        boolean[] side = new boolean[replicaCount];
        side[i] = true;
        side[peer] = true;
        network.unblockAll();
        network.cutSides(side, -1);
        trace("partition: damaged replica " + i + " restarts next to replica " + peer + " only");
        return until;
    }

    private long now() {
        return clock.getAsLong();
    }

    private void trace(String text) {
        if (trace != null) trace.line(now(), text);
    }
}
