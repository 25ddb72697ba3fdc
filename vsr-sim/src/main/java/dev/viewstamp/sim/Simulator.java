package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
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
 *       partitions, crashes with at most f replicas down, brief whole-cluster crashes) while the
 *       clients run their workload. Agreement of committed entries is checked after every tick.
 *   <li>Liveness: every fault heals and every replica restarts; the clients finish what they
 *       started; the cluster must converge (same view, op, commit and state on every replica)
 *       within {@link Options#livenessTicksMax}.
 * </ol>
 * Then the clients' history is checked for linearizability.
 */
public final class Simulator {

    /** What to run. {@code replicaCount} 0 lets each seed choose 3 or 5. */
    public record Options(int replicaCount, int safetyTicks, int livenessTicksMax, Set<Canary> canaries) {
        public static Options defaults() {
            return new Options(0, 5_000, 20_000, Set.of());
        }

        public Options withReplicaCount(int count) {
            return new Options(count, safetyTicks, livenessTicksMax, canaries);
        }

        public Options withSafetyTicks(int ticks) {
            return new Options(replicaCount, ticks, livenessTicksMax, canaries);
        }

        public Options withCanaries(Set<Canary> set) {
            return new Options(replicaCount, safetyTicks, livenessTicksMax, set);
        }
    }

    private static final int KEY_SIZE_BYTES_MAX = 32;
    private static final int VALUE_SIZE_BYTES_MAX = 96;

    private final long seed;
    private final Options options;
    private final Trace trace;
    private final Prng prng;
    private final FaultMix mix;
    private final ClusterConfig config;
    private final int replicaCount;
    private final Replica[] replicas;
    private final SimStorage[] storages;
    private final ReplicaOutput[] outputs;
    private final long[] downUntil;
    private final String[] lastState;
    private final long[] checkedCommit;
    private final SimClient[] clients;
    private final ClientSender[] senders;
    private final SimNetwork network;
    private final ArrayList<Long> committed = new ArrayList<>();
    private final Coverage coverage = new Coverage();
    private long now;
    private long partitionUntil;
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
        this.replicaCount = mix.replicaCount();
        int sessionsMax = prng.chance(0.2) ? Math.max(1, mix.clientCount() - 1) : 64;
        this.config = ClusterConfig.builder()
                .clusterId(seed & 0xFFFF)
                .replicaCount(replicaCount)
                .pipelinePrepareCountMax((int) prng.between(1, 8))
                .batchRequestCountMax((int) prng.between(1, 8))
                .stateTransferOpsMax((int) prng.between(8, 32))
                .clientTableSessionsMax(sessionsMax)
                // Timeouts drawn per seed: short ones make view changes (and races among them)
                // common, long ones exercise retransmission within a view.
                .commitIntervalTicks(10)
                .normalTimeoutTicks((int) prng.between(30, 200))
                .viewChangeTimeoutTicks((int) prng.between(40, 200))
                .viewChangeRetransmitTicks((int) prng.between(5, 30))
                .canariesForTesting(options.canaries())
                .build();
        this.replicas = new Replica[replicaCount];
        this.storages = new SimStorage[replicaCount];
        this.outputs = new ReplicaOutput[replicaCount];
        this.downUntil = new long[replicaCount];
        this.lastState = new String[replicaCount];
        this.checkedCommit = new long[replicaCount];
        for (int i = 0; i < replicaCount; i++) {
            storages[i] = new SimStorage();
            outputs[i] = new ReplicaOutput(i);
            replicas[i] = Replica.create(config, i, stateMachine(), prng.fork());
        }
        this.network = new SimNetwork(prng.fork(), mix, replicaCount + mix.clientCount());
        this.clients = new SimClient[mix.clientCount()];
        this.senders = new ClientSender[mix.clientCount()];
        int keyCount = (int) prng.between(1, 4);
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new SimClient(c, replicaCount, prng.fork(), mix, keyCount, VALUE_SIZE_BYTES_MAX);
            senders[c] = new ClientSender(c);
        }
    }

    public FaultMix mix() {
        return mix;
    }

    private static KvStateMachine stateMachine() {
        return new KvStateMachine(new KvLimits(KEY_SIZE_BYTES_MAX, VALUE_SIZE_BYTES_MAX));
    }

    /** Runs the seed to its verdict. An invariant violation in the core is a safety failure. */
    public SimResult run() {
        trace("seed " + seed + " " + mix.describe() + " pipeline=" + config.pipelinePrepareCountMax()
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
        }
        for (SimClient client : clients) client.recordUnknown();
        List<Operation> history = new ArrayList<>();
        for (SimClient client : clients) history.addAll(client.history());
        Result verdict = new LinearizabilityChecker().check(history, null);
        if (!verdict.isLinearizable()) {
            return result(SimResult.Outcome.SAFETY, "history " + verdict.verdict() + " on key " + verdict.key() + ": "
                    + verdict.explanation());
        }
        return result(SimResult.Outcome.PASSED, "converged at tick " + now);
    }

    private SimResult result(SimResult.Outcome outcome, String message) {
        for (SimClient client : clients) coverage.add(client.coverage);
        coverage.duplicateRequests = duplicateRequestsOfCrashed;
        for (Replica replica : replicas) if (replica != null) coverage.duplicateRequests += replica.duplicateRequestCount();
        return new SimResult(seed, mix, outcome, message, committed.size(), viewChanges, crashes, now, coverage);
    }

    // ---------------------------------------------------------------------------------------------
    // One tick.

    private void step() {
        for (SimNetwork.Packet packet; (packet = network.poll(now)) != null; ) deliver(packet);
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i] == null) {
                if (now >= downUntil[i]) restart(i);
                continue;
            }
            for (SimStorage.Write write; replicas[i] != null && (write = storages[i].complete(now)) != null; ) {
                if (write.prepare() != null) replicas[i].onPrepareDurable(write.lastOp(), write.lastChecksum(), outputs[i]);
                else replicas[i].onStateDurable(write.view(), write.logView(), write.lastOp(), write.lastChecksum(), outputs[i]);
                observe(i);
            }
            replicas[i].tick(outputs[i]);
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
            trace("deliver " + packet.from() + "->" + packet.to() + " " + packet.message());
            replica.step(packet.message(), outputs[packet.to()]);
            observe(packet.to());
        } else {
            int c = packet.to() - replicaCount;
            Reply reply = (Reply) packet.message();
            trace("deliver " + packet.from() + "->client" + c + " " + reply);
            clients[c].onReply(now, reply, senders[c]);
        }
    }

    /** Traces a replica's state change and counts views started. */
    private void observe(int i) {
        Replica r = replicas[i];
        if (r.isPrimaryNormal() && r.view() > viewMaxStarted) {
            viewMaxStarted = r.view();
            viewChanges++;
        }
        if (trace == null) return;
        String state = r.status() + " view=" + r.view() + " logView=" + r.logView() + " op=" + r.op()
                + " commit=" + r.commit();
        if (!state.equals(lastState[i])) {
            trace("replica " + i + " " + state);
            lastState[i] = state;
        }
    }

    /** No two replicas ever commit different entries at the same op (compared by hash chain). */
    private void checkAgreement() {
        for (int i = 0; i < replicaCount; i++) {
            Replica r = replicas[i];
            if (r == null) continue;
            for (long op = checkedCommit[i] + 1; op <= r.commit(); op++) {
                long checksum = r.checksumAt(op);
                if (op <= committed.size()) {
                    long other = committed.get((int) (op - 1));
                    if (other != checksum) {
                        throw new AssertionError("agreement: replica " + i + " committed " + Long.toHexString(checksum)
                                + " at op " + op + " where another replica committed " + Long.toHexString(other));
                    }
                } else {
                    committed.add(checksum);
                }
            }
            checkedCommit[i] = r.commit();
        }
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
        boolean flap = healed && prng.chance(mix.partitionFlapProbability());
        if (partitionUntil == 0 && (flap || prng.chance(mix.partitionProbabilityPerTick()))) partition();
        if (prng.chance(mix.clusterCrashProbabilityPerTick())) {
            // Any number of replicas may crash briefly: what was durable must carry the cluster.
            trace("cluster crash");
            for (int i = 0; i < replicaCount; i++) {
                if (replicas[i] != null) crash(i, prng.between(1, 60));
            }
        } else if (prng.chance(mix.crashProbabilityPerTick()) && downCount() < config.faultsMax()) {
            int i = faultTarget();
            if (replicas[i] != null) crash(i, prng.between(1, mix.downTicksMax()));
        }
    }

    private void partition() {
        partitionUntil = now + prng.between(10, mix.partitionTicksMax());
        int r = faultTarget();
        int nodeCount = replicaCount + clients.length;
        switch (prng.nextInt(5)) {
            case 0 -> {
                trace("partition: isolate replica " + r);
                for (int n = 0; n < nodeCount; n++) if (n != r) { network.block(r, n); network.block(n, r); }
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
                for (int a = 0; a < replicaCount; a++) {
                    for (int b = 0; b < replicaCount; b++) if (side[a] != side[b]) network.block(a, b);
                }
            }
            default -> {
                trace("partition: clients cut from replica " + r);
                for (int c = replicaCount; c < nodeCount; c++) { network.block(r, c); network.block(c, r); }
            }
        }
    }

    /**
     * The replica a fault hits: half the time the primary of the highest normal view, because
     * faults at the primary are what force view changes and leave stale logs behind.
     */
    private int faultTarget() {
        int random = prng.nextInt(replicaCount);
        if (!prng.chance(0.5)) return random;
        int primary = random;
        long viewMax = -1;
        for (Replica replica : replicas) {
            if (replica != null && replica.isPrimaryNormal() && replica.view() > viewMax) {
                viewMax = replica.view();
                primary = replica.replicaIndex();
            }
        }
        return primary;
    }

    private void crash(int i, long downTicks) {
        trace("crash replica " + i + " for " + downTicks + " ticks");
        duplicateRequestsOfCrashed += replicas[i].duplicateRequestCount();
        replicas[i] = null;
        storages[i].crash();
        downUntil[i] = now + downTicks;
        lastState[i] = null;
        crashes++;
    }

    private void restart(int i) {
        trace("restart replica " + i);
        replicas[i] = Replica.restart(config, i, stateMachine(), prng.fork(), storages[i].durable());
        checkedCommit[i] = 0;
        observe(i);
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
        for (int i = 0; i < replicaCount; i++) if (replicas[i] == null) downUntil[i] = now;
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
            storages[replica].appendPrepare(now + writeTicks(), entry);
        }

        @Override
        public void persistState(long view, long logView, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            if (trace != null) {
                trace("write replica " + replica + " state view=" + view + " logView=" + logView + " anchor=" + anchorOp
                        + " suffix=" + suffix.size());
            }
            storages[replica].persistState(now + writeTicks(), view, logView, anchorOp, anchorChecksum, suffix);
        }
    }

    private long writeTicks() {
        return prng.between(1, mix.writeTicksMax());
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
