package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.check.Check;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.ReplicaStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A small cluster for scripted scenario tests: no random faults, every message and write under
 * the test's control. Messages are delivered in send order; writes complete at the next step
 * unless the test holds them. Links can be blocked one way or both, and a drop rule can filter
 * single message kinds (for example "StartView from 1 to 2").
 *
 * <p>Each replica runs on the {@link Storage} the test chooses: the in-memory model, or the real
 * storage write order on a simulated disk. The script is the same on both: writes complete when
 * the cluster settles, unless held, and a crash loses exactly the writes not yet complete.
 *
 * <pre>{@code
 * ScenarioCluster cluster = ScenarioCluster.of(3, Storage.REAL);
 * cluster.isolate(0);
 * cluster.run(500);                       // backups time out and start view 1
 * assertThat(cluster.replica(1).isPrimaryNormal()).isTrue();
 * }</pre>
 */
public final class ScenarioCluster {
    private static final int DELIVERIES_PER_TICK_MAX = 100_000;

    /** What each replica's durable state lives on. */
    public enum Storage {
        /**
         * The in-memory model ({@link SimStorage}): a log and a state, one write at a time. A
         * restart reads back exactly what completed, damage included as the core recorded it.
         */
        MODEL,
        /**
         * The real {@code ReplicaStorage} (group commit, redundant headers, superblocks around a log
         * change) on a simulated disk without data faults ({@link ScenarioDisk}), as the
         * simulator's replicas run: a restart reads the superblock and recovers the journal.
         */
        REAL
    }

    private record Packet(int from, int to, Message message) {}

    private final ClusterConfig config;
    private final Storage storage;
    /** A new, empty service for each replica, and for each restart (restored from its checkpoint, if any). */
    private final Supplier<StateMachine> services;
    private final int replicaCount;
    private final Replica[] replicas;
    private final ScenarioStorage[] storages;
    /** The service each replica runs: a restart or a state sync restores it from a checkpoint. */
    private final StateMachine[] running;
    /** Bytes per state-sync chunk, on both storages: small, so a scenario's checkpoints take several chunks. */
    static final int SYNC_CHUNK_SIZE_BYTES = 64;
    private final boolean[] writesHeld;
    private final int[] syncFailures;
    private final ReplicaOutput[] outputs;
    private final List<Client> clients = new ArrayList<>();
    private final ArrayDeque<Packet> inFlight = new ArrayDeque<>();
    private final boolean[][] blocked;
    private final List<BiPredicate<Integer, Message>> dropRules = new ArrayList<>();
    private final List<String> delivered = new ArrayList<>();
    private final Prng prng = new Prng(42);
    private final Agreement agreement;
    private long now;

    public ScenarioCluster(ClusterConfig config, Storage storage) {
        this(config, storage, KvStateMachine::new);
    }

    /**
     * A cluster whose replicas run {@code services} (each call a new, empty one), which must take
     * the key-value commands the clients send: a test gives a service that takes snapshots, for
     * checkpoints.
     */
    public ScenarioCluster(ClusterConfig config, Storage storage, Supplier<StateMachine> services) {
        this.config = config;
        this.storage = storage;
        this.services = services;
        this.replicaCount = config.replicaCount();
        this.replicas = new Replica[replicaCount];
        this.storages = new ScenarioStorage[replicaCount];
        this.running = new StateMachine[replicaCount];
        this.writesHeld = new boolean[replicaCount];
        this.syncFailures = new int[replicaCount];
        this.outputs = new ReplicaOutput[replicaCount];
        this.agreement = new Agreement(replicaCount);
        int nodesMax = replicaCount + 16;
        this.blocked = new boolean[nodesMax][nodesMax];
        for (int i = 0; i < replicaCount; i++) {
            storages[i] = switch (storage) {
                case MODEL -> new SimStorage(config.clusterId(), i, config.pipelinePrepareCountMax(),
                        new StorageListener(i), services);
                case REAL -> new ScenarioDisk(config, i, new StorageListener(i), services);
            };
            outputs[i] = new ReplicaOutput(i);
            running[i] = services.get();
            replicas[i] = Replica.create(config, i, running[i], prng.fork());
        }
    }

    /** A cluster of {@code replicaCount} on {@code storage}, default limits and timeouts (normal timeout 100 ticks). */
    public static ScenarioCluster of(int replicaCount, Storage storage) {
        return new ScenarioCluster(ClusterConfig.builder().replicaCount(replicaCount).build(), storage);
    }

