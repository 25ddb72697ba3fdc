package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Decides and applies the faults of a seed's safety phase, from its {@link FaultMix}, and calls
 * on {@link DirectedFaults} for the directed ones its {@link Swarm} turns on. Each tick
 * ({@link #tick}) it heals what is due and draws what starts: partitions, a long isolation,
 * crashes, selective loss, disk stalls, full disks and failed syncs. It also aims faults at
 * moments the {@link Simulator} reports: a replica that just changed status or view
 * ({@link #onTransition}), asked for a log change ({@link #onLogChangeAsked}) or restarted
 * ({@link #onRestart}). Once the liveness phase begins ({@link #stop}), every fault heals and
 * none starts.
 *
 * <p>It works on the cluster the Simulator runs: the replicas (a crash empties a replica's slot
 * until the Simulator restarts it), the simulator's side of each, and the network. It draws from
 * the seed's generator in turn with the Simulator, so the order of its draws is part of what a
 * seed replays.
 */
final class FaultInjector {
    private static final List<SimNetwork.Kind> VIEW_CHANGE_KINDS = List.of(SimNetwork.Kind.START_VIEW_CHANGE,
            SimNetwork.Kind.DO_VIEW_CHANGE, SimNetwork.Kind.START_VIEW);

    private final FaultMix mix;
    private final DirectedFaults directed;
    private final Prng prng;
    private final ClusterConfig config;
    private final int replicaCount;
    /** Nothing survives a crash: every crash loses the replica's state, and disks take no faults. */
    private final boolean diskless;
    /** Replicas {@code 0..faultyDisks-1} have the disks that take data faults. */
    private final int faultyDisks;
    private boolean crashOnlyWhenDiskQuiet;
    /** The Simulator's replicas, null while down. */
    private final Replica[] replicas;
    private final SimReplica[] sim;
    private final SimNetwork network;
    private final RestartChecks restartChecks;
    private final LongSupplier clock;
    private final Trace trace;
    /** True in the liveness phase: every fault has healed, and no new one starts. */
    private boolean stopped;
    private long partitionUntil;
    private long isolationUntil;
    private long crashes;
    private long clusterCrashes;
    // What crashed replicas had counted, which their next incarnations count from zero again.
    private long duplicateRequestsOfCrashed;
    private long repairedEntriesOfCrashed;
    private long checkpointsOfCrashed;
    private long compactionsOfCrashed;
    private long stateSyncsOfCrashed;

    FaultInjector(long seed, FaultMix mix, Swarm swarm, Prng prng, ClusterConfig config, boolean diskless,
            int faultyDisks, Replica[] replicas, SimReplica[] sim, SimNetwork network, RestartChecks restartChecks,
            LongSupplier clock, Trace trace) {
        this.mix = mix;
        this.directed = new DirectedFaults(seed, swarm, faultyDisks, mix.disk().writeTicksMax(), replicas, sim, network,
                clock, trace);
        this.prng = prng;
        this.config = config;
        this.replicaCount = replicas.length;
        this.diskless = diskless;
        this.faultyDisks = faultyDisks;
        this.replicas = replicas;
        this.sim = sim;
        this.network = network;
        this.restartChecks = restartChecks;
        this.clock = clock;
        this.trace = trace;
    }

    /** Crashes, in all: of single replicas and of each replica in a cluster crash. */
    long crashCount() {
        return crashes;
    }

    /** Adds what the faults did to the seed's coverage. */
    void addTo(Coverage coverage) {
        coverage.duplicateRequests += duplicateRequestsOfCrashed;
        coverage.repairedEntries += repairedEntriesOfCrashed;
        coverage.checkpoints += checkpointsOfCrashed;
        coverage.compactions += compactionsOfCrashed;
        coverage.stateSyncs += stateSyncsOfCrashed;
        coverage.clusterCrashes += clusterCrashes;
        directed.addTo(coverage);
    }

    // ---------------------------------------------------------------------------------------------
    // Each tick of the safety phase.

    /**
     * Heals the partition and the isolation whose time is up, then draws which faults start this
     * tick. The order of the draws is part of the seed: a change here changes what every seed runs.
     */
    void tick() {
        boolean healed = healPartitionIfDue();
        // A flapping network cuts again the moment it heals, before stale replicas can repair.
        boolean flap = healed && prng.chance(mix.partitions().flapProbability());
        if (partitionUntil == 0 && (flap || prng.chance(mix.partitions().partition().probabilityPerTick()))) {
            partition();
        }
        healIsolationIfDue();
        if (isolationUntil == 0 && prng.chance(mix.partitions().isolation().probabilityPerTick())) {
            isolate(primaryOfViewMax());
        }
        crashAtRandom();
        crashAsScheduled();
        if (prng.chance(mix.partitions().selectiveLoss().probabilityPerTick())) selectiveLoss();
        directed.tick();
        if (prng.chance(mix.disk().stall().probabilityPerTick())) {
            int i = prng.chance(0.5) ? faultTarget() : replicaMidway();
            if (i >= 0) diskStall(i);
        }
        if (!diskless && prng.chance(mix.disk().full().probabilityPerTick())) diskFull();
        if (!diskless && prng.chance(mix.disk().syncErrorProbabilityPerTick())) syncError();
    }

    /** Heals the partition if its time is up; returns whether it healed. */
    private boolean healPartitionIfDue() {
        if (now() < partitionUntil || partitionUntil <= 0) return false;
        network.unblockAll();
        partitionUntil = 0;
        trace("partition healed");
        return true;
    }

    private void healIsolationIfDue() {
        if (now() < isolationUntil || isolationUntil <= 0) return;
        network.endIsolation();
        isolationUntil = 0;
        trace("isolation healed");
    }

    /**
     * At most one crash drawn per tick: of the whole cluster, else of one replica (at most f down
     * at a time), else of a replica midway through a step ({@link #replicaMidway}).
     */
    private void crashAtRandom() {
        if (prng.chance(mix.crashes().clusterProbabilityPerTick()) && !diskless) {
            // Any number of replicas may crash briefly: what was durable must carry the cluster.
            // (Not in the diskless mode, where nothing is durable: it tolerates f crashes at a time.)
            trace("cluster crash");
            clusterCrashes++;
            for (int i = 0; i < replicaCount; i++) {
                if (replicas[i] != null) crash(i, prng.between(1, 60));
            }
        } else if (prng.chance(mix.crashes().replica().probabilityPerTick()) && downCount() < config.faultsMax()) {
            int i = faultTarget();
            if (replicas[i] != null) crash(i, prng.between(1, mix.crashes().replica().ticksMax()));
        } else if (prng.chance(mix.crashes().midwayProbabilityPerTick()) && downCount() < config.faultsMax()) {
            int i = replicaMidway();
            if (i >= 0) crash(i, downTicksAfterFault());
        }
    }

    /** The crashes scheduled for this tick (after a transition, or around a resume), while f allows. */
    private void crashAsScheduled() {
        for (int i = 0; i < replicaCount; i++) {
            if (sim[i].crashAt == 0 || now() < sim[i].crashAt) continue;
            sim[i].crashAt = 0;
            if (replicas[i] != null && downCount() < config.faultsMax()) crash(i, downTicksAfterFault());
        }
    }

    /** A replica's disk fills up: it acknowledges nothing more until space returns ({@link #endDiskFull}). */
    private void diskFull() {
        int i = faultTarget();
        if (replicas[i] != null && sim[i].diskFullUntil == 0) {
            sim[i].diskFullUntil = now() + prng.between(5, mix.disk().full().ticksMax());
            sim[i].disk.disk().full(true);
            trace("disk full: replica " + i + " until " + sim[i].diskFullUntil);
        }
    }

    /** A replica's next sync fails, and the replica exits. */
    private void syncError() {
        int i = faultTarget();
        if (replicas[i] != null) {
            sim[i].disk.disk().failNextSync();
            trace("sync error: replica " + i + "'s next sync fails");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Faults aimed at what the Simulator reports.

    /**
     * Replica {@code i} just changed status or view, or started catching up: sometimes a fault hits
     * it now, in the middle of that step ({@link #faultAfterTransition}).
     */
    void onTransition(int i) {
        if (!stopped && prng.chance(mix.faultAfterTransitionProbability())) faultAfterTransition(i);
    }

    /**
     * A replica just changed status or view, or started catching up: a fault hits it now, in the
     * middle of that step. A new primary is cut off from the other replicas (clients still reach
     * it) if the seed isolates replicas at all; otherwise the replica crashes soon, its disk
     * stalls so that its last writes stay pending, or both, and the crash then loses those writes
     * (a primary-elect's choice of log, a backup's adoption of a new view, the last step of a
     * state transfer).
     */
    private void faultAfterTransition(int i) {
        if (replicas[i].isPrimaryNormal() && isolationUntil == 0
                && mix.partitions().isolation().probabilityPerTick() > 0 && prng.chance(0.5)) {
            isolate(i);
            return;
        }
        long stallTicks = prng.chance(0.67) ? diskStall(i) : 0;
        if (prng.chance(0.67) && sim[i].crashAt == 0) {
            sim[i].crashAt = now() + prng.between(1, Math.max(40, stallTicks));
        }
    }

    /**
     * Replica {@code i} just asked for a log change of {@code suffixSize} entries: in the safety
     * phase, with a disk that may fail, a directed fault may hit it ({@link DirectedFaults}).
     */
    void onLogChangeAsked(int i, int suffixSize) {
        if (stopped || diskless || replicas[i] == null) return;
        directed.onLogChangeAsked(i, suffixSize);
    }

    /**
     * Replica {@code i} just asked for the install of a checkpoint it fetched: in the safety phase,
     * a directed fault may crash it before the install is durable ({@link DirectedFaults}).
     */
    void onInstallAsked(int i) {
        if (stopped || diskless || replicas[i] == null) return;
        directed.onInstallAsked(i);
    }

    /**
     * Replica {@code i} just restarted ({@code damaged}: its journal came back damaged): in the
     * safety phase, it may come back on another side of a partition.
     */
    void onRestart(int i, boolean damaged) {
        if (stopped || replicaCount <= 1) return;
        if (damaged && directed.strandsDamaged()) {
            long until = directed.strand(i, stalestNormalPeer(i));
            partitionUntil = Math.max(partitionUntil, until);
        } else if (prng.chance(mix.partitions().restartElsewhereProbability())) {
            restartElsewhere(i);
        }
    }

    /**
     * Whether a message sent to a replica's previous incarnation is delivered after all. Usually
     * it is lost with its connections; a runtime whose send queue survives a reconnect delivers it
     * (directed fault).
     */
    boolean deliversSentBeforeRestart() {
        return !stopped && directed.deliversSentBeforeRestart();
    }

    // ---------------------------------------------------------------------------------------------
    // Crashes.

    /**
     * From now on a replica crashes only when its disk has no write in flight (the TLA+ model's
     * scope: the model takes a state write as durable when issued).
     */
    void crashOnlyWhenDiskQuiet() {
        crashOnlyWhenDiskQuiet = true;
    }

    /** Replica {@code i} crashes for {@code downTicks} ticks, and may lose its disk. */
    void crash(int i, long downTicks) {
        if (crashOnlyWhenDiskQuiet && sim[i].disk.writing()) return;
        // A crash that loses the replica's state (always, in the diskless mode) waits until every
        // other replica is up and whole: at most f replicas are without their state at a time,
        // counting those whose disks have data faults.
        boolean mayLose = mayLoseState(i) && (i < faultyDisks || faultyDisks < config.faultsMax());
        boolean lose = diskless || (prng.chance(mix.crashes().diskLossProbability()) && mayLose);
        if (diskless && !mayLose) return;
        trace("crash replica " + i + " for " + downTicks + " ticks" + (lose ? ", losing its disk" : ""));
        restartChecks.crashed(i, replicas[i], lose);
        duplicateRequestsOfCrashed += replicas[i].duplicateRequestCount();
        repairedEntriesOfCrashed += replicas[i].repairedEntryCount();
        checkpointsOfCrashed += replicas[i].checkpointCount();
        compactionsOfCrashed += replicas[i].compactionCount();
        stateSyncsOfCrashed += replicas[i].syncCount();
        replicas[i] = null;
        if (sim[i].pausedUntil != 0) {
            sim[i].pausedUntil = 0;
            sim[i].backlog.clear();
        }
        sim[i].crashOnResume = false;
        if (lose) sim[i].disk.lose();
        else sim[i].disk.crash();
        sim[i].downUntil = now() + downTicks;
        sim[i].lastState = null;
        sim[i].lastStatus = null;
        sim[i].crashAt = 0;
        crashes++;
    }

    /** True when every replica but {@code i} is up, past recovery, and holds a whole log. */
    private boolean mayLoseState(int i) {
        for (int j = 0; j < replicaCount; j++) {
            if (j == i) continue;
            Replica r = replicas[j];
            if (r == null || r.status() == Status.RECOVERING || r.logDamaged() || r.logDamagedDurably()) return false;
        }
        return true;
    }

    /** Replicas down now. */
    private int downCount() {
        int down = 0;
        for (Replica replica : replicas) if (replica == null) down++;
        return down;
    }

    /** Half the time a quick restart (the replica comes back into the same situation), else long. */
    private long downTicksAfterFault() {
        return prng.chance(0.5) ? prng.between(1, 60) : prng.between(1, mix.crashes().replica().ticksMax());
    }

    /**
     * A live replica in the middle of something that a crash would cut short, or -1 when there is
     * none of the kind drawn: a primary-elect (in view change, or normal with writes in flight,
     * such as its choice of log), a replica voting in a view change, one catching up by state
     * transfer, or a primary with writes in flight. The bugs that need several steps (a vote
     * forgotten, a choice of log handed out before it was durable, committed entries installed
     * and then dropped) all pass through these moments, which a crash at a random tick rarely hits.
     */
    private int replicaMidway() {
        int first = prng.nextInt(replicaCount);
        int kind = prng.nextInt(4);
        for (int k = 0; k < replicaCount; k++) {
            int i = (first + k) % replicaCount;
            Replica r = replicas[i];
            if (r == null) continue;
            boolean primaryOfView = config.primaryIndex(r.view()) == i;
            boolean midway = switch (kind) {
                case 0 -> primaryOfView && (r.status() == Status.VIEW_CHANGE || sim[i].disk.writing());
                case 1 -> !primaryOfView && r.status() == Status.VIEW_CHANGE;
                case 2 -> r.catchingUp();
                default -> r.isPrimaryNormal() && sim[i].disk.writing();
            };
            if (midway) return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------
    // Disks.

    /** Replica {@code i}'s disk completes no write for a while; returns for how many ticks. */
    private long diskStall(int i) {
        long ticks = prng.between(5, mix.disk().stall().ticksMax());
        sim[i].diskStallUntil = Math.max(sim[i].diskStallUntil, now() + ticks);
        trace("disk stall: replica " + i + " completes no write until " + sim[i].diskStallUntil);
        return ticks;
    }

    /** Space returns to a full disk: the storage goes on with what it stopped at. */
    void endDiskFull(int i) {
        sim[i].diskFullUntil = 0;
        sim[i].disk.disk().full(false);
        trace("disk space returns: replica " + i);
        sim[i].disk.resume();
        if (sim[i].crashOnResume) {
            // Directed: a crash while the resumed writes are in flight.
            sim[i].crashOnResume = false;
            if (!stopped) directed.crashWhileResuming(i);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The network: partitions, isolation, selective loss.

    /**
     * Selective loss: one replica stops hearing some kinds of message for a while. The groups are
     * the ones multi-step bugs need: deaf to view changes (it stays in its old view, following a
     * stale primary or catching up, while the others move on), gaps in its prepares (it catches up
     * within its view, asking replica after replica), complete NewStates lost (it installs a newer
     * view's committed entries without adopting that view), or any mix of kinds.
     */
    private void selectiveLoss() {
        int r = prng.chance(0.5) ? faultTarget() : prng.nextInt(replicaCount);
        long until = now() + prng.between(10, mix.partitions().selectiveLoss().ticksMax());
        List<SimNetwork.Kind> kinds = new ArrayList<>();
        switch (prng.nextInt(4)) {
            case 0 -> kinds.addAll(VIEW_CHANGE_KINDS);
            case 1 -> kinds.add(SimNetwork.Kind.PREPARE);
            case 2 -> kinds.add(SimNetwork.Kind.NEW_STATE_COMPLETE);
            default -> {
                for (SimNetwork.Kind kind : SimNetwork.Kind.values()) if (prng.chance(0.3)) kinds.add(kind);
            }
        }
        for (SimNetwork.Kind kind : kinds) network.dropKind(r, kind, until);
        trace("selective loss: replica " + r + " hears no " + kinds + " until " + until);
    }

    /**
     * A partition around a fault target, in one of eight shapes: cut off from everyone, unable to
     * send, unable to receive, two sides, cut from the replicas only, links cut one way, a bridged
     * partition, or cut from the clients.
     */
    private void partition() {
        partitionUntil = now() + prng.between(10, mix.partitions().partition().ticksMax());
        int r = faultTarget();
        int nodeCount = replicaCount + mix.workload().clientCount();
        switch (prng.nextInt(8)) {
            case 0 -> {
                trace("partition: isolate replica " + r);
                for (int n = 0; n < nodeCount; n++) if (n != r) network.cut(r, n);
            }
            case 1 -> {
                trace("partition: replica " + r + " cannot send");
                for (int n = 0; n < nodeCount; n++) if (n != r) network.block(r, n);
            }
            case 2 -> {
                trace("partition: replica " + r + " cannot receive");
                for (int n = 0; n < nodeCount; n++) if (n != r) network.block(n, r);
            }
            case 3 -> partitionInTwo();
            case 4 -> {
                // Clients still reach it: an isolated primary keeps preparing requests that no
                // backup sees, a divergent suffix that later view changes must discard.
                trace("partition: replica " + r + " cut from the other replicas");
                for (int n = 0; n < replicaCount; n++) if (n != r) network.cut(r, n);
            }
            case 5 -> partitionOneWay();
            case 6 -> partitionBridged(r);
            default -> {
                trace("partition: clients cut from replica " + r);
                for (int c = replicaCount; c < nodeCount; c++) network.cut(r, c);
            }
        }
    }

    /** Two sides drawn at random, cut from each other. */
    private void partitionInTwo() {
        boolean[] side = new boolean[replicaCount];
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < replicaCount; i++) {
            side[i] = prng.chance(0.5);
            if (side[i]) names.append(i).append(' ');
        }
        trace("partition: replicas { " + names + "} from the rest");
        network.cutSides(side, -1);
    }

    /**
     * Links cut one way at random: reachability is then neither symmetric nor transitive, so a
     * replica can vote in a view its old primary never hears of.
     */
    private void partitionOneWay() {
        StringBuilder links = new StringBuilder();
        for (int a = 0; a < replicaCount; a++) {
            for (int b = 0; b < replicaCount; b++) {
                if (a == b || !prng.chance(0.4)) continue;
                network.block(a, b);
                links.append(a).append("->").append(b).append(' ');
            }
        }
        trace("partition: links cut { " + links + "}");
    }

    /**
     * A bridge (as in Jepsen): two sides, and one replica that reaches both. Half the time the
     * bridge also misses view-change messages, so it stays in the old view, catching up from
     * whoever answers, while the other side elects a new primary.
     */
    private void partitionBridged(int r) {
        int bridge = prng.nextInt(replicaCount);
        boolean[] side = new boolean[replicaCount];
        side[r] = true;
        for (int i = 0; i < replicaCount; i++) if (i != r && i != bridge) side[i] = prng.chance(0.3);
        network.cutSides(side, bridge);
        boolean deaf = bridge != r && prng.chance(0.5);
        if (deaf) for (SimNetwork.Kind kind : VIEW_CHANGE_KINDS) network.dropKind(bridge, kind, partitionUntil);
        trace("partition: replica " + r + " and its side cut from the rest, bridged by replica " + bridge
                + (deaf ? ", deaf to view changes" : ""));
    }

    /**
     * A long isolation of replica {@code r} (usually the primary) from the other replicas, while
     * clients still reach it and other partitions come and go. It goes on preparing requests that
     * no backup sees while the others move on through later views, and it stays a stale primary
     * that a lagging or restarted replica may meet.
     */
    private void isolate(int r) {
        isolationUntil = now() + prng.between(100, mix.partitions().isolation().ticksMax());
        trace("isolation: replica " + r + " cut from the other replicas until " + isolationUntil);
        network.isolate(r, replicaCount);
    }

    /**
     * A restarted replica comes back on another side: it reaches {@code peer} and whom
     * {@code peer} reaches. Mostly the peer is the normal replica in the lowest view, often a
     * stale primary still serving an old view alone: the replica restarts next to the stalest
     * state in the cluster.
     */
    private void restartElsewhere(int i) {
        int peer = prng.chance(0.75) ? stalestNormalPeer(i) : -1;
        if (peer < 0) peer = (i + 1 + prng.nextInt(replicaCount - 1)) % replicaCount;
        if (partitionUntil == 0) {
            // A new partition: the two on one side, each other replica with them or not.
            partitionUntil = now() + prng.between(10, mix.partitions().partition().ticksMax());
            boolean[] side = new boolean[replicaCount];
            side[i] = true;
            side[peer] = true;
            for (int j = 0; j < replicaCount; j++) if (j != i && j != peer) side[j] = prng.chance(0.3);
            network.cutSides(side, -1);
        } else {
            network.joinSide(i, peer);
        }
        trace("partition: replica " + i + " restarts on the side of replica " + peer);
    }

    // ---------------------------------------------------------------------------------------------
    // Whom a fault hits.

    /**
     * The replica a fault hits: half the time the primary of the highest normal view, because
     * faults at the primary are what force view changes and leave stale logs behind.
     */
    private int faultTarget() {
        return prng.chance(0.5) ? primaryOfViewMax() : prng.nextInt(replicaCount);
    }

    /** The primary of the highest normal view, or a random replica when none is normal. */
    private int primaryOfViewMax() {
        int primary = prng.nextInt(replicaCount);
        long viewMax = -1;
        for (Replica replica : replicas) {
            if (replica != null && replica.isPrimaryNormal() && replica.view() > viewMax) {
                viewMax = replica.view();
                primary = replica.replicaIndex();
            }
        }
        return primary;
    }

    /** The normal replica other than {@code i} in the lowest view (often a stale primary), or -1. */
    private int stalestNormalPeer(int i) {
        int peer = -1;
        for (int j = 0; j < replicaCount; j++) {
            if (j == i || replicas[j] == null || replicas[j].status() != Status.NORMAL) continue;
            if (peer < 0 || replicas[j].view() < replicas[peer].view()) peer = j;
        }
        return peer;
    }

    // ---------------------------------------------------------------------------------------------
    // The liveness phase.

    /** From now on no fault starts, and the network, its partitions and the isolation heal. */
    void stop() {
        stopped = true;
        network.heal();
        partitionUntil = 0;
        isolationUntil = 0;
    }

    /** Replica {@code i}'s faults heal: if down it restarts now; its disk stalls no more and has space again. */
    void heal(int i) {
        if (replicas[i] == null) sim[i].downUntil = now();
        sim[i].diskStallUntil = 0;
        if (sim[i].diskFullUntil != 0) endDiskFull(i);
    }

    private long now() {
        return clock.getAsLong();
    }

    private void trace(String text) {
        if (trace != null) trace.line(now(), text);
    }
}
