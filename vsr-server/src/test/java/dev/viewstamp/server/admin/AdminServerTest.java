package dev.viewstamp.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.codec.StatusReport;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.PeerStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin endpoint over real HTTP on loopback, in front of a stand-in replica whose status and
 * peers the test sets: the JSON of /status and /cluster, /metrics read back as Prometheus text,
 * the dashboard page, and refusals.
 */
class AdminServerTest {

    /** Replica 1 of 3, the primary of view 4 (4 % 3 = 1). */
    private static final NodeStatus SELF =
            new NodeStatus(1, Status.NORMAL, 4, true, 120, 120, 118, 64, 2, 0x00ab_cdefL, "ok", 0);

    private final AtomicReference<NodeStatus> status = new AtomicReference<>(SELF);
    private final AtomicReference<List<PeerStatus>> peers = new AtomicReference<>(List.of(
            new PeerStatus(0, true, new StatusReport(0, Status.NORMAL, 4, 120, 118, 64, 0x00ab_cdefL, 0), 200),
            new PeerStatus(2, false, new StatusReport(2, Status.VIEW_CHANGE, 5, 90, 80, 64, 0x1234L, 1), 9_000)));
    private final AdminMetrics metrics = new AdminMetrics();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AdminServer server;

    @BeforeEach
    void start() throws IOException {
        server = AdminServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new AdminServer.Source() {
            @Override
            public NodeStatus status() {
                NodeStatus s = status.get();
                if (s == null) throw new IllegalStateException("replica 1 is not running");
                return s;
            }

            @Override
            public List<PeerStatus> peerStatuses() {
                return peers.get();
            }

            @Override
            public int replicaCount() {
                return 3;
            }
        }, metrics);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statusIsJsonWithThePositionAndEachPeersConnection() throws Exception {
        HttpResponse<String> response = get("/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        Map<String, Object> json = MiniJson.object(response.body());
        assertThat(json).containsEntry("replica", 1L).containsEntry("status", "normal").containsEntry("view", 4L)
                .containsEntry("primary", 1L).containsEntry("is_primary", true).containsEntry("op", 120L)
                .containsEntry("commit", 118L).containsEntry("checkpoint", 64L)
                .containsEntry("checksum", "0000000000abcdef").containsEntry("syncs", 2L)
                .containsEntry("storage", "ok");
        assertThat(json.get("peers")).isEqualTo(List.of(Map.of("replica", 0L, "connection", "up"),
                Map.of("replica", 2L, "connection", "down")));
    }

    @Test
    void statusNamesAViewChangeInLowerCase() throws Exception {
        status.set(new NodeStatus(1, Status.VIEW_CHANGE, 5, false, 120, 120, 118, 64, 2, 1, "ok", 0));
        Map<String, Object> json = MiniJson.object(get("/status").body());
        assertThat(json).containsEntry("status", "view_change").containsEntry("primary", 2L)
                .containsEntry("is_primary", false);
    }

    @Test
    void statusOfAStoppedReplicaIsServiceUnavailable() throws Exception {
        status.set(null);
        HttpResponse<String> response = get("/status");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(MiniJson.object(response.body()).get("error").toString()).contains("not running");
    }

    @Test
    void clusterListsEveryReplicaAndThePrimaryOfTheHighestNormalViewHeard() throws Exception {
        Map<String, Object> json = MiniJson.object(get("/cluster").body());
        // Replica 2 says view 5, but it is in a view change and was last heard 9 s ago: unreachable,
        // so the primary is view 4's, replica 1.
        assertThat(json).containsEntry("replica", 1L).containsEntry("replica_count", 3L).containsEntry("primary", 1L)
                .containsEntry("view", 4L);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> replicas = (List<Map<String, Object>>) json.get("replicas");
        assertThat(replicas).extracting(r -> r.get("replica")).containsExactly(0L, 1L, 2L);
        assertThat(replicas.get(0)).containsEntry("reachable", true).containsEntry("age_ms", 200L)
                .containsEntry("connection", "up").containsEntry("status", "normal").containsEntry("commit", 118L);
        assertThat(replicas.get(1)).containsEntry("self", true).containsEntry("commit", 118L);
        assertThat(replicas.get(2)).containsEntry("reachable", false).containsEntry("status", "view_change")
                .containsEntry("view", 5L).containsEntry("connection", "down");
        assertThat(json.get("throughput")).isInstanceOf(Map.class);
    }

    @Test
    void clusterShowsAPeerNeverHeardFromAsUnknown() throws Exception {
        peers.set(List.of(new PeerStatus(0, false, null, -1), new PeerStatus(2, false, null, -1)));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> replicas = (List<Map<String, Object>>) MiniJson.object(get("/cluster").body())
                .get("replicas");
        assertThat(replicas.get(0)).containsEntry("reachable", false).containsEntry("status", "unknown")
                .containsEntry("age_ms", -1L);
    }

    @Test
    void metricsAreThePrometheusTextFormatWithTheReplicasNumbers() throws Exception {
        metrics.onCommitted(7);
        metrics.onCommitted(3);
        metrics.onViewChange();
        metrics.onSyncInstalled();
        metrics.onRequestReplied(800_000); // 0.8 ms
        metrics.onRequestReplied(3_000_000); // 3 ms
        metrics.onJournalSync(2_000_000);
        metrics.onCheckpointDurable(40_000_000);
        metrics.onBytesIn(100);
        metrics.onBytesOut(250);
        metrics.onConnectionOpened();
        metrics.onConnectionOpened();
        metrics.onConnectionClosed();

        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        PrometheusText text = PrometheusText.parse(response.body());
        assertThat(text.value("vsr_ops_committed_total")).isEqualTo(10);
        assertThat(text.value("vsr_view_changes_total")).isEqualTo(1);
        assertThat(text.value("vsr_state_syncs_total")).isEqualTo(1);
        assertThat(text.value("vsr_request_latency_seconds_count")).isEqualTo(2);
        assertThat(text.value("vsr_request_latency_seconds_sum")).isCloseTo(0.0038, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(text.value("vsr_request_latency_seconds_bucket{le=\"0.001\"}")).isEqualTo(1);
        assertThat(text.value("vsr_request_latency_seconds_bucket{le=\"+Inf\"}")).isEqualTo(2);
        assertThat(text.value("vsr_journal_sync_seconds_count")).isEqualTo(1);
        assertThat(text.value("vsr_checkpoint_duration_seconds_count")).isEqualTo(1);
        assertThat(text.value("vsr_network_received_bytes_total")).isEqualTo(100);
        assertThat(text.value("vsr_network_sent_bytes_total")).isEqualTo(250);
        assertThat(text.value("vsr_connections_open")).isEqualTo(1);
        assertThat(text.value("vsr_view")).isEqualTo(4);
        assertThat(text.value("vsr_op")).isEqualTo(120);
        assertThat(text.value("vsr_commit")).isEqualTo(118);
        assertThat(text.value("vsr_checkpoint_op")).isEqualTo(64);
        assertThat(text.value("vsr_primary")).isEqualTo(1);
        assertThat(text.types).containsEntry("vsr_ops_committed_total", "counter")
                .containsEntry("vsr_request_latency_seconds", "histogram").containsEntry("vsr_view", "gauge");
    }

    @Test
    void rootIsTheDashboardPage() throws Exception {
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        // Self-contained: the data comes from this replica's /cluster, and nothing from elsewhere.
        assertThat(response.body()).contains("id=\"primary\"", "fetch(\"/cluster\"").doesNotContain("http://", "https://");
    }

    @Test
    void unknownPathsAndOtherMethodsAreRefused() throws Exception {
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + "/status");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }
}
