package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvLimits;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.sim.check.LinearizabilityChecker;
import dev.viewstamp.sim.check.Operation;
import dev.viewstamp.sim.check.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs one seed: a whole cluster and its clients in one thread, time in ticks, every choice drawn
 * from one seeded generator. Two phases:
 * <ol>
 *   <li>Safety: faults drawn from the seed's {@link FaultMix} (loss, duplication, delay spread,
 *       partitions, crashes with at most f replicas down, brief whole-cluster crashes, selective
 *       loss, disk stalls, faults aimed at replicas midway through a view change or a state
 *       transfer, restarts onto another side) while the clients run their workload. Agreement of
 *       committed entries is checked after every tick.
 *   <li>Liveness: every fault heals and every replica restarts; the clients finish what they
 *       started; the cluster must converge (same view, op, commit and state on every replica)
 *       within {@link Options#livenessTicksMax}.
 * </ol>
 * Then the clients' history is checked for linearizability.
 */
public final class Simulator {

    /**
     * What to run. {@code replicaCount} 0 lets each seed choose 3 or 5. {@code diskless}: nothing
     * survives a crash, so every restart recovers from the cluster (at most one replica is without
     * its state at a time, and there are no storage faults).
     */
    public record Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries,
            boolean diskless, FaultModel faultModel) {
        public Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries) {
            this(replicaCount, safetyTicks, livenessTicksMax, canaries, false, FaultModel.SWARM);
        }

        public static Options defaults() {
            return new Options(0, 5_000, 20_000, Set.of());
        }

        public Options withReplicaCount(int count) {
            return new Options(count, safetyTicks, livenessTicksMax, canaries, diskless, faultModel);
        }

        public Options withSafetyTicks(int ticks) {
            return new Options(replicaCount, ticks, livenessTicksMax, canaries, diskless, faultModel);
        }

        public Options withCanaries(Set<Canary> set) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, set, diskless, faultModel);
        }

        public Options withDiskless(boolean on) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, canaries, on, faultModel);
        }

        public Options withFaultModel(FaultModel model) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, canaries, diskless, model);
        }
    }

    /**
     * {@code SWARM} (the default): data faults on every zone of a faulty disk within what the
     * format survives, and a random subset of directed faults per seed ({@link Swarm}).
     * {@code BASIC}: the fault model before them (data faults on the prepares ring only): a seed
     * draws under it the faults it drew then, so it replays the run it gave then for as long as
     * the code it drives behaves the same.
     */
    public enum FaultModel { BASIC, SWARM }

    private static final int KEY_SIZE_BYTES_MAX = 32;
    private static final int VALUE_SIZE_BYTES_MAX = 96;
    /** The journal ring must hold a whole run's log until checkpoints exist. */
    private static final int JOURNAL_SLOT_COUNT = 2048;
    /**
     * The journal's body limit and the batch limit. A batch of at most 8 requests of at most a key,
     * a value and their framing each stays far below it, so the count bounds batches.
     */
    private static final int JOURNAL_BODY_SIZE_BYTES_MAX = 4096;
    private static final List<SimNetwork.Kind> VIEW_CHANGE_KINDS = List.of(SimNetwork.Kind.START_VIEW_CHANGE,
            SimNetwork.Kind.DO_VIEW_CHANGE, SimNetwork.Kind.START_VIEW);

    private final long seed;
    private final Options options;
    private final Trace trace;
    private final Prng prng;
    private final FaultMix mix;
    private final Swarm swarm;
    /** The directed faults' own generator: with none on, the seed's other draws stay as they were. */
    private final Prng swarmPrng;
    /** Directed faults that happened: see {@link Swarm}. */
    private long fullMidLogChanges;
    private long crashesAroundResume;
    private long syncFailsMidLogChange;
    private long pauses;
    private long staleDeliveries;
    private long strandedDamaged;
    /** Durability and log view, checked at every restart. */
    private final RestartChecks restartChecks;
    private final ClusterConfig config;
    private final int replicaCount;
    private final Replica[] replicas;
    private long repairedEntriesOfCrashed;
    /** The simulator's side of each replica: its disk, its output port, its faults. */
    private final SimReplica[] sim;
    private long noSpaceStops;
    private long clusterCrashes;
    private final int faultyDisks;
    private long syncExits;
    private final SimClient[] clients;
    private final ClientSender[] senders;
    private final SimNetwork network;
    private final Agreement agreement;
    private final Coverage coverage = new Coverage();
    private long now;
    private long partitionUntil;
    private long isolationUntil;
    private long viewMaxStarted;
    private long viewChanges;
    private long crashes;
    private long duplicateRequestsOfCrashed;
    private boolean liveness;

    public Simulator(long seed, Options options, Trace trace) {
        this.seed = seed;
        this.options = options;
        this.trace = trace;
        this.prng = new Prng(seed);
        this.mix = FaultMix.draw(prng, options.replicaCount());
        this.swarm = options.faultModel() == FaultModel.BASIC ? Swarm.NONE
                : options.diskless() ? Swarm.draw(seed).withoutDisk() : Swarm.draw(seed);
        this.swarmPrng = new Prng(seed * 31 + 7);
        this.replicaCount = mix.replicaCount();
        int sessionsMax = prng.chance(0.2) ? Math.max(1, mix.workload().clientCount() - 1) : 64;
        int pipelineMax = (int) prng.between(1, 8);
        // Small state transfers (as small as the pipeline allows) take a lagging replica through
        // many partial NewStates: committed entries of a newer view installed under an old view,
        // the state that a crash or a stale primary must not corrupt.
        int stateTransferOpsMax = prng.chance(0.5) ? (int) prng.between(pipelineMax, pipelineMax + 4)
                : (int) prng.between(Math.max(8, pipelineMax), 32);
        this.config = ClusterConfig.builder()
                .clusterId(seed & 0xFFFF)
                .replicaCount(replicaCount)
                .pipelinePrepareCountMax(pipelineMax)
                .batchRequestCountMax((int) prng.between(1, 8))
                .journalBodySizeBytesMax(JOURNAL_BODY_SIZE_BYTES_MAX)
                .batchSizeBytesMax(JOURNAL_BODY_SIZE_BYTES_MAX)
                .stateTransferOpsMax(stateTransferOpsMax)
                .clientTableSessionsMax(sessionsMax)
                // Timeouts drawn per seed: short ones make view changes (and races among them)
                // common, long ones exercise retransmission within a view.
                .commitIntervalTicks(10)
                .normalTimeoutTicks((int) prng.between(30, 200))
                .viewChangeTimeoutTicks((int) prng.between(40, 200))
                .viewChangeRetransmitTicks((int) prng.between(5, 30))
                .prepareRetransmitTicks((int) prng.between(5, 40))
                .stateTransferRetransmitTicks((int) prng.between(5, 60))
                .canariesForTesting(options.canaries())
                .build();
        // Every command the workload sends fits a batch: SimClient takes a TOO_LARGE reply for a bug.
        Check.that(Request.OVERHEAD_SIZE_BYTES + new KvLimits(KEY_SIZE_BYTES_MAX, VALUE_SIZE_BYTES_MAX).commandSizeBytesMax()
                <= config.batchSizeBytesMax(), "the workload's commands fit a batch");
        this.replicas = new Replica[replicaCount];
        this.restartChecks = new RestartChecks(replicaCount);
        this.agreement = new Agreement(replicaCount);
        this.sim = new SimReplica[replicaCount];
        for (int i = 0; i < replicaCount; i++) {
            replicas[i] = Replica.create(config, i, stateMachine(), prng.fork());
            traceIgnored(i);
        }
        // Each replica's data file: the real journal and superblock on a simulated disk. Data
        // faults (corruption, misdirected writes, latent errors) hit the prepares of at most f
        // replicas, so every acknowledged op keeps a good copy on a quorum (docs/STORAGE.md).
        Journal.Layout layout = new Journal.Layout(config.clusterId(), JOURNAL_SLOT_COUNT, config.journalBodySizeBytesMax(),
                SimDisk.SECTOR_SIZE_BYTES);
        int faultyDisks = (int) prng.between(0, config.faultsMax());
        if (options.diskless()) faultyDisks = 0;
        this.faultyDisks = faultyDisks;
        for (int i = 0; i < replicaCount; i++) {
            boolean faulty = i < faultyDisks;
            SimDisk.Faults faults = faulty ? new SimDisk.Faults(mix.disk().writeTicksMax(), mix.disk().data().corruptProbability(),
                    mix.disk().data().misdirectProbability(), mix.disk().data().latentErrorProbability(), swarm.lostWriteProbability())
                    : new SimDisk.Faults(mix.disk().writeTicksMax(), 0, 0, 0);
            sim[i] = new SimReplica(new SimReplicaDisk(config, layout, i, prng.fork(), faults, new DiskListener(i)),
                    new ReplicaOutput(i));
            sim[i].disk.dataFaults(faulty, swarm == Swarm.NONE ? null : swarm.zones());
        }
        this.network = new SimNetwork(prng.fork(), mix.network(), replicaCount + mix.workload().clientCount());
        if (swarm.longDelayProbability() > 0) network.longDelays(swarm.longDelayProbability(), swarmPrng.fork());
        this.clients = new SimClient[mix.workload().clientCount()];
        this.senders = new ClientSender[mix.workload().clientCount()];
        int keyCount = (int) prng.between(1, 4);
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new SimClient(c, replicaCount, prng.fork(), mix.workload(), keyCount, VALUE_SIZE_BYTES_MAX);
            senders[c] = new ClientSender(c);
        }
    }

    public FaultMix mix() {
        return mix;
    }

    /** The seed's fault mix and, when any, its directed faults: one line, for the failure report. */
    public String describeFaults() {
        return mix.describe() + (swarm == Swarm.NONE ? "" : " directed: " + swarm.describe());
    }

    private static KvStateMachine stateMachine() {
        return new KvStateMachine(new KvLimits(KEY_SIZE_BYTES_MAX, VALUE_SIZE_BYTES_MAX));
    }

    /**
     * Runs the seed to its verdict. An invariant violation in the core is a safety failure; any
     * other exception fails the seed as an exception ({@link SeedRun#runSeed} catches the rest).
     */
    public SimResult run() {
        trace("seed " + seed + " " + describeFaults() + " pipeline=" + config.pipelinePrepareCountMax()
                + " batch=" + config.batchRequestCountMax() + " sessions=" + config.clientTableSessionsMax());
        try {
            for (int c = 0; c < clients.length; c++) clients[c].start(senders[c]);
            while (now < options.safetyTicks()) {
                now++;
                injectFaults();
                step();
            }
            enterLivenessPhase();
            long deadline = now + options.livenessTicksMax();
            while (!converged()) {
                if (now >= deadline) {
                    return result(SimResult.Outcome.LIVENESS, "no convergence within " + options.livenessTicksMax()
                            + " ticks after faults healed: " + describeReplicas());
                }
                now++;
                step();
            }
        } catch (AssertionError e) {
            trace("safety violation: " + e.getMessage());
            return result(SimResult.Outcome.SAFETY, e.getMessage());
        } catch (RuntimeException e) {
            trace("exception: " + e);
            return result(SimResult.Outcome.EXCEPTION, SeedRun.describe(e));
        }
        Result verdict = new LinearizabilityChecker().check(history(), null);
        if (!verdict.isLinearizable()) {
            SimResult.Outcome outcome = verdict.verdict() == Result.Verdict.UNKNOWN ? SimResult.Outcome.UNDECIDED
                    : SimResult.Outcome.SAFETY;
            return result(outcome, "history " + verdict.verdict() + " on key " + verdict.key() + ": "
                    + verdict.explanation());
        }
        return result(SimResult.Outcome.PASSED, "converged at tick " + now);
    }

    private SimResult result(SimResult.Outcome outcome, String message) {
        for (SimClient client : clients) coverage.add(client.coverage);
        coverage.seeds = 1;
        coverage.duplicateRequests = duplicateRequestsOfCrashed;
        for (Replica replica : replicas) if (replica != null) coverage.duplicateRequests += replica.duplicateRequestCount();
        coverage.repairedEntries = repairedEntriesOfCrashed;
        coverage.noSpaceStops = noSpaceStops;
        coverage.clusterCrashes = clusterCrashes;
        for (SimReplica r : sim) coverage.lostDisks += r.disk.lostDisks;
        for (Replica replica : replicas) if (replica != null) coverage.incarnations += replica.incarnation();
        coverage.syncExits = syncExits;
        for (SimReplica r : sim) {
            long[] zones = r.disk.faultsByZone();
            coverage.faultsSuperblock += zones[0];
            coverage.faultsHeaders += zones[1];
            coverage.faultsPrepares += zones[2];
            coverage.diskLostWrites += r.disk.disk().lostWrites();
        }
        coverage.directed(Coverage.Directed.FULL_MID_LOG_CHANGE, fullMidLogChanges);
        coverage.directed(Coverage.Directed.CRASH_AROUND_RESUME, crashesAroundResume);
        coverage.directed(Coverage.Directed.SYNC_FAIL_MID_LOG_CHANGE, syncFailsMidLogChange);
        coverage.directed(Coverage.Directed.LONG_DELAY, network.longDelayCount);
        coverage.directed(Coverage.Directed.PAUSE, pauses);
        coverage.directed(Coverage.Directed.STALE_AFTER_RESTART, staleDeliveries);
        coverage.directed(Coverage.Directed.STRAND_DAMAGED, strandedDamaged);
        for (Replica replica : replicas) if (replica != null) coverage.repairedEntries += replica.repairedEntryCount();
        for (SimReplica r : sim) {
            coverage.diskCorrupt += r.disk.disk().corruptions();
            coverage.diskMisdirected += r.disk.disk().misdirections();
            coverage.diskLatent += r.disk.disk().latentErrors();
            coverage.diskLostSectors += r.disk.disk().lostSectors();
            coverage.damagedRestarts += r.disk.damagedRestarts;
            coverage.repairSlots += r.disk.repairFaults;
            coverage.brokenChains += r.disk.brokenChains;
            coverage.damagedSuffixes += r.disk.damagedSuffixes;
        }
        return new SimResult(seed, mix, describeFaults(), outcome, message, agreement.committedCount(), viewChanges, crashes, now,
                coverage, outcome == SimResult.Outcome.PASSED ? List.of() : history());
    }

    /** What the clients saw; a request still waiting for its reply has an unknown outcome. */
    private List<Operation> history() {
        for (SimClient client : clients) client.recordUnknown();
        List<Operation> history = new ArrayList<>();
        for (SimClient client : clients) history.addAll(client.history());
        return history;
    }

    // ---------------------------------------------------------------------------------------------
    // One tick.

    private void step() {
        for (SimNetwork.Packet packet; (packet = network.poll(now)) != null; ) deliver(packet);
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i] == null) {
                if (now >= sim[i].downUntil) restart(i);
                continue;
            }
            if (sim[i].pausedUntil != 0) {
                if (now < sim[i].pausedUntil) continue;
                wake(i);
                if (replicas[i] == null) continue;
            }
            if (sim[i].diskFullUntil != 0 && now >= sim[i].diskFullUntil) endDiskFull(i);
            // A stalled disk completes nothing; its writes wait (and a crash meanwhile loses them).
            if (now >= sim[i].diskStallUntil) sim[i].disk.tick();
            if (replicas[i] == null) continue;
            replicas[i].tick(sim[i].output);
            observe(i);
        }
        for (int c = 0; c < clients.length; c++) clients[c].tick(now, senders[c]);
        checkAgreement();
    }

    private void deliver(SimNetwork.Packet packet) {
        if (packet.to() < replicaCount) {
            Replica replica = replicas[packet.to()];
            if (replica == null) {
                trace("drop " + packet.from() + "->" + packet.to() + " (down) " + packet.message());
                return;
            }
            if (sim[packet.to()].pausedUntil != 0) {
                sim[packet.to()].backlog.add(packet);
                return;
            }
            if (packet.sendTick() < sim[packet.to()].restartTick) {
                // Sent to the replica's previous incarnation: usually lost with its connections,
                // so a restarted replica hears only what was sent after it restarted. A runtime
                // whose send queue survives a reconnect delivers it after all (directed fault).
                if (!swarm.staleAfterRestart() || liveness || !swarmPrng.chance(0.5)) {
                    trace("drop " + packet.from() + "->" + packet.to() + " (sent before restart) " + packet.message());
                    return;
                }
                staleDeliveries++;
                trace("deliver (sent before restart) " + packet.from() + "->" + packet.to() + " " + packet.message());
                replica.step(packet.message(), sim[packet.to()].output);
                observe(packet.to());
                return;
            }
            trace("deliver " + packet.from() + "->" + packet.to() + " " + packet.message());
            replica.step(packet.message(), sim[packet.to()].output);
            observe(packet.to());
        } else {
            int c = packet.to() - replicaCount;
            Reply reply = (Reply) packet.message();
            trace("deliver " + packet.from() + "->client" + c + " " + reply);
            clients[c].onReply(now, reply, senders[c]);
        }
    }

    /**
     * Traces a replica's state change, counts views started, and sometimes aims a fault at a
     * replica that just changed status or view or started catching up.
     */
    private void observe(int i) {
        Replica r = replicas[i];
        if (r.isPrimaryNormal() && r.view() > viewMaxStarted) {
            viewMaxStarted = r.view();
            viewChanges++;
        }
        boolean transition = r.status() != sim[i].lastStatus || r.view() != sim[i].lastView
                || (r.catchingUp() && !sim[i].lastCatchingUp);
        sim[i].lastStatus = r.status();
        sim[i].lastView = r.view();
        sim[i].lastCatchingUp = r.catchingUp();
        if (transition && !liveness && prng.chance(mix.faultAfterTransitionProbability())) faultAfterTransition(i);
        if (trace == null) return;
        String state = r.status() + " view=" + r.view() + " logView=" + r.logView() + " op=" + r.op()
                + " commit=" + r.commit();
        if (!state.equals(sim[i].lastState)) {
            trace("replica " + i + " " + state);
            sim[i].lastState = state;
        }
    }

    /** No two replicas ever commit different entries at the same op (compared by hash chain). */
    private void checkAgreement() {
        agreement.check(replicas);
    }

    // ---------------------------------------------------------------------------------------------
    // Faults.

    private void injectFaults() {
        boolean healed = false;
        if (now >= partitionUntil && partitionUntil > 0) {
            network.unblockAll();
            partitionUntil = 0;
            healed = true;
            trace("partition healed");
        }
        // A flapping network cuts again the moment it heals, before stale replicas can repair.
        boolean flap = healed && prng.chance(mix.partitions().flapProbability());
        if (partitionUntil == 0 && (flap || prng.chance(mix.partitions().partition().probabilityPerTick()))) partition();
        if (now >= isolationUntil && isolationUntil > 0) {
            network.endIsolation();
            isolationUntil = 0;
            trace("isolation healed");
        }
        if (isolationUntil == 0 && prng.chance(mix.partitions().isolation().probabilityPerTick())) isolate(primaryOfViewMax());
        if (prng.chance(mix.crashes().clusterProbabilityPerTick()) && !options.diskless()) {
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
        for (int i = 0; i < replicaCount; i++) {
            if (sim[i].crashAt == 0 || now < sim[i].crashAt) continue;
            sim[i].crashAt = 0;
            if (replicas[i] != null && downCount() < config.faultsMax()) crash(i, downTicksAfterFault());
        }
        if (prng.chance(mix.partitions().selectiveLoss().probabilityPerTick())) selectiveLoss();
        if (swarm.decayProbabilityPerTick() > 0 && swarmPrng.chance(swarm.decayProbabilityPerTick())) {
            int i = swarmPrng.nextInt(Math.max(1, faultyDisks));
            if (i < faultyDisks && sim[i].disk.decay(swarmPrng)) trace("latent error: a sector of replica " + i + " decays");
        }
        if (swarm.pauseProbabilityPerTick() > 0 && swarmPrng.chance(swarm.pauseProbabilityPerTick())) {
            int i = swarmPrng.nextInt(replicaCount);
            if (replicas[i] != null && sim[i].pausedUntil == 0) {
                sim[i].pausedUntil = now + swarmPrng.between(20, swarm.pauseTicksMax());
                pauses++;
                trace("pause: replica " + i + " runs nothing until " + sim[i].pausedUntil);
            }
        }
        if (prng.chance(mix.disk().stall().probabilityPerTick())) {
            int i = prng.chance(0.5) ? faultTarget() : replicaMidway();
            if (i >= 0) diskStall(i);
        }
        if (!options.diskless() && prng.chance(mix.disk().full().probabilityPerTick())) {
            int i = faultTarget();
            if (replicas[i] != null && sim[i].diskFullUntil == 0) {
                sim[i].diskFullUntil = now + prng.between(5, mix.disk().full().ticksMax());
                sim[i].disk.disk().full(true);
                trace("disk full: replica " + i + " until " + sim[i].diskFullUntil);
            }
        }
        if (!options.diskless() && prng.chance(mix.disk().syncErrorProbabilityPerTick())) {
            int i = faultTarget();
            if (replicas[i] != null) {
                sim[i].disk.disk().failNextSync();
                trace("sync error: replica " + i + "'s next sync fails");
            }
        }
    }

    /** Space returns to a full disk: the storage goes on with what it stopped at. */
    private void endDiskFull(int i) {
        sim[i].diskFullUntil = 0;
        sim[i].disk.disk().full(false);
        trace("disk space returns: replica " + i);
        sim[i].disk.resume();
        if (sim[i].crashOnResume) {
            // Directed: a crash while the resumed writes are in flight.
            sim[i].crashOnResume = false;
            if (!liveness) sim[i].crashAt = now + swarmPrng.between(1, 20);
        }
    }

    /** A paused replica wakes up and takes the backlog sent to it meanwhile, in order. */
    private void wake(int i) {
        sim[i].pausedUntil = 0;
        List<SimNetwork.Packet> waiting = new ArrayList<>(sim[i].backlog);
        sim[i].backlog.clear();
        trace("replica " + i + " wakes up to " + waiting.size() + " messages");
        for (SimNetwork.Packet packet : waiting) {
            if (replicas[i] == null) return;
            deliver(packet);
        }
    }

    /**
     * Directed faults aimed at a log change a replica just asked for: its disk fills partway
     * through (then maybe a crash before or during the resume), or a sync during it fails.
     */
    private void faultLogChange(int i, int suffixSize) {
        if (liveness || options.diskless() || replicas[i] == null) return;
        if (swarm.fullMidLogChange() && sim[i].diskFullUntil == 0 && swarmPrng.chance(0.4)) {
            // Each step of a change is as likely to be hit as another, however many writes it has:
            // the cut-back superblock (4 copies), the suffix, the naming superblock, the headers.
            int writes = switch (swarmPrng.nextInt(4)) {
                case 0 -> swarmPrng.nextInt(4);
                case 1 -> 4 + swarmPrng.nextInt(suffixSize);
                case 2 -> 4 + suffixSize + swarmPrng.nextInt(4);
                default -> 8 + suffixSize + swarmPrng.nextInt(suffixSize);
            };
            sim[i].disk.disk().fullAfterWrites(writes);
            sim[i].diskFullUntil = now + swarmPrng.between(5, 300);
            fullMidLogChanges++;
            trace("disk full: replica " + i + " after " + writes + " more writes, until " + sim[i].diskFullUntil);
            if (swarm.crashAroundResume() && swarmPrng.chance(0.6)) {
                crashesAroundResume++;
                if (swarmPrng.chance(0.5)) sim[i].crashOnResume = true;
                else sim[i].crashAt = now + swarmPrng.between(1, Math.max(2, sim[i].diskFullUntil - now));
            }
        }
        if (swarm.syncFailMidLogChange() && swarmPrng.chance(0.05)) {
            sim[i].disk.disk().failNextSync();
            syncFailsMidLogChange++;
            trace("sync error: replica " + i + "'s next sync fails, in a log change");
        }
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

    /**
     * A replica just changed status or view, or started catching up (seen by {@link #observe}):
     * a fault hits it now, in the middle of that step. A new primary is cut off from the other
     * replicas (clients still reach it) if the seed isolates replicas at all; otherwise the
     * replica crashes soon, its disk stalls so that its last writes stay pending, or both, and
     * the crash then loses those writes (a primary-elect's choice of log, a backup's adoption of
     * a new view, the last step of a state transfer).
     */
    private void faultAfterTransition(int i) {
        if (replicas[i].isPrimaryNormal() && isolationUntil == 0 && mix.partitions().isolation().probabilityPerTick() > 0
                && prng.chance(0.5)) {
            isolate(i);
            return;
        }
        long stallTicks = prng.chance(0.67) ? diskStall(i) : 0;
        if (prng.chance(0.67) && sim[i].crashAt == 0) sim[i].crashAt = now + prng.between(1, Math.max(40, stallTicks));
    }

    /** Replica {@code i}'s disk completes no write for a while; returns for how many ticks. */
    private long diskStall(int i) {
        long ticks = prng.between(5, mix.disk().stall().ticksMax());
        sim[i].diskStallUntil = Math.max(sim[i].diskStallUntil, now + ticks);
        trace("disk stall: replica " + i + " completes no write until " + sim[i].diskStallUntil);
        return ticks;
    }

    /**
     * Selective loss: one replica stops hearing some kinds of message for a while. The groups are
     * the ones multi-step bugs need: deaf to view changes (it stays in its old view, following a
     * stale primary or catching up, while the others move on), gaps in its prepares (it catches up
     * within its view, asking replica after replica), complete NewStates lost (it installs a newer
     * view's committed entries without adopting that view), or any mix of kinds.
     */
    private void selectiveLoss() {
        int r = prng.chance(0.5) ? faultTarget() : prng.nextInt(replicaCount);
        long until = now + prng.between(10, mix.partitions().selectiveLoss().ticksMax());
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

    private void partition() {
        partitionUntil = now + prng.between(10, mix.partitions().partition().ticksMax());
        int r = faultTarget();
        int nodeCount = replicaCount + clients.length;
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
            case 3 -> {
                boolean[] side = new boolean[replicaCount];
                StringBuilder names = new StringBuilder();
                for (int i = 0; i < replicaCount; i++) {
                    side[i] = prng.chance(0.5);
                    if (side[i]) names.append(i).append(' ');
                }
                trace("partition: replicas { " + names + "} from the rest");
                cutSides(side, -1);
            }
            case 4 -> {
                // Clients still reach it: an isolated primary keeps preparing requests that no
                // backup sees, a divergent suffix that later view changes must discard.
                trace("partition: replica " + r + " cut from the other replicas");
                for (int n = 0; n < replicaCount; n++) if (n != r) network.cut(r, n);
            }
            case 5 -> {
                // Links cut one way at random: reachability is then neither symmetric nor
                // transitive, so a replica can vote in a view its old primary never hears of.
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
            case 6 -> {
                // A bridge (as in Jepsen): two sides, and one replica that reaches both. Half the
                // time the bridge also misses view-change messages, so it stays in the old view,
                // catching up from whoever answers, while the other side elects a new primary.
                int bridge = prng.nextInt(replicaCount);
                boolean[] side = new boolean[replicaCount];
                side[r] = true;
                for (int i = 0; i < replicaCount; i++) if (i != r && i != bridge) side[i] = prng.chance(0.3);
                cutSides(side, bridge);
                boolean deaf = bridge != r && prng.chance(0.5);
                if (deaf) for (SimNetwork.Kind kind : VIEW_CHANGE_KINDS) network.dropKind(bridge, kind, partitionUntil);
                trace("partition: replica " + r + " and its side cut from the rest, bridged by replica " + bridge
                        + (deaf ? ", deaf to view changes" : ""));
            }
            default -> {
                trace("partition: clients cut from replica " + r);
                for (int c = replicaCount; c < nodeCount; c++) network.cut(r, c);
            }
        }
    }

    /** Cuts the replicas with {@code side} true from the others, except {@code bridge} (or -1). */
    private void cutSides(boolean[] side, int bridge) {
        for (int a = 0; a < replicaCount; a++) {
            for (int b = 0; b < replicaCount; b++) {
                if (a != bridge && b != bridge && side[a] != side[b]) network.block(a, b);
            }
        }
    }

    /**
     * A long isolation of replica {@code r} (usually the primary) from the other replicas, while
     * clients still reach it and other partitions come and go. It goes on preparing requests that
     * no backup sees while the others move on through later views, and it stays a stale primary
     * that a lagging or restarted replica may meet.
     */
    private void isolate(int r) {
        isolationUntil = now + prng.between(100, mix.partitions().isolation().ticksMax());
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
            partitionUntil = now + prng.between(10, mix.partitions().partition().ticksMax());
            boolean[] side = new boolean[replicaCount];
            side[i] = true;
            side[peer] = true;
            for (int j = 0; j < replicaCount; j++) if (j != i && j != peer) side[j] = prng.chance(0.3);
            cutSides(side, -1);
        } else {
            network.joinSide(i, peer);
        }
        trace("partition: replica " + i + " restarts on the side of replica " + peer);
    }

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

    /**
     * Directed: a damaged replica restarts cut off from everyone but the normal replica in the
     * lowest view (often a stale primary), so its repair gives up and that replica's answers,
     * whatever chain they are of, are what complete its log.
     */
    private void restartNextToStalest(int i) {
        int peer = stalestNormalPeer(i);
        if (peer < 0) peer = (i + 1 + swarmPrng.nextInt(replicaCount - 1)) % replicaCount;
        partitionUntil = Math.max(partitionUntil, now + swarmPrng.between(100, 1_000));
        boolean[] side = new boolean[replicaCount];
        side[i] = true;
        side[peer] = true;
        network.unblockAll();
        cutSides(side, -1);
        trace("partition: damaged replica " + i + " restarts next to replica " + peer + " only");
    }

    private void crash(int i, long downTicks) {
        // A crash that loses the replica's state (always, in the diskless mode) waits until every
        // other replica is up and whole: at most f replicas are without their state at a time,
        // counting those whose disks have data faults.
        boolean mayLose = mayLoseState(i) && (i < faultyDisks || faultyDisks < config.faultsMax());
        boolean lose = options.diskless() || (prng.chance(mix.crashes().diskLossProbability()) && mayLose);
        if (options.diskless() && !mayLose) return;
        trace("crash replica " + i + " for " + downTicks + " ticks" + (lose ? ", losing its disk" : ""));
        restartChecks.crashed(i, replicas[i], lose);
        duplicateRequestsOfCrashed += replicas[i].duplicateRequestCount();
        repairedEntriesOfCrashed += replicas[i].repairedEntryCount();
        replicas[i] = null;
        if (sim[i].pausedUntil != 0) {
            sim[i].pausedUntil = 0;
            sim[i].backlog.clear();
        }
        sim[i].crashOnResume = false;
        if (lose) sim[i].disk.lose();
        else sim[i].disk.crash();
        sim[i].downUntil = now + downTicks;
        sim[i].lastState = null;
        sim[i].lastStatus = null;
        sim[i].crashAt = 0;
        crashes++;
    }

    private void restart(int i) {
        trace("restart replica " + i);
        Replica.Durable durable = sim[i].disk.boot();
        if (durable.damage() != null && trace != null) {
            Replica.Damage damage = durable.damage();
            long missing = 0;
            for (Entry entry : damage.entries()) if (entry == null) missing++;
            trace("replica " + i + " journal damaged: head=" + damage.headOp() + " missing=" + missing + " knownFrom="
                    + damage.knownFromOp() + " opMax=" + damage.opMax());
        }
        restartChecks.restarted(i, durable);
        replicas[i] = Replica.restart(config, i, stateMachine(), prng.fork(), durable);
        traceIgnored(i);
        sim[i].restartTick = now;
        if (!liveness && replicaCount > 1 && durable.damage() != null && swarm.strandDamaged()) {
            strandedDamaged++;
            restartNextToStalest(i);
        } else if (!liveness && replicaCount > 1 && prng.chance(mix.partitions().restartElsewhereProbability())) {
            restartElsewhere(i);
        }
        agreement.restarted(i);
        observe(i);
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

    private int downCount() {
        int down = 0;
        for (Replica replica : replicas) if (replica == null) down++;
        return down;
    }

    private void enterLivenessPhase() {
        trace("liveness phase: faults heal, clients finish");
        liveness = true;
        network.heal();
        partitionUntil = 0;
        isolationUntil = 0;
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i] == null) sim[i].downUntil = now;
            sim[i].diskStallUntil = 0;
            if (sim[i].diskFullUntil != 0) endDiskFull(i);
            if (sim[i].pausedUntil != 0 && replicas[i] != null) wake(i);
        }
        for (SimClient client : clients) client.stopped = true;
    }

    /** All replicas up, normal in one view, with equal op, commit and state; no client waiting. */
    private boolean converged() {
        for (SimClient client : clients) if (client.busy()) return false;
        Replica first = replicas[0];
        if (first == null) return false;
        for (Replica r : replicas) {
            if (r == null || r.status() != Status.NORMAL || r.view() != first.view() || r.op() != first.op()
                    || r.commit() != r.op() || r.commit() != first.commit()) {
                return false;
            }
        }
        for (Replica r : replicas) {
            if (r.stateChecksum() != first.stateChecksum()) {
                throw new AssertionError("convergence: replica " + r.replicaIndex() + " state differs at commit "
                        + r.commit());
            }
        }
        return true;
    }

    private String describeReplicas() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < replicaCount; i++) {
            s.append(i == 0 ? "" : "; ").append(replicas[i] == null ? "replica " + i + " down" : replicas[i].toString());
        }
        for (SimClient client : clients) if (client.busy()) s.append("; client ").append(client.clientId()).append(" waiting");
        return s.toString();
    }

    /** With a trace, says why replica {@code i} ignores each message it ignores. */
    private void traceIgnored(int i) {
        if (trace != null) replicas[i].onIgnore((reason, message) -> trace("replica " + i + " ignores: " + reason));
    }

    private void trace(String text) {
        if (trace != null) trace.line(now, text);
    }

    // ---------------------------------------------------------------------------------------------
    // The core's outputs, wired to the simulated network and storage.

    private final class ReplicaOutput implements Output {
        private final int replica;

        ReplicaOutput(int replica) {
            this.replica = replica;
        }

        @Override
        public void send(int to, Message message) {
            sendPacket(replica, to, message);
        }

        @Override
        public void reply(Reply reply) {
            int c = SimClient.clientIndexOf(reply.clientId());
            if (c >= 0 && c < clients.length) sendPacket(replica, replicaCount + c, reply);
        }

        @Override
        public void persistPrepare(Entry entry) {
            if (trace != null) trace("write replica " + replica + " prepare op=" + entry.op());
            sim[replica].disk.persistPrepare(entry);
        }

        @Override
        public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            if (trace != null) {
                trace("write replica " + replica + " state view=" + state.view() + " logView=" + state.logView()
                        + " anchor=" + anchorOp + " suffix=" + suffix.size());
            }
            restartChecks.logChangeAsked(replica, state.logView(), anchorOp, anchorChecksum, suffix);
            sim[replica].disk.persistState(state, anchorOp, anchorChecksum, suffix);
            if (!suffix.isEmpty()) faultLogChange(replica, suffix.size());
        }
    }

    /** Completions of one replica's disk, forwarded to the replica that is running on it. */
    private final class DiskListener implements ReplicaStorage.Listener {
        private final int replica;

        DiskListener(int replica) {
            this.replica = replica;
        }

        @Override
        public void onPrepareDurable(long op, long checksum) {
            if (replicas[replica] == null) return;
            replicas[replica].onPrepareDurable(op, checksum, sim[replica].output);
            observe(replica);
        }

        @Override
        public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
            if (replicas[replica] == null) return;
            replicas[replica].onStateDurable(view, logView, lastOp, lastChecksum, sim[replica].output);
            observe(replica);
        }

        @Override
        public void onError(DiskError error) {
            switch (error.kind()) {
                case NO_SPACE -> {
                    // The replica stays up and safe: nothing more becomes durable, so it
                    // acknowledges nothing more, until space returns (endDiskFull).
                    Check.that(sim[replica].disk.disk().full(), "a full journal means the simulated ring is too small: "
                            + error);
                    noSpaceStops++;
                    trace("replica " + replica + " storage stopped: " + error);
                }
                case SYNC -> {
                    // Fatal: after a failed sync the page cache cannot be trusted, and retrying the
                    // sync may falsely succeed. The process exits and recovers from its disk.
                    syncExits++;
                    trace("replica " + replica + " exits: " + error);
                    if (replicas[replica] != null) crash(replica, prng.between(1, 200));
                }
                case READ, WRITE -> throw new AssertionError("replica " + replica + " storage stopped: " + error);
            }
        }
    }

    private final class ClientSender implements ClientSession.Sender {
        private final int client;

        ClientSender(int client) {
            this.client = client;
        }

        @Override
        public void send(int replica, Request request) {
            sendPacket(replicaCount + client, replica, request);
        }
    }

    private void sendPacket(int from, int to, Message message) {
        String dropped = network.send(now, from, to, message);
        if (trace != null) {
            trace((dropped == null ? "send " : "lose (" + dropped + ") ") + node(from) + "->" + node(to) + " " + message);
        }
    }

    private String node(int n) {
        return n < replicaCount ? String.valueOf(n) : "client" + (n - replicaCount);
    }
}
