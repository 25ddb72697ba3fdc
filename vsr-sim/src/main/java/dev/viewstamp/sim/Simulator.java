package dev.viewstamp.sim;

import dev.viewstamp.check.LinearizabilityChecker;
import dev.viewstamp.check.Operation;
import dev.viewstamp.check.Result;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.StateDivergedException;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
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
 *       within {@link Options#livenessTicksMax} ({@link Convergence}).
 * </ol>
 * Then the clients' history is checked for linearizability.
 *
 * <p>This class is the run loop: it builds the cluster, delivers messages, ticks replicas, disks
 * and clients, and restarts crashed replicas. {@link FaultInjector} decides and applies the
 * faults; the Simulator tells it each tick and each moment a fault may aim at. {@link SeedConfig}
 * draws the cluster's configuration; {@link ReplicaWiring} carries each replica's outputs to the
 * network and its disk, and its disk's completions back to it.
 */
public final class Simulator {

    /**
     * What to run. {@code replicaCount} 0 lets each seed choose 3 or 5. {@code diskless}: nothing
     * survives a crash, so every restart recovers from the cluster (at most one replica is without
     * its state at a time, and there are no storage faults).
     */
    public record Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries,
            boolean diskless, FaultModel faultModel, boolean modelScope) {
        public Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries) {
            this(replicaCount, safetyTicks, livenessTicksMax, canaries, false, FaultModel.SWARM, false);
        }

        public Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries,
                boolean diskless, FaultModel faultModel) {
            this(replicaCount, safetyTicks, livenessTicksMax, canaries, diskless, faultModel, false);
        }

        public static Options defaults() {
            return new Options(0, 5_000, 20_000, Set.of());
        }

        /**
         * A run within the scope of the TLA+ model, for trace validation ({@link ModelTrace}): three
         * replicas, a few requests, no checkpoints, no data faults and no lost disks, and crashes only
         * of a replica whose disk has no write in flight (the model takes a state write as durable
         * when issued). Network faults, partitions, pauses and stalls are as drawn.
         */
        public static Options modelScope(int safetyTicks) {
            return new Options(3, safetyTicks, 20_000, Set.of(), false, FaultModel.BASIC, true);
        }

        public Options withReplicaCount(int count) {
            return new Options(count, safetyTicks, livenessTicksMax, canaries, diskless, faultModel, modelScope);
        }

        public Options withSafetyTicks(int ticks) {
            return new Options(replicaCount, ticks, livenessTicksMax, canaries, diskless, faultModel, modelScope);
        }

        public Options withCanaries(Set<Canary> set) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, set, diskless, faultModel, modelScope);
        }

        public Options withDiskless(boolean on) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, canaries, on, faultModel, modelScope);
        }

        public Options withFaultModel(FaultModel model) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, canaries, diskless, model, modelScope);
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

    private final long seed;
    private final Options options;
    private final Trace trace;
    /** The run projected onto the TLA+ model's variables, or null. */
    private final ModelTrace modelTrace;
    private final Prng prng;
    private final FaultMix mix;
    private final Swarm swarm;
    /** Durability and log view, checked at every restart. */
    private final RestartChecks restartChecks;
    private final ClusterConfig config;
    private final int replicaCount;
    private final Replica[] replicas;
    /** The service each replica runs: a restart or a state sync's install restores it from a checkpoint. */
    private final StateMachine[] services;
    /** The simulator's side of each replica: its disk, its output port, its faults. */
    private final SimReplica[] sim;
    /** Where each replica's outputs go and its disk's completions come back. */
    private final ReplicaWiring wiring;
    private final SimClient[] clients;
    private final ClientSession.Sender[] senders;
    private final SimNetwork network;
    private final FaultInjector faults;
    private final Agreement agreement;
    private long now;
    private long viewMaxStarted;
    private long viewChanges;

    public Simulator(long seed, Options options, Trace trace) {
        this(seed, options, trace, null);
    }

    /** A run that also records its {@link ModelTrace} (which needs {@link Options#modelScope}). */
    public Simulator(long seed, Options options, Trace trace, ModelTrace modelTrace) {
        if (modelTrace != null && !options.modelScope()) {
            throw new IllegalArgumentException("a model trace needs a run within the model's scope (Options.modelScope)");
        }
        this.seed = seed;
        this.options = options;
        this.trace = trace;
        this.modelTrace = modelTrace;
        this.prng = new Prng(seed);
        FaultMix drawn = FaultMix.draw(prng, options.replicaCount());
        this.mix = options.modelScope() ? drawn.withinModelScope() : drawn;
        this.swarm = options.faultModel() == FaultModel.BASIC ? Swarm.NONE
                : options.diskless() ? Swarm.draw(seed).withoutDisk() : Swarm.draw(seed);
        this.replicaCount = mix.replicaCount();
        this.config = SeedConfig.draw(seed, prng, mix, options.canaries(), options.modelScope());
        this.replicas = new Replica[replicaCount];
        this.services = new StateMachine[replicaCount];
        this.restartChecks = new RestartChecks(replicaCount);
        this.agreement = new Agreement(replicaCount);
        this.sim = new SimReplica[replicaCount];
        this.wiring = new ReplicaWiring(replicaCount, mix.workload().clientCount(), replicas, services, sim,
                restartChecks, prng, new WiringCalls(), () -> now, trace);
        for (int i = 0; i < replicaCount; i++) {
            services[i] = SeedConfig.stateMachine();
            replicas[i] = Replica.create(config, i, services[i], prng.fork());
            traceIgnored(i);
        }
        Journal.Layout layout = new Journal.Layout(config.clusterId(), config.journalSlotCount(),
                config.journalBodySizeBytesMax(), SimDisk.SECTOR_SIZE_BYTES);
        int faultyDisks = (int) prng.between(0, config.faultsMax());
        if (options.diskless() || options.modelScope()) faultyDisks = 0;
        for (int i = 0; i < replicaCount; i++) sim[i] = createSimReplica(i, layout, i < faultyDisks);
        this.network = new SimNetwork(prng.fork(), mix.network(), replicaCount + mix.workload().clientCount());
        this.faults = new FaultInjector(seed, mix, swarm, prng, config, options.diskless(), faultyDisks, replicas, sim,
                network, restartChecks, () -> now, trace);
        if (options.modelScope()) faults.crashOnlyWhenDiskQuiet();
        this.clients = new SimClient[mix.workload().clientCount()];
        this.senders = new ClientSession.Sender[mix.workload().clientCount()];
        int keyCount = (int) prng.between(1, 4);
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new SimClient(c, replicaCount, prng.fork(), mix.workload(), keyCount,
                    SeedConfig.VALUE_SIZE_BYTES_MAX);
            senders[c] = clientSender(c);
            if (options.modelScope()) clients[c].requestsLeft = 1;
        }
        if (modelTrace != null) modelTrace.start(replicas, config.pipelinePrepareCountMax());
    }

    /**
     * The simulator's side of replica {@code i}, with its data file: the real journal and
     * superblock on a simulated disk. Data faults (corruption, misdirected writes, latent errors)
     * hit the disks of at most f replicas, the {@code faulty} ones, so every acknowledged op keeps a
     * good copy on a quorum (docs/STORAGE.md).
     */
    private SimReplica createSimReplica(int i, Journal.Layout layout, boolean faulty) {
        FaultMix.DataFaults data = mix.disk().data();
        SimDisk.Faults faults = faulty ? new SimDisk.Faults(mix.disk().writeTicksMax(), data.corruptProbability(),
                data.misdirectProbability(), data.latentErrorProbability(), swarm.lostWriteProbability())
                : new SimDisk.Faults(mix.disk().writeTicksMax(), 0, 0, 0);
        SimReplicaDisk disk = new SimReplicaDisk(config, layout, i, prng.fork(), faults, wiring.diskListener(i));
        disk.syncChunkSizeBytes(SeedConfig.SYNC_CHUNK_SIZE_BYTES);
        SimReplica replica = new SimReplica(disk, wiring.output(i));
        replica.disk.dataFaults(faulty, swarm == Swarm.NONE ? null : swarm.zones());
        return replica;
    }

    public FaultMix mix() {
        return mix;
    }

    /** The seed's fault mix and, when any, its directed faults: one line, for the failure report. */
    public String describeFaults() {
        return mix.describe() + " checkpoint-interval=" + config.checkpointIntervalOps() + " journal-slots=" + config.journalSlotCount()
                + (swarm == Swarm.NONE ? "" : " directed: " + swarm.describe());
    }

    /**
     * Runs the seed to its verdict. An invariant violation in the core, or a replica that stops on
     * state diverged from its primary's, is a safety failure; any other exception fails the seed as
     * an exception ({@link SeedRun#runSeed} catches the rest).
     */
    public SimResult run() {
        trace("seed " + seed + " " + describeFaults() + " pipeline=" + config.pipelinePrepareCountMax()
                + " eager=" + config.eagerPrepareCountMax() + " batch=" + config.batchRequestCountMax() + " sessions=" + config.clientTableSessionsMax()
                + " checkpoint-interval=" + config.checkpointIntervalOps() + " journal-slots=" + config.journalSlotCount());
        try {
            for (int c = 0; c < clients.length; c++) clients[c].start(senders[c]);
            runSafetyPhase();
            if (!runLivenessPhase()) {
                return result(SimResult.Outcome.LIVENESS, "no convergence within " + options.livenessTicksMax()
                        + " ticks after faults healed: " + Convergence.describe(replicas, clients));
            }
        } catch (AssertionError e) {
            trace("safety violation: " + e.getMessage());
            return result(SimResult.Outcome.SAFETY, e.getMessage());
        } catch (StateDivergedException e) {
            // The protocol caught a safety violation itself: a replica's checkpoint is not the
            // state its primary announced for that op.
            trace("state diverged: " + e.getMessage());
            return result(SimResult.Outcome.SAFETY, "state diverged: " + e.getMessage());
        } catch (RuntimeException e) {
            trace("exception: " + e);
            return result(SimResult.Outcome.EXCEPTION, SeedRun.describe(e));
        }
        return verdict();
    }

    /** The safety phase: each tick the faults draw what starts, then the cluster and clients step. */
    private void runSafetyPhase() {
        while (now < options.safetyTicks()) {
            now++;
            faults.tick();
            step();
        }
    }

    /**
     * The liveness phase: every fault heals, the clients finish what they started, and the cluster
     * steps until it converges. Whether it converged within {@link Options#livenessTicksMax} ticks.
     */
    /**
     * The liveness phase: faults heal, the clients go on until the healed cluster has committed
     * {@link #livenessOps} more ops (so it serves new requests, not only the ones in flight, and
     * every seed checkpoints), then finish what they sent; the cluster must converge in time.
     */
    private boolean runLivenessPhase() {
        enterLivenessPhase();
        long deadline = now + options.livenessTicksMax();
        long target = committedOpMax() + livenessOps();
        boolean clientsStopped = false;
        while (!clientsStopped || !Convergence.reached(replicas, clients)) {
            if (!clientsStopped && committedOpMax() >= target) {
                trace("liveness phase: the healed cluster committed op " + target + ", clients finish");
                for (SimClient client : clients) client.stopped = true;
                clientsStopped = true;
                continue;
            }
            if (now >= deadline) return false;
            now++;
            step();
        }
        return true;
    }

    /** Ops the healed cluster commits before the clients stop: two checkpoint intervals, and at least a few. */
    private long livenessOps() {
        if (options.modelScope()) return 0; // the clients' few requests are all there is
        return Math.max(4, 2L * config.checkpointIntervalOps());
    }

    /** The highest op any running replica has committed. */
    private long committedOpMax() {
        long op = 0;
        for (Replica replica : replicas) if (replica != null) op = Math.max(op, replica.commit());
        return op;
    }

    private void enterLivenessPhase() {
        trace("liveness phase: faults heal, clients go on for " + livenessOps() + " ops");
        faults.stop();
        for (int i = 0; i < replicaCount; i++) {
            faults.heal(i);
            if (sim[i].pausedUntil != 0 && replicas[i] != null) wake(i);
        }
    }

    /** The verdict of a seed that converged: passed, unless the clients' history is not linearizable. */
    private SimResult verdict() {
        Result verdict = new LinearizabilityChecker().check(history(), null);
        if (!verdict.isLinearizable()) {
            SimResult.Outcome outcome = verdict.verdict() == Result.Verdict.UNKNOWN ? SimResult.Outcome.UNDECIDED
                    : SimResult.Outcome.SAFETY;
            return result(outcome, "history " + verdict.verdict() + " on key " + verdict.key() + ": "
                    + verdict.explanation());
        }
        return result(SimResult.Outcome.PASSED, "converged at tick " + now);
    }

    /** The seed's verdict with what it covered, and the clients' history when it failed. */
    private SimResult result(SimResult.Outcome outcome, String message) {
        Coverage coverage = new Coverage();
        for (SimClient client : clients) coverage.add(client.coverage);
        coverage.seeds = 1;
        for (Replica replica : replicas) if (replica != null) coverage.addReplica(replica);
        for (SimReplica r : sim) coverage.addDisk(r.disk);
        coverage.journalLaps = committedOpMax() / config.journalSlotCount();
        wiring.addTo(coverage);
        faults.addTo(coverage);
        return new SimResult(seed, mix, describeFaults(), outcome, message, agreement.committedCount(), viewChanges,
                faults.crashCount(), now, coverage, config.checkpointIntervalOps(),
                outcome == SimResult.Outcome.PASSED ? List.of() : history());
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
            if (sim[i].diskFullUntil != 0 && now >= sim[i].diskFullUntil) faults.endDiskFull(i);
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
                // so a restarted replica hears only what was sent after it restarted.
                if (!faults.deliversSentBeforeRestart()) {
                    trace("drop " + packet.from() + "->" + packet.to() + " (sent before restart) " + packet.message());
                    return;
                }
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
        if (transition) faults.onTransition(i);
        if (modelTrace != null) modelTrace.observe(i, r);
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
     * A crashed replica restarts from what its disk kept (nothing, if it lost its disk): from its
     * checkpoint, if its superblock names one, with the service restored from the snapshot first.
     */
    private void restart(int i) {
        trace("restart replica " + i);
        ReplicaStorage.Opened opened = sim[i].disk.boot();
        Replica.Durable durable = opened.durable();
        if (durable.damage() != null && trace != null) {
            Replica.Damage damage = durable.damage();
            long missing = 0;
            for (Entry entry : damage.entries()) if (entry == null) missing++;
            trace("replica " + i + " journal damaged: head=" + damage.headOp() + " missing=" + missing + " knownFrom="
                    + damage.knownFromOp() + " opMax=" + damage.opMax());
        }
        restartChecks.restarted(i, durable);
        StateMachine service = SeedConfig.stateMachine();
        if (opened.checkpointFile() != null) wiring.restore(service, opened.checkpointFile(), i);
        if (opened.checkpointProblem() != null) {
            trace("replica " + i + " lost its checkpoint's file (" + opened.checkpointProblem() + "): it fetches the state");
        }
        services[i] = service;
        replicas[i] = Replica.restart(config, i, service, prng.fork(), durable);
        traceIgnored(i);
        sim[i].restartTick = now;
        faults.onRestart(i, durable.damage() != null);
        agreement.restarted(i);
        if (modelTrace != null) modelTrace.restarted(i, replicas[i]);
        observe(i);
    }

    /** With a trace, says why replica {@code i} ignores each message it ignores. */
    private void traceIgnored(int i) {
        if (trace != null) replicas[i].onIgnore((reason, message) -> trace("replica " + i + " ignores: " + reason));
    }

    private void trace(String text) {
        if (trace != null) trace.line(now, text);
    }

    /** The calls the replicas' wiring makes on the run loop. */
    private final class WiringCalls implements ReplicaWiring.RunLoop {
        @Override
        public void send(int from, int to, Message message) {
            sendPacket(from, to, message);
        }

        @Override
        public void observe(int i) {
            Simulator.this.observe(i);
        }

        @Override
        public FaultInjector faults() {
            return faults;
        }
    }

    /** Where client {@code client}'s session sends its requests: from the client's node onto the network. */
    private ClientSession.Sender clientSender(int client) {
        return (replica, request) -> sendPacket(replicaCount + client, replica, request);
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
