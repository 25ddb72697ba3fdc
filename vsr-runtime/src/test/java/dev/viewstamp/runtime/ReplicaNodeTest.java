package dev.viewstamp.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.storage.DataDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas of the key-value service on real data directories and real threads, connected in one
 * JVM by a {@link LoopbackTransport}, with a client driven by vsr-core's ClientSession. Each test
 * is bounded in time, generously: the work itself takes a few seconds.
 */
class ReplicaNodeTest {
    private static final Duration TEST_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    @Test
    void threeReplicasCommitAThousandPutsAndConverge() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 64, 256);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 1001, LoopbackCluster.TICK_MILLIS)) {
                cluster.startAll();
                client.register(CALL_TIMEOUT);
                for (int i = 0; i < 1000; i++) put(client, i);
                byte[] read = client.call(KvCommand.get("key-999").encode(), CALL_TIMEOUT);
                assertThat(KvResult.decode(read)).isEqualTo(new KvResult.Value("value-999".getBytes(UTF_8)));
                List<NodeStatus> statuses = cluster.awaitConvergence(1002, CALL_TIMEOUT);
                assertThat(statuses).hasSize(3).allSatisfy(s -> assertThat(s.storage()).isEqualTo("ok"));
                assertThat(statuses).filteredOn(NodeStatus::primary).hasSize(1);
                // Checkpoints every 64 ops: each replica made some durable, and compacted its log to them.
                assertThat(statuses).allSatisfy(s -> assertThat(s.checkpointOp()).isGreaterThanOrEqualTo(64 * 14));
            }
        });
    }

    /**
     * A backup goes down while the others run on far enough to compact the log it would need
     * (a checkpoint every 8 ops, a journal of 32 slots); restarted from its data directory, it
     * catches up by state sync, and the cluster runs on past ten times the journal's slots.
     */
    @Test
    void backupReopenedFromItsDataDirectoryCatchesUpByStateSync() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            int slots = 32;
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 8, slots);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 1002, LoopbackCluster.TICK_MILLIS)) {
                cluster.startAll();
                client.register(CALL_TIMEOUT);
                int key = 0;
                for (; key < 20; key++) put(client, key);
                int primary = cluster.primary(CALL_TIMEOUT);
                int backup = (primary + 1) % 3;
                long backupCommit = cluster.awaitConvergence(21, CALL_TIMEOUT).get(0).commit();
                cluster.close(backup);

                for (; key < 20 + 4 * slots; key++) put(client, key);
                NodeStatus primaryStatus = cluster.status(primary);
                assertThat(primaryStatus.checkpointOp())
                        .as("the others compacted their logs past the closed backup's ops")
                        .isGreaterThan(backupCommit + slots);

                cluster.start(backup);
                for (; key < 11 * slots; key++) put(client, key);
                List<NodeStatus> statuses = cluster.awaitConvergence(10L * slots, CALL_TIMEOUT);
                assertThat(statuses).hasSize(3);
                assertThat(cluster.status(backup).syncCount()).as("state syncs installed on the reopened backup")
                        .isGreaterThanOrEqualTo(1);
            }
        });
    }

    /**
     * A backup restarts to find the file of its checkpoint damaged: it starts with the checkpoint
     * lost (its service empty, its log and promises kept) and fetches the state from a peer
     * (docs/CHECKPOINTS.md, section 5).
     */
    @Test
    void backupWhoseCheckpointFileIsDamagedFetchesTheStateFromAPeer() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 8, 32);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 1004, LoopbackCluster.TICK_MILLIS)) {
                cluster.startAll();
                client.register(CALL_TIMEOUT);
                int key = 0;
                for (; key < 40; key++) put(client, key);
                int backup = (cluster.primary(CALL_TIMEOUT) + 1) % 3;
                cluster.awaitConvergence(41, CALL_TIMEOUT);
                cluster.close(backup);
                List<Path> files;
                try (Stream<Path> entries = Files.list(cluster.directory(backup))) {
                    files = entries.filter(f -> f.getFileName().toString().matches("checkpoint-\\d+\\.vsr")).toList();
                }
                assertThat(files).hasSize(1);
                byte[] bytes = Files.readAllBytes(files.get(0));
                bytes[bytes.length / 2] ^= 0x40;
                Files.write(files.get(0), bytes);

                cluster.start(backup);
                for (; key < 60; key++) put(client, key);
                assertThat(cluster.awaitConvergence(61, CALL_TIMEOUT)).hasSize(3);
                assertThat(cluster.status(backup).syncCount()).isGreaterThanOrEqualTo(1);
            }
        });
    }

    /** The primary goes down: the other two change view, and the client goes on with the new primary. */
    @Test
    void closingThePrimaryChangesTheViewAndTheClientGoesOn() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 16, 64);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 1003, LoopbackCluster.TICK_MILLIS)) {
                cluster.startAll();
                client.register(CALL_TIMEOUT);
                int key = 0;
                for (; key < 50; key++) put(client, key);
                int primary = cluster.primary(CALL_TIMEOUT);
                long view = cluster.status(primary).view();
                cluster.close(primary);

                for (; key < 100; key++) put(client, key);
                List<NodeStatus> statuses = cluster.awaitConvergence(101, CALL_TIMEOUT);
                assertThat(statuses).hasSize(2).allSatisfy(s -> {
                    assertThat(s.view()).isGreaterThan(view);
                    assertThat(s.status()).isEqualTo(Status.NORMAL);
                });
                assertThat(client.view()).isGreaterThan(view);

                // The old primary comes back as a backup and catches up.
                cluster.start(primary);
                for (; key < 120; key++) put(client, key);
                assertThat(cluster.awaitConvergence(121, CALL_TIMEOUT)).hasSize(3);
            }
        });
    }

    @Test
    void startRefusesADirectoryThatIsNotFormatted() {
        ReplicaNode node = new ReplicaNode(ReplicaNode.Options.of(root, ClusterConfig.builder().build(),
                KvStateMachine::new), new LoopbackTransport(1).endpoint(0));
        assertThatThrownBy(node::start).isInstanceOf(DataDirectory.Unusable.class).hasMessageContaining("not a formatted");
    }

    @Test
    void startRefusesAConfigurationOtherThanTheFormattedOne() throws Exception {
        try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 8, 32)) {
            ClusterConfig other = FormattedDirectory.config(cluster.directory(0)).checkpointIntervalOps(4).build();
            ReplicaNode node = new ReplicaNode(ReplicaNode.Options.of(cluster.directory(0), other, KvStateMachine::new),
                    cluster.network().endpoint(0));
            assertThatThrownBy(node::start).isInstanceOf(DataDirectory.Unusable.class)
                    .hasMessageContaining("checkpoint every 8 ops");
            assertThat(node.terminated()).isCompletedExceptionally();
        }
    }

    private static void put(LoopbackClient client, int key) throws InterruptedException {
        client.call(KvCommand.put("key-" + key, "value-" + key).encode(), CALL_TIMEOUT);
    }
}
