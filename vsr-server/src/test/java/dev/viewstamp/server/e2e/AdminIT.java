package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.server.admin.MiniJson;
import dev.viewstamp.server.admin.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `vsr server` processes, each with {@code --admin} on a free port, after 200 puts: every
 * replica's /status and /metrics over HTTP say what it did, and one replica's /cluster lists all
 * three, reachable, with one primary, the one the replicas' own status lines name.
 */
class AdminIT {

    private static final int PUTS = 200;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code url} as JSON until {@code done} holds of it, for at most {@code timeout}; the last answer. */
    private Map<String, Object> awaitJson(String url, Predicate<Map<String, Object>> done, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = get(url);
                if (response.statusCode() == 200) {
                    last = MiniJson.object(response.body());
                    if (done.test(last)) return last;
                }
            } catch (java.io.IOException e) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new AssertionError(url + " did not say what was expected within " + timeout + "; last: " + last);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyReplicaServesStatusAndMetricsAndOneListsTheWholeCluster() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 64).withAdmin()) {
            cluster.startAll();
            int primary = cluster.primary(Duration.ofSeconds(30));
            try (KvClient kv = cluster.client(4)) {
                CompletableFuture<?>[] puts = new CompletableFuture<?>[PUTS];
                for (int i = 0; i < PUTS; i++) puts[i] = kv.put("key-" + (i % 20), "value-" + i);
                CompletableFuture.allOf(puts).get(60, TimeUnit.SECONDS);
            }
            // A busy primary packs several puts into one op: the commit is below PUTS.
            long commit = cluster.awaitConvergence(1, Duration.ofSeconds(30)).get(0).commit();

            for (int i = 0; i < 3; i++) {
                String url = cluster.adminUrl(i);
                // Every peer link up, and at the converged commit.
                Map<String, Object> status = awaitJson(url + "/status", s -> ((List<?>) s.get("peers")).stream()
                        .allMatch(p -> "up".equals(((Map<?, ?>) p).get("connection")))
                        && ((Long) s.get("commit")) >= commit, Duration.ofSeconds(30));
                assertThat(status).containsEntry("replica", (long) i).containsEntry("status", "normal")
                        .containsEntry("primary", (long) primary).containsEntry("is_primary", i == primary)
                        .containsEntry("replica_count", 3L).containsEntry("storage", "ok");
                assertThat((Long) status.get("op")).isGreaterThanOrEqualTo((Long) status.get("commit"));
                assertThat(status.get("checksum").toString()).matches("[0-9a-f]{16}");
                assertThat((List<?>) status.get("peers")).hasSize(2);

                HttpResponse<String> metricsResponse = get(url + "/metrics");
                assertThat(metricsResponse.statusCode()).isEqualTo(200);
                PrometheusText metrics = PrometheusText.parse(metricsResponse.body());
                assertThat(metrics.value("vsr_ops_committed_total")).as("replica %d", i).isGreaterThanOrEqualTo(commit);
                assertThat(metrics.value("vsr_commit")).isGreaterThanOrEqualTo(commit);
                assertThat(metrics.value("vsr_view")).isEqualTo((double) (Long) status.get("view"));
                assertThat(metrics.value("vsr_primary")).isEqualTo(i == primary ? 1 : 0);
                assertThat(metrics.value("vsr_journal_sync_seconds_count")).isPositive();
                assertThat(metrics.value("vsr_network_received_bytes_total")).isPositive();
                assertThat(metrics.value("vsr_network_sent_bytes_total")).isPositive();
                // Two links each way with the peers, at least (a client's connections come and go).
                assertThat(metrics.value("vsr_connections_open")).isGreaterThanOrEqualTo(4);
                assertThat(metrics.value("vsr_checkpoint_duration_seconds_count")).as("64-slot journals checkpoint")
                        .isPositive();
                if (i == primary) {
                    assertThat(metrics.value("vsr_request_latency_seconds_count")).isGreaterThanOrEqualTo(PUTS);
                    assertThat(metrics.value("vsr_request_latency_seconds_sum")).isPositive();
                }
            }

            // Any replica shows the whole cluster from its peers' STATUS frames.
            int shower = (primary + 1) % 3;
            Map<String, Object> view = awaitJson(cluster.adminUrl(shower) + "/cluster", c -> ((List<?>) c.get("replicas"))
                    .stream().allMatch(r -> Boolean.TRUE.equals(((Map<?, ?>) r).get("reachable"))
                            && ((Long) ((Map<?, ?>) r).get("commit")) >= commit), Duration.ofSeconds(30));
            assertThat(view).containsEntry("replica", (long) shower).containsEntry("primary", (long) primary);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> replicas = (List<Map<String, Object>>) view.get("replicas");
            assertThat(replicas).extracting(r -> r.get("replica")).containsExactly(0L, 1L, 2L);
            assertThat(replicas).allSatisfy(r -> assertThat(r).containsEntry("status", "normal")
                    .containsEntry("primary", (long) primary));
            assertThat(replicas.stream().filter(r -> Boolean.TRUE.equals(r.get("self")))).hasSize(1);
            // The same state at the same commit: equal checksums.
            assertThat(replicas.stream().filter(r -> ((Long) r.get("commit")) == commit).map(r -> r.get("checksum"))
                    .distinct()).hasSizeLessThanOrEqualTo(1);
            assertThat(get(cluster.adminUrl(shower) + "/").body()).contains("id=\"primary\"");
        }
    }
}
