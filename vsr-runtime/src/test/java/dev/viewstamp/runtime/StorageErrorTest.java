package dev.viewstamp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.viewstamp.kv.KvCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node does when its data file fails (docs/STORAGE.md): a failed fsync stops it with a
 * failure the process turns into an exit; a full disk stops its acknowledgements, safely, until a
 * retry finds space again. The faults hit a backup, so the other two keep the cluster going.
 */
class StorageErrorTest {
    private static final Duration TEST_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path root;

    @Test
    void failedSyncStopsTheNodeWithAFailure() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 16, 64);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 2001, LoopbackCluster.TICK_MILLIS)) {
                FaultyDisk[] disks = startOnFaultyDisks(cluster);
                client.register(CALL_TIMEOUT);
                int primary = cluster.primary(CALL_TIMEOUT);
                int backup = (primary + 1) % 3;
                for (int key = 0; key < 10; key++) put(client, key);

                disks[backup].syncFails = true;
                for (int key = 10; key < 20; key++) put(client, key);
                NodeFailure failure = cluster.failed(backup, CALL_TIMEOUT);
                assertThat(failure).hasMessageContaining("replica " + backup).hasMessageContaining("SYNC")
                        .hasMessageContaining("fsync: Input/output error");

                // The other two go on.
                for (int key = 20; key < 30; key++) put(client, key);
                assertThat(cluster.awaitConvergence(31, CALL_TIMEOUT)).hasSize(2);
            }
        });
    }

    @Test
    void fullDiskStopsAcknowledgementsUntilARetryFindsSpace() {
        assertTimeoutPreemptively(TEST_TIMEOUT, () -> {
            try (LoopbackCluster cluster = new LoopbackCluster(root, 3, 16, 64);
                    LoopbackClient client = new LoopbackClient(cluster.network(), 2002, LoopbackCluster.TICK_MILLIS)) {
                FaultyDisk[] disks = startOnFaultyDisks(cluster);
                client.register(CALL_TIMEOUT);
                int primary = cluster.primary(CALL_TIMEOUT);
                int backup = (primary + 1) % 3;
                for (int key = 0; key < 10; key++) put(client, key);

                disks[backup].full = true;
                for (int key = 10; key < 20; key++) put(client, key);
                cluster.await(statuses -> cluster.status(backup).storage().startsWith("stopped"), CALL_TIMEOUT,
                        "a stopped storage on replica " + backup);
                NodeStatus stopped = cluster.status(backup);
                assertThat(stopped.storage()).contains("No space left");
                // It may execute what the primary commits, but acknowledges nothing past what its
                // journal held when the disk filled.
                assertThat(stopped.opDurable()).isLessThan(cluster.status(primary).commit());

                disks[backup].full = false;
                for (int key = 20; key < 30; key++) put(client, key);
                // What the retry brings back is its storage, and with it its acknowledgements.
                List<NodeStatus> statuses = cluster.await(all -> all.stream().allMatch(s -> s.storage().equals("ok")),
                        CALL_TIMEOUT, "every storage resumed");
                assertThat(statuses).hasSize(3);
                assertThat(cluster.awaitConvergence(31, CALL_TIMEOUT)).hasSize(3);
            }
        });
    }

    private static FaultyDisk[] startOnFaultyDisks(LoopbackCluster cluster) throws Exception {
        FaultyDisk[] disks = new FaultyDisk[3];
        for (int i = 0; i < 3; i++) cluster.start(i, disks);
        return disks;
    }

    private static void put(LoopbackClient client, int key) throws InterruptedException {
        client.call(KvCommand.put("key-" + key, "value-" + key).encode(), CALL_TIMEOUT);
    }
}
