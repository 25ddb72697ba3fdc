package dev.viewstamp.runtime;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.storage.DataDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Replicas of the key-value service, each a {@link ReplicaNode} on a data directory formatted as
 * {@code vsr format} does ({@link DataDirectory#format}), connected by a {@link LoopbackTransport}.
 * A replica can be closed and started again from its directory.
 */
final class LoopbackCluster implements AutoCloseable {
    static final long CLUSTER_ID = 7;
    static final int TICK_MILLIS = 10;

    private final Path root;
    private final int replicaCount;
    private final LoopbackTransport network;
    private final ReplicaNode[] nodes;
    private final ClusterConfig config;
    /** Each replica's metrics, from its next start; none by default. */
    private final NodeMetrics[] metrics;

    /**
     * Formats {@code replicaCount} data directories under {@code root}, with a checkpoint every
     * {@code checkpointIntervalOps} ops and journals of {@code journalSlotCount} slots.
     */
    LoopbackCluster(Path root, int replicaCount, int checkpointIntervalOps, int journalSlotCount) throws Exception {
        this.root = root;
        this.replicaCount = replicaCount;
        this.network = new LoopbackTransport(replicaCount);
        this.nodes = new ReplicaNode[replicaCount];
        this.metrics = new NodeMetrics[replicaCount];
        java.util.Arrays.fill(metrics, NodeMetrics.NONE);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < replicaCount; i++) members.add("127.0.0.1:" + (7000 + i));
        for (int i = 0; i < replicaCount; i++) {
            // Bodies of 16 KiB: a batch of puts fits easily, and each data file stays a few MiB.
            DataDirectory.format(directory(i), CLUSTER_ID, members, i, 8, checkpointIntervalOps, journalSlotCount,
                    16 * 1024, false);
        }
        this.config = FormattedDirectory.config(directory(0)).build();
    }

    Path directory(int i) {
        return root.resolve("replica-" + i);
    }

    ClusterConfig config() {
        return config;
    }

    LoopbackTransport network() {
        return network;
    }

    /** Replica {@code i} reports to {@code value} from its next start. */
    void metrics(int i, NodeMetrics value) {
        metrics[i] = value;
    }

    void startAll() throws Exception {
        for (int i = 0; i < replicaCount; i++) start(i);
    }

    /** Starts replica {@code i} from its data directory (again, after {@link #close(int)}). */
    ReplicaNode start(int i) throws Exception {
        return start(i, null);
    }

    /** Starts replica {@code i} on a {@link FaultyDisk} over its data file, {@code faults[i]}, when {@code faults} is not null. */
    ReplicaNode start(int i, FaultyDisk[] faults) throws Exception {
        ReplicaNode node = new ReplicaNode(ReplicaNode.Options.of(directory(i), config, KvStateMachine::new)
                .withTickMillis(TICK_MILLIS), network.endpoint(i));
        node.metrics(metrics[i]);
        if (faults != null) {
            node.diskForTesting(disk -> {
                faults[i] = new FaultyDisk(disk);
                return faults[i];
            });
        }
        node.start();
        nodes[i] = node;
        return node;
    }

    void close(int i) {
        nodes[i].close();
        nodes[i].terminated().join(); // a failure would throw here
        nodes[i] = null;
    }

    /** Replica {@code i} stopped on its own: forget it, and return why it failed. */
    NodeFailure failed(int i, Duration timeout) throws Exception {
        try {
            nodes[i].terminated().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            nodes[i] = null;
            return (NodeFailure) e.getCause();
        }
        throw new AssertionError("replica " + i + " closed without a failure");
    }

    ReplicaNode node(int i) {
        return nodes[i];
    }

    NodeStatus status(int i) {
        return nodes[i].status();
    }

    /** The running replica that is primary in normal status, waiting up to {@code timeout} for one. */
    int primary(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (int i = 0; i < replicaCount; i++) {
                if (nodes[i] != null && status(i).primary()) return i;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no primary within " + timeout + ": " + describe());
    }

    /**
     * Waits until every running replica has committed at least {@code commitMin}, all the same op,
     * with the same state checksum; fails with what each shows after {@code timeout}.
     */
    List<NodeStatus> awaitConvergence(long commitMin, Duration timeout) throws InterruptedException {
        return await(statuses -> {
            NodeStatus first = statuses.get(0);
            return first.commit() >= commitMin && statuses.stream().allMatch(s -> s.commit() == first.commit()
                    && s.stateChecksum() == first.stateChecksum());
        }, timeout, "convergence at commit >= " + commitMin);
    }

    /** Waits until {@code condition} holds of the running replicas' statuses. */
    List<NodeStatus> await(Predicate<List<NodeStatus>> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<NodeStatus> statuses = statuses();
            if (condition.test(statuses)) return statuses;
            if (System.nanoTime() - deadline > 0) throw new AssertionError("no " + what + " within " + timeout + ": " + statuses);
            Thread.sleep(20);
        }
    }

    List<NodeStatus> statuses() {
        List<NodeStatus> statuses = new ArrayList<>();
        for (int i = 0; i < replicaCount; i++) if (nodes[i] != null) statuses.add(status(i));
        return statuses;
    }

    private String describe() {
        return statuses().toString();
    }

    /** Closes every running replica; fails if any of them had failed. */
    @Override
    public void close() {
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < replicaCount; i++) {
            if (nodes[i] != null) {
                nodes[i].close();
                if (nodes[i].failure() != null) failures.add(nodes[i].failure());
                nodes[i] = null;
            }
        }
        if (!failures.isEmpty()) throw new AssertionError("replicas failed: " + failures, failures.get(0));
    }
}
