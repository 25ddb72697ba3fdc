package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.runtime.FormattedDirectory;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.ReplicaNode;
import dev.viewstamp.runtime.net.NettyTransport;
import dev.viewstamp.storage.DataDirectory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three replicas of the key-value service in this process, each a {@link ReplicaNode} on its own
 * data directory and its own {@link NettyTransport} on loopback, and a {@link KvClient} over the
 * network transport: the wire format, the handshakes and the runtime together.
 */
class NetworkClusterTest {

    private static final long CLUSTER = 21;
    private static final int MESSAGE_SIZE_MAX = 16 << 20;

    @TempDir
    Path root;
    private final ReplicaNode[] nodes = new ReplicaNode[3];
    private List<InetSocketAddress> addresses;
    private ClusterConfig config;
    private KvClient kv;

    @AfterEach
    void stop() {
        if (kv != null) kv.close();
        for (ReplicaNode node : nodes) if (node != null) node.close();
    }

    private void format(int checkpointInterval, int slots) throws Exception {
        addresses = new ArrayList<>();
        for (int i = 0; i < 3; i++) addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort()));
        List<String> members = addresses.stream().map(a -> "127.0.0.1:" + a.getPort()).toList();
        for (int i = 0; i < 3; i++) {
            DataDirectory.format(root.resolve("r" + i), CLUSTER, members, i, 8, checkpointInterval, slots, 16 * 1024, false);
        }
        config = FormattedDirectory.config(root.resolve("r0")).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void start(int i) throws Exception {
        NettyTransport transport = new NettyTransport(CLUSTER, i, addresses, addresses.get(i), MESSAGE_SIZE_MAX);
        nodes[i] = new ReplicaNode(ReplicaNode.Options.of(root.resolve("r" + i), config, KvStateMachine::new), transport);
        nodes[i].start();
    }

    private KvClient client() {
        kv = new KvClient(VsrClient.builder(new NettyClientTransport(CLUSTER, addresses, MESSAGE_SIZE_MAX))
                .sessions(8).requestTimeout(Duration.ofSeconds(20)).build());
        return kv;
    }

    private void putAll(KvClient kv, int from, int to) throws Exception {
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = from; i < to; i++) puts.add(kv.put("k" + i, "v" + i));
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    /** The highest commit number among the running replicas. */
    private long commitNow() {
        long commit = 0;
        for (ReplicaNode node : nodes) if (node != null) commit = Math.max(commit, node.status().commit());
        return commit;
    }

    private List<NodeStatus> awaitConvergence(long commitMin) throws InterruptedException {
        return Convergence.await(() -> {
            List<NodeStatus> statuses = new ArrayList<>();
            for (ReplicaNode node : nodes) if (node != null) statuses.add(node.status());
            return statuses;
        }, commitMin, Duration.ofSeconds(30));
    }

    @Test
    void aClientWritesThroughTheNetworkAndEveryReplicaConverges() throws Exception {
        format(0, 1024);
        for (int i = 0; i < 3; i++) start(i);
        KvClient kv = client();
        putAll(kv, 0, 300);
        assertThat(kv.get("k150").get(10, TimeUnit.SECONDS)).isEqualTo("v150");
        // A primary packs the requests that queue while a prepare is out into one op, so 300 puts
        // take fewer ops than that: every replica reaches the commit the cluster has now.
        awaitConvergence(commitNow());
    }

    @Test
    void thePrimaryStopsTheOthersChangeViewAndItComesBackBySyncingTheirCheckpoint() throws Exception {
        format(16, 64);
        for (int i = 0; i < 3; i++) start(i);
        KvClient kv = client();
        putAll(kv, 0, 100);
        int primary = (int) (kv.client().view() % 3);
        nodes[primary].close();
        nodes[primary] = null;

        // Past ten times the journal's 64 slots: in ops, and batches hold several puts.
        int written = 100;
        while (commitNow() < 10 * 64) {
            putAll(kv, written, written + 100);
            written += 100;
        }
        assertThat(kv.client().view()).isGreaterThan(0);
        start(primary);
        List<NodeStatus> statuses = awaitConvergence(commitNow());
        assertThat(statuses.get(primary).syncCount()).as("the restarted replica synced a checkpoint").isPositive();
        for (int i = 0; i < written; i += 97) assertThat(kv.get("k" + i).get(10, TimeUnit.SECONDS)).isEqualTo("v" + i);
    }
}