    public ClusterConfig config() {
        return config;
    }

    public Storage storage() {
        return storage;
    }

    public Replica replica(int index) {
        return replicas[index];
    }

    public long now() {
        return now;
    }

    // ---------------------------------------------------------------------------------------------
    // Faults under the test's control.

    /** Drops everything {@code from} sends to {@code to}. */
    public void block(int from, int to) {
        blocked[from][to] = true;
    }

    /** Restores the links between {@code a} and {@code b}, both ways. */
    public void connect(int a, int b) {
        blocked[a][b] = false;
        blocked[b][a] = false;
    }

    /** Cuts replica {@code replica} off from every other replica (clients still reach it). */
    public void isolate(int replica) {
        for (int other = 0; other < replicaCount; other++) {
            if (other != replica) {
                block(replica, other);
                block(other, replica);
            }
        }
    }

    /** Restores every link and removes every drop rule. */
    public void heal() {
        for (boolean[] row : blocked) java.util.Arrays.fill(row, false);
        dropRules.clear();
    }

    /** Removes every drop rule; blocked links stay blocked. */
    public void clearDropRules() {
        dropRules.clear();
    }

    /** Drops every message for which {@code rule} (destination node, message) holds, until {@link #heal}. */
    public void drop(BiPredicate<Integer, Message> rule) {
        dropRules.add(rule);
    }

    /** Drops every message to replica {@code to} that matches, until {@link #heal}. */
    public void dropTo(int to, Class<? extends Message> kind) {
        dropRules.add((destination, message) -> destination == to && kind.isInstance(message));
    }

    /** Holds (or releases) the completion of replica {@code replica}'s writes. */
    public void holdWrites(int replica, boolean hold) {
        writesHeld[replica] = hold;
    }

    /** Crashes a replica: writes not yet complete are lost, messages to it are dropped. */
    public void crash(int replica) {
        replicas[replica] = null;
        storages[replica].crash();
        writesHeld[replica] = false;
    }

    /** Crashes a replica and loses its disk: its restart recovers from the cluster (Status.RECOVERING). */
    public void crashAndLoseDisk(int replica) {
        replicas[replica] = null;
        storages[replica].lose();
        writesHeld[replica] = false;
    }

    /**
     * A latent sector error on a crashed replica's disk: the prepare of {@code op} can no longer be
     * read, while its redundant header still can. Its restart finds the op damaged and repairs it
     * from its peers (docs/STORAGE.md, "Unreadable sectors"); a storage fault scripted like any
     * other, on either storage.
     */
    public void decayPrepare(int replica, long op) {
        Check.that(replicas[replica] == null, "scenario: a disk decays while its replica is down");
        storages[replica].decayPrepare(op);
    }

    /**
     * While {@code on}, every state-sync chunk replica {@code replica} serves reads back with a
     * flipped bit, as from a checkpoint file damaged at rest: a fetcher's install fails on it.
     */
    public void damageServedChunks(int replica, boolean on) {
        storages[replica].damageServedChunks(on);
    }

    /** How many of replica {@code replica}'s installs failed their checks, over all its restarts. */
    public int syncFailureCount(int replica) {
        return syncFailures[replica];
    }

    /**
     * What a crashed replica's storage holds: what {@link #restart} would restart it from. On the
     * real storage this reads the disk as a restart does, once; the restart goes on from that read.
     */
    public Replica.Durable durable(int replica) {
        return storages[replica].durable();
    }

    /**
     * Restarts a crashed replica from {@code durable} instead of its storage: a test builds a
     * journal that came back damaged this way. The replica still writes to its own storage: repair
     * writes of entries the storage still holds are accepted as no-ops by the model, and written
     * again over the same entries by the real storage, which recovery opened from the disk.
     */
    public void restartWith(int replica, Replica.Durable durable) {
        restartWith(replica, durable, config);
    }

