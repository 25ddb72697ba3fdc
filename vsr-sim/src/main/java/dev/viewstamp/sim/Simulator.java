package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.StateDivergedException;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.sim.check.LinearizabilityChecker;
import dev.viewstamp.sim.check.Operation;
import dev.viewstamp.sim.check.Result;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * faults; the Simulator tells it each tick and each moment a fault may aim at.
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

    private final long seed;
    private final Options options;
    private final Trace trace;
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
    private long noSpaceStops;
    private long syncExits;
    private final SimClient[] clients;
    private final ClientSender[] senders;
    private final SimNetwork network;
    private final FaultInjector faults;
    private final Agreement agreement;
    private long now;
    private long viewMaxStarted;
    private long viewChanges;

    public Simulator(long seed, Options options, Trace trace) {
        this.seed = seed;
        this.options = options;
        this.trace = trace;
        this.prng = new Prng(seed);
        this.mix = FaultMix.draw(prng, options.replicaCount());
        this.swarm = options.faultModel() == FaultModel.BASIC ? Swarm.NONE
                : options.diskless() ? Swarm.draw(seed).withoutDisk() : Swarm.draw(seed);
        this.replicaCount = mix.replicaCount();
        this.config = SeedConfig.draw(seed, prng, mix, options.canaries());
        this.replicas = new Replica[replicaCount];
        this.services = new StateMachine[replicaCount];
        this.restartChecks = new RestartChecks(replicaCount);
        this.agreement = new Agreement(replicaCount);
        this.sim = new SimReplica[replicaCount];
        for (int i = 0; i < replicaCount; i++) {
            services[i] = SeedConfig.stateMachine();
            replicas[i] = Replica.create(config, i, services[i], prng.fork());
            traceIgnored(i);
        }
        Journal.Layout layout = new Journal.Layout(config.clusterId(), config.journalSlotCount(),
                config.journalBodySizeBytesMax(), SimDisk.SECTOR_SIZE_BYTES);
        int faultyDisks = (int) prng.between(0, config.faultsMax());
        if (options.diskless()) faultyDisks = 0;
        for (int i = 0; i < replicaCount; i++) sim[i] = createSimReplica(i, layout, i < faultyDisks);
        this.network = new SimNetwork(prng.fork(), mix.network(), replicaCount + mix.workload().clientCount());
        this.faults = new FaultInjector(seed, mix, swarm, prng, config, options.diskless(), faultyDisks, replicas, sim,
                network, restartChecks, () -> now, trace);
        this.clients = new SimClient[mix.workload().clientCount()];
        this.senders = new ClientSender[mix.workload().clientCount()];
        int keyCount = (int) prng.between(1, 4);
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new SimClient(c, replicaCount, prng.fork(), mix.workload(), keyCount,
                    SeedConfig.VALUE_SIZE_BYTES_MAX);
            senders[c] = new ClientSender(c);
        }
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
        SimReplicaDisk disk = new SimReplicaDisk(config, layout, i, prng.fork(), faults, new DiskListener(i));
        disk.syncChunkSizeBytes(SeedConfig.SYNC_CHUNK_SIZE_BYTES);
        SimReplica replica = new SimReplica(disk, new ReplicaOutput(i));
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
                + " batch=" + config.batchRequestCountMax() + " sessions=" + config.clientTableSessionsMax()
                + " checkpoint-interval=" + config.checkpointIntervalOps() + " journal-slots=" + config.journalSlotCount());
        try {
            for (int c = 0; c < clients.length; c++) clients[c].start(senders[c]);
            while (now < options.safetyTicks()) {
                now++;
                faults.tick();
                step();
            }
            enterLivenessPhase();
            long deadline = now + options.livenessTicksMax();
            while (!Convergence.reached(replicas, clients)) {
                if (now >= deadline) {
                    return result(SimResult.Outcome.LIVENESS, "no convergence within " + options.livenessTicksMax()
                            + " ticks after faults healed: " + Convergence.describe(replicas, clients));
                }
                now++;
                step();
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
        long commitMax = 0;
        for (Replica replica : replicas) if (replica != null) commitMax = Math.max(commitMax, replica.commit());
        coverage.journalLaps = commitMax / config.journalSlotCount();
        coverage.noSpaceStops = noSpaceStops;
        coverage.syncExits = syncExits;
        faults.addTo(coverage);
        return new SimResult(seed, mix, describeFaults(), outcome, message, agreement.committedCount(), viewChanges,
                faults.crashCount(), now, coverage, outcome == SimResult.Outcome.PASSED ? List.of() : history());
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
        if (opened.checkpointFile() != null) restore(service, opened.checkpointFile(), i);
        if (opened.checkpointProblem() != null) {
            trace("replica " + i + " lost its checkpoint's file (" + opened.checkpointProblem() + "): it fetches the state");
        }
        services[i] = service;
        replicas[i] = Replica.restart(config, i, service, prng.fork(), durable);
        traceIgnored(i);
        sim[i].restartTick = now;
        faults.onRestart(i, durable.damage() != null);
        agreement.restarted(i);
        observe(i);
    }

    /** Restores {@code service} from the snapshot in replica {@code i}'s checkpoint file. */
    private void restore(StateMachine service, CheckpointFile.Contents file, int i) {
        trace("replica " + i + " restores its service from the checkpoint at op " + file.checkpoint().op());
        try {
            service.restore(file.snapshotStream());
        } catch (IOException e) {
            throw new UncheckedIOException("replica " + i + ": the snapshot of the checkpoint at op "
                    + file.checkpoint().op() + " does not restore", e);
        }
    }

    private void enterLivenessPhase() {
        trace("liveness phase: faults heal, clients finish");
        faults.stop();
        for (int i = 0; i < replicaCount; i++) {
            faults.heal(i);
            if (sim[i].pausedUntil != 0 && replicas[i] != null) wake(i);
        }
        for (SimClient client : clients) client.stopped = true;
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
            if (!suffix.isEmpty()) faults.onLogChangeAsked(replica, suffix.size());
        }

        @Override
        public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
            if (trace != null) trace("write replica " + replica + " checkpoint op=" + checkpoint.op());
            sim[replica].disk.persistCheckpoint(checkpoint, snapshot);
        }

        @Override
        public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
            // The chunk goes out when the read completes; a crash before loses the read with it.
            sim[replica].disk.serveSyncChunk(checkpointOp, identity, offset, chunk -> sendPacket(replica, to, chunk));
        }

        @Override
        public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
            if (trace != null) {
                trace("write replica " + replica + " sync chunk op=" + checkpointOp + " offset=" + offset + " bytes="
                        + bytes.length);
            }
            sim[replica].disk.writeSyncChunk(checkpointOp, offset, bytes);
        }

        @Override
        public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
                Output.ReplicaState state) {
            if (trace != null) trace("write replica " + replica + " install op=" + checkpointOp + " bytes=" + sizeBytes);
            // The install asks for a log cut to the checkpoint, in the log view the replica has.
            restartChecks.logChangeAsked(replica, state.logView(), checkpointOp, state.commitChecksum(), List.of());
            sim[replica].disk.installSync(checkpointOp, identity, sizeBytes, fileChecksum, state, SeedConfig::stateMachine);
            faults.onInstallAsked(replica);
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
        public void onCheckpointDurable(long op) {
            if (replicas[replica] == null) return;
            replicas[replica].onCheckpointDurable(op, sim[replica].output);
            observe(replica);
        }

        @Override
        public void onSyncChunkDurable(long checkpointOp, long end) {
            if (replicas[replica] == null) return;
            replicas[replica].onSyncChunkDurable(checkpointOp, end, sim[replica].output);
            observe(replica);
        }

        /** The live service takes the installed state first: the replica checks its identity against it. */
        @Override
        public void onSyncInstalled(CheckpointFile.Contents installed) {
            if (replicas[replica] == null) return;
            trace("replica " + replica + " installed the checkpoint at op " + installed.checkpoint().op());
            restore(services[replica], installed, replica);
            replicas[replica].onSyncInstalled(installed.checkpoint(), sim[replica].output);
            observe(replica);
        }

        @Override
        public void onSyncFailed(long checkpointOp, String reason) {
            if (replicas[replica] == null) return;
            trace("replica " + replica + " install of the checkpoint at op " + checkpointOp + " failed: " + reason);
            replicas[replica].onSyncFailed(checkpointOp, reason, sim[replica].output);
            observe(replica);
        }

        @Override
        public void onError(DiskError error) {
            switch (error.kind()) {
                case NO_SPACE -> {
                    // The replica stays up and safe: nothing more becomes durable, so it
                    // acknowledges nothing more, until space returns (FaultInjector.endDiskFull).
                    Check.that(sim[replica].disk.disk().full(), "replica " + replica + ": a full journal means the "
                            + "simulated ring is too small: " + error);
                    noSpaceStops++;
                    trace("replica " + replica + " storage stopped: " + error);
                }
                case SYNC -> {
                    // Fatal: after a failed sync the page cache cannot be trusted, and retrying the
                    // sync may falsely succeed. The process exits and recovers from its disk.
                    syncExits++;
                    trace("replica " + replica + " exits: " + error);
                    if (replicas[replica] != null) faults.crash(replica, prng.between(1, 200));
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
