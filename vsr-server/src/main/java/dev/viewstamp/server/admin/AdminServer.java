package dev.viewstamp.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.viewstamp.codec.StatusReport;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.PeerStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's admin HTTP endpoint ({@code vsr server --admin H:P}), on the JDK's
 * {@code com.sun.net.httpserver}:
 * <ul>
 *   <li>{@code GET /status}: this replica's status as JSON, with each peer's connection state;
 *   <li>{@code GET /metrics}: {@link AdminMetrics} in the Prometheus text format;
 *   <li>{@code GET /cluster}: this replica's status and each peer's last status report (the
 *       STATUS frames of docs/WIRE.md) with its age, the primary they name, and this replica's
 *       committed ops per second over the last five minutes;
 *   <li>{@code GET /}: a dashboard of the cluster, a page that polls {@code /cluster}.
 * </ul>
 * Two threads answer, behind a queue of 64 exchanges; more at once are refused (the JDK server
 * closes their connections), so a flood of requests cannot grow memory or starve the replica.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** A peer not heard from for this long shows as unreachable. */
    public static final long UNREACHABLE_AFTER_MILLIS = 3_000;
    /** The throughput history: one sample a second, five minutes of them. */
    static final int THROUGHPUT_SAMPLE_MILLIS = 1_000;
    static final int THROUGHPUT_SAMPLE_COUNT = 300;

    /** What the endpoint shows: the running replica, or a test's stand-in. */
    public interface Source {
        /** This replica's status; throws {@link IllegalStateException} when it is not running. */
        NodeStatus status();

        /** What this replica knows of each peer. */
        List<PeerStatus> peerStatuses();

        int replicaCount();
    }

    private final Source source;
    private final AdminMetrics metrics;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService sampler;
    private final byte[] dashboard;
    /** Committed ops per second, oldest first, in a ring; written by the sampler, read by the handlers. */
    private final long[] throughput = new long[THROUGHPUT_SAMPLE_COUNT];
    private int throughputNext;
    private int throughputCount;
    private long lastOpsCommitted = -1;

    private AdminServer(InetSocketAddress bind, Source source, AdminMetrics metrics) throws IOException {
        this.source = source;
        this.metrics = metrics;
        this.dashboard = resource("dashboard.html");
        this.server = HttpServer.create(bind, 16);
        this.executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "vsr-admin");
            t.setDaemon(true);
            return t;
        });
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vsr-admin-sampler");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /** Listens on {@code bind} (port 0: any free port, see {@link #address}) and starts answering. */
    public static AdminServer start(InetSocketAddress bind, Source source, AdminMetrics metrics) throws IOException {
        AdminServer admin = new AdminServer(bind, source, metrics);
        admin.server.start();
        admin.sample();
        admin.sampler.scheduleAtFixedRate(admin::sample, THROUGHPUT_SAMPLE_MILLIS, THROUGHPUT_SAMPLE_MILLIS,
                TimeUnit.MILLISECONDS);
        return admin;
    }

    /** Where the endpoint listens. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening at once and ends the threads. Idempotent. */
    @Override
    public void close() {
        sampler.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }

    private synchronized void sample() {
        long ops = metrics.opsCommitted();
        if (lastOpsCommitted >= 0) {
            throughput[throughputNext] = (ops - lastOpsCommitted) * 1000 / THROUGHPUT_SAMPLE_MILLIS;
            throughputNext = (throughputNext + 1) % THROUGHPUT_SAMPLE_COUNT;
            throughputCount = Math.min(THROUGHPUT_SAMPLE_COUNT, throughputCount + 1);
        }
        lastOpsCommitted = ops;
    }

    private synchronized long[] throughput() {
        long[] series = new long[throughputCount];
        int first = (throughputNext - throughputCount + THROUGHPUT_SAMPLE_COUNT) % THROUGHPUT_SAMPLE_COUNT;
        for (int i = 0; i < throughputCount; i++) series[i] = throughput[(first + i) % THROUGHPUT_SAMPLE_COUNT];
        return series;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/" -> send(exchange, 200, "text/html; charset=utf-8", dashboard);
                case "/status" -> sendJson(exchange, statusJson());
                case "/cluster" -> sendJson(exchange, clusterJson());
                case "/metrics" -> sendMetrics(exchange);
                default -> send(exchange, 404, "text/plain; charset=utf-8",
                        ("no " + path + " here: try /, /status, /cluster or /metrics\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("admin: {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    private void sendJson(HttpExchange exchange, String json) throws IOException {
        send(exchange, json.startsWith("{\"error\"") ? 503 : 200, "application/json",
                json.getBytes(StandardCharsets.UTF_8));
    }

    private void sendMetrics(HttpExchange exchange) throws IOException {
        try {
            metrics.updateStatus(source.status());
        } catch (IllegalStateException e) {
            // The replica stopped: the counters still say what it did.
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        metrics.write(out);
        send(exchange, 200, metrics.contentType(), out.toByteArray());
    }

    private static void send(HttpExchange exchange, int code, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** {@code GET /status}: this replica, and the state of its connection to each peer. */
    String statusJson() {
        NodeStatus s;
        try {
            s = source.status();
        } catch (IllegalStateException e) {
            return new Json().field("error", "replica not running: " + e.getMessage()).toString();
        }
        int replicaCount = source.replicaCount();
        Json json = new Json().field("replica", s.replicaIndex()).field("replica_count", replicaCount)
                .field("status", name(s.status())).field("view", s.view())
                .field("primary", s.view() % replicaCount).field("is_primary", s.primary())
                .field("op", s.op()).field("op_durable", s.opDurable()).field("commit", s.commit())
                .field("checkpoint", s.checkpointOp()).field("checksum", hex(s.stateChecksum()))
                .field("syncs", s.syncCount()).field("storage", s.storage())
                .field("dropped_messages", s.droppedMessages()).array("peers");
        for (PeerStatus peer : source.peerStatuses()) {
            json.element().field("replica", peer.replicaIndex()).field("connection", peer.connected() ? "up" : "down")
                    .endObject();
        }
        return json.endArray().toString();
    }

    /** {@code GET /cluster}: every replica as this one knows it, the primary they name, and the throughput. */
    String clusterJson() {
        NodeStatus self;
        try {
            self = source.status();
        } catch (IllegalStateException e) {
            return new Json().field("error", "replica not running: " + e.getMessage()).toString();
        }
        int replicaCount = source.replicaCount();
        List<PeerStatus> peers = source.peerStatuses();
        // The primary: that of the highest view in which a reachable replica is normal.
        long viewNormal = self.status() == dev.viewstamp.core.replica.Status.NORMAL ? self.view() : -1;
        for (PeerStatus peer : peers) {
            if (reachable(peer) && peer.last().status() == dev.viewstamp.core.replica.Status.NORMAL) {
                viewNormal = Math.max(viewNormal, peer.last().view());
            }
        }
        Json json = new Json().field("replica", self.replicaIndex()).field("replica_count", replicaCount);
        if (viewNormal >= 0) json.field("primary", viewNormal % replicaCount).field("view", viewNormal);
        else json.nullField("primary").nullField("view");
        json.field("unreachable_after_ms", UNREACHABLE_AFTER_MILLIS).array("replicas");
        int p = 0;
        for (int i = 0; i < replicaCount; i++) {
            json.element().field("replica", i);
            if (i == self.replicaIndex()) {
                json.field("self", true).field("reachable", true).field("age_ms", 0).field("connection", "self");
                position(json, name(self.status()), self.view(), replicaCount, self.op(), self.commit(),
                        self.checkpointOp(), self.stateChecksum(), self.syncCount());
            } else {
                PeerStatus peer = p < peers.size() && peers.get(p).replicaIndex() == i ? peers.get(p++) : null;
                json.field("self", false).field("reachable", peer != null && reachable(peer))
                        .field("age_ms", peer == null ? -1 : peer.ageMillis())
                        .field("connection", peer != null && peer.connected() ? "up" : "down");
                StatusReport r = peer == null ? null : peer.last();
                if (r != null) {
                    position(json, name(r.status()), r.view(), replicaCount, r.op(), r.commit(), r.checkpointOp(),
                            r.stateChecksum(), r.syncCount());
                } else {
                    json.field("status", "unknown");
                }
            }
            json.endObject();
        }
        json.endArray().object("throughput").field("interval_ms", THROUGHPUT_SAMPLE_MILLIS).array("ops_per_s");
        for (long v : throughput()) json.element(v);
        return json.endArray().endObject().toString();
    }

    private static void position(Json json, String status, long view, int replicaCount, long op, long commit,
            long checkpoint, long checksum, long syncs) {
        json.field("status", status).field("view", view).field("primary", view % replicaCount).field("op", op)
                .field("commit", commit).field("checkpoint", checkpoint).field("checksum", hex(checksum))
                .field("syncs", syncs);
    }

    private static boolean reachable(PeerStatus peer) {
        return peer.last() != null && peer.ageMillis() >= 0 && peer.ageMillis() < UNREACHABLE_AFTER_MILLIS;
    }

    /** {@code NORMAL} as {@code normal}, {@code VIEW_CHANGE} as {@code view_change}. */
    static String name(dev.viewstamp.core.replica.Status status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private static String hex(long checksum) {
        return String.format("%016x", checksum);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AdminServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("the admin endpoint's " + name + " is missing from the jar");
            return in.readAllBytes();
        }
    }
}