    /** Restarts a crashed replica from {@code durable} with another configuration than the cluster's. */
    public void restartWith(int replica, Replica.Durable durable, ClusterConfig configNew) {
        StateMachine service = services.get();
        if (durable.checkpoint() != null && !durable.checkpointLost()) {
            try {
                service.restore(new ByteArrayInputStream(storages[replica].snapshotBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException("scenario: replica " + replica + "'s checkpoint does not restore", e);
            }
        }
        running[replica] = service;
        replicas[replica] = Replica.restart(configNew, replica, service, prng.fork(), durable);
        storages[replica].restarted();
        agreement.restarted(replica);
    }

    /**
     * The crashed replica's checkpoint file is lost ({@code damaged} false) or damaged while its
     * superblock still names it: its restart must fetch a checkpoint from a peer.
     */
    public void loseCheckpointFile(int replica, boolean damaged) {
        Check.that(replicas[replica] == null, "scenario: a crashed replica's file is lost");
        storages[replica].loseCheckpointFile(damaged);
    }

    /** Restarts a crashed replica from what its storage holds. */
    public void restart(int replica) {
        restartWith(replica, storages[replica].durable());
    }

    // ---------------------------------------------------------------------------------------------
    // Time.

    /** Runs {@code ticks} ticks: each delivers every message in flight, completes writes and ticks everyone. */
    public void run(int ticks) {
        for (int i = 0; i < ticks; i++) step();
    }

    /** True when every replica is up and has executed {@code op}. */
    public boolean allCommitted(long op) {
        for (Replica replica : replicas) if (replica == null || replica.commit() < op) return false;
        return true;
    }

    /** Runs until {@code condition} holds; returns false if it did not within {@code ticksMax}. */
    public boolean runUntil(BooleanSupplier condition, int ticksMax) {
        for (int i = 0; i < ticksMax; i++) {
            if (condition.getAsBoolean()) return true;
            step();
        }
        return condition.getAsBoolean();
    }

    /** Delivers what is in flight and completes due writes, without advancing time. */
    public void settle() {
        for (int deliveries = 0; deliveries < DELIVERIES_PER_TICK_MAX; deliveries++) {
            boolean progress = completeWrites();
            Packet packet = inFlight.pollFirst();
            if (packet != null) {
                deliver(packet);
                progress = true;
            }
            if (!progress) return;
        }
        throw new AssertionError("scenario: messages keep flowing without time passing");
    }

    private void step() {
        settle();
        now++;
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i] != null) replicas[i].tick(outputs[i]);
        }
        for (Client client : clients) client.session.tick(client);
        settle();
        checkAgreement();
    }

    private boolean completeWrites() {
        boolean progress = false;
        for (int i = 0; i < replicaCount; i++) {
            if (replicas[i] == null || writesHeld[i]) continue;
            if (storages[i].completeWrites()) progress = true;
        }
        return progress;
    }

    private void deliver(Packet packet) {
        delivered.add(packet.from() + "->" + packet.to() + " " + packet.message().getClass().getSimpleName());
        if (packet.to() < replicaCount) {
            Replica replica = replicas[packet.to()];
            if (replica != null) replica.step(packet.message(), outputs[packet.to()]);
        } else {
            Client client = clients.get(packet.to() - replicaCount);
            client.onReply((Reply) packet.message());
        }
    }

    private void send(int from, int to, Message message) {
        if (blocked[from][to]) return;
        for (BiPredicate<Integer, Message> rule : dropRules) if (rule.test(to, message)) return;
        inFlight.addLast(new Packet(from, to, message));
    }

    /**
     * Puts {@code message} on the wire from node {@code from} to node {@code to} now, as the network
     * would deliver a duplicated or long-delayed copy of something sent earlier (nodes
     * {@code replicaCount + i} are clients).
     */
    public void inject(int from, int to, Message message) {
        send(from, to, message);
    }

    /** Delivered messages so far, as "from->to Kind" lines (for assertions about the exchange). */
    public List<String> delivered() {
        return delivered;
    }

    /** Throws if two replicas ever committed different entries at the same op (hash chain). */
    public void checkAgreement() {
        agreement.check(replicas);
    }

    // ---------------------------------------------------------------------------------------------
    // Clients.

    /** A new client; it registers at once. */
    public Client client() {
        Client client = new Client(clients.size());
        clients.add(client);
        client.session.register(client);
        return client;
    }

    /** A key-value client with one outstanding request. */
    public final class Client implements ClientSession.Sender {
        private final int index;
        private final ClientSession session;
        private final List<KvResult> results = new ArrayList<>();

        private Client(int index) {
            this.index = index;
            this.session = new ClientSession(1000L + index, replicaCount, 50, 400, prng.fork());
        }

        @Override
        public void send(int replica, Request request) {
            ScenarioCluster.this.send(replicaCount + index, replica, request);
        }

        /** Sends a command now; the client must be idle (registered, nothing outstanding). */
        public void submit(KvCommand command) {
            session.submit(command.encode(), this);
        }

        public boolean idle() {
            return session.idle();
        }

        public ClientSession session() {
            return session;
        }

        /** Results in the order they arrived. */
        public List<KvResult> results() {
            return results;
        }

        private void onReply(Reply reply) {
            ClientSession.Completion completion = session.onReply(reply);
            if (completion == null || completion.requestNumber() == Request.REGISTER) return;
            try {
                results.add(switch (completion.status()) {
                    case EVICTED -> new KvResult.Failure("evicted");
                    case TOO_LARGE -> new KvResult.Failure("too large");
                    case OK -> KvResult.decode(completion.result());
                });
            } catch (KvFormatException e) {
                throw new AssertionError("undecodable reply", e);
            }
        }
    }

    private final class ReplicaOutput implements Output {
        private final int replica;

        ReplicaOutput(int replica) {
            this.replica = replica;
        }

        @Override
        public void send(int to, Message message) {
            ScenarioCluster.this.send(replica, to, message);
        }

        @Override
        public void reply(Reply reply) {
            int client = (int) (reply.clientId() - 1000L);
            if (client >= 0 && client < clients.size()) ScenarioCluster.this.send(replica, replicaCount + client, reply);
        }

        @Override
        public void persistPrepare(Entry entry) {
            storages[replica].persistPrepare(entry);
        }

        @Override
        public void persistState(Output.ReplicaState state, long anchorOp, long anchorChecksum, List<Entry> suffix) {
            storages[replica].persistState(state, anchorOp, anchorChecksum, suffix);
        }

        @Override
        public void persistCheckpoint(Checkpoint checkpoint, StateMachine.Snapshot snapshot) {
            storages[replica].persistCheckpoint(checkpoint, snapshot);
        }

        @Override
        public void sendSyncChunk(int to, long checkpointOp, long identity, long offset) {
            storages[replica].serveSyncChunk(checkpointOp, identity, offset,
                    chunk -> ScenarioCluster.this.send(replica, to, chunk));
        }

        @Override
        public void writeSyncChunk(long checkpointOp, long offset, byte[] bytes) {
            storages[replica].stageSyncChunk(checkpointOp, offset, bytes);
        }

        @Override
        public void installSync(long checkpointOp, long identity, long sizeBytes, long fileChecksum,
                Output.ReplicaState state) {
            storages[replica].installSync(checkpointOp, identity, sizeBytes, fileChecksum, state);
        }
    }

    /** Completions of one replica's storage, forwarded to the replica running on it (none while it is down). */
    private final class StorageListener implements ReplicaStorage.Listener {
        private final int replica;

        StorageListener(int replica) {
            this.replica = replica;
        }

        @Override
        public void onPrepareDurable(long op, long checksum) {
            if (replicas[replica] != null) replicas[replica].onPrepareDurable(op, checksum, outputs[replica]);
        }

        @Override
        public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) {
            if (replicas[replica] != null) {
                replicas[replica].onStateDurable(view, logView, lastOp, lastChecksum, outputs[replica]);
            }
        }

        @Override
        public void onCheckpointDurable(long op) {
            if (replicas[replica] != null) replicas[replica].onCheckpointDurable(op, outputs[replica]);
        }

        @Override
        public void onSyncChunkDurable(long checkpointOp, long end) {
            if (replicas[replica] != null) replicas[replica].onSyncChunkDurable(checkpointOp, end, outputs[replica]);
        }

        @Override
        public void onSyncInstalled(CheckpointFile.Contents installed) {
            if (replicas[replica] == null) return;
            try {
                running[replica].restore(installed.snapshotStream());
            } catch (IOException e) {
                throw new UncheckedIOException("scenario: an installed checkpoint that was checked does not restore", e);
            }
            replicas[replica].onSyncInstalled(installed.checkpoint(), outputs[replica]);
        }

        @Override
        public void onSyncFailed(long checkpointOp, String reason) {
            syncFailures[replica]++;
            if (replicas[replica] != null) replicas[replica].onSyncFailed(checkpointOp, reason, outputs[replica]);
        }

        @Override
        public void onError(DiskError error) {
            // A scenario's disks have no faults: an error is a bug in the storage or in the script.
            throw new AssertionError("scenario: replica " + replica + " storage stopped: " + error);
        }
    }
}
