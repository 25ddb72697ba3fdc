package dev.viewstamp.server.admin;

import dev.viewstamp.runtime.NodeMetrics;
import dev.viewstamp.runtime.NodeStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A replica's {@link NodeMetrics} in the Prometheus Java client, in a registry of its own (not the
 * client's global default, so two replicas in one JVM, as in a test, keep theirs apart), written
 * in the Prometheus text format by {@link #write}. The hot-path calls are a counter's add or a
 * classic histogram's observe: no allocation, no lock.
 *
 * <p>Names (the text format adds {@code _total} to counters, and {@code _bucket}, {@code _sum},
 * {@code _count} to histograms):
 * <ul>
 *   <li>{@code vsr_ops_committed_total}: ops by which the commit number advanced (executed, or
 *       installed by a state sync);
 *   <li>{@code vsr_view_changes_total}: views entered above the one before;
 *   <li>{@code vsr_request_latency_seconds}: on the primary, from the replica thread taking a
 *       request off its queue to handing its reply to the transport;
 *   <li>{@code vsr_journal_sync_seconds}: each fsync of the data file;
 *   <li>{@code vsr_checkpoint_duration_seconds}: from the core asking for a checkpoint to its
 *       being durable;
 *   <li>{@code vsr_state_syncs_total}; {@code vsr_network_received_bytes_total},
 *       {@code vsr_network_sent_bytes_total}; {@code vsr_connections_open};
 *   <li>{@code vsr_view}, {@code vsr_op}, {@code vsr_commit}, {@code vsr_checkpoint_op},
 *       {@code vsr_primary} (1 on the primary of a normal view): set from the replica's status at
 *       each scrape ({@link #updateStatus}).
 * </ul>
 */
public final class AdminMetrics implements NodeMetrics {

    private static final double NANOS_PER_SECOND = 1e9;
    /** 100 µs to 10 s: a loopback request takes about a millisecond, a checkpoint can take seconds. */
    private static final double[] LATENCY_BOUNDS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter opsCommitted = Counter.builder().name("vsr_ops_committed")
            .help("Ops by which this replica's commit number advanced (executed, or installed by a state sync)")
            .register(registry);
    private final Counter viewChanges = Counter.builder().name("vsr_view_changes")
            .help("Views this replica entered above the one before").register(registry);
    private final Counter stateSyncs = Counter.builder().name("vsr_state_syncs")
            .help("Checkpoints fetched from a peer and installed").register(registry);
    private final Histogram requestLatency = histogram("vsr_request_latency_seconds",
            "On the primary: from the replica thread taking a request off its queue to handing its reply to the transport",
            registry);
    private final Histogram journalSync = histogram("vsr_journal_sync_seconds",
            "Each fsync of the data file (a group commit of many prepares)", registry);
    private final Histogram checkpointDuration = histogram("vsr_checkpoint_duration_seconds",
            "From the core asking for a checkpoint to its file and superblock being durable", registry);
    private final Counter bytesIn = Counter.builder().name("vsr_network_received_bytes")
            .help("Bytes received on the replica's connections (peers and clients)").register(registry);
    private final Counter bytesOut = Counter.builder().name("vsr_network_sent_bytes")
            .help("Bytes handed to the replica's connections to send (peers and clients)").register(registry);
    private final Gauge connectionsOpen = Gauge.builder().name("vsr_connections_open")
            .help("Open connections of the replica's transport (peers, both ways, and clients)").register(registry);
    private final Gauge view = Gauge.builder().name("vsr_view").help("The replica's view").register(registry);
    private final Gauge op = Gauge.builder().name("vsr_op").help("The last op of the replica's log").register(registry);
    private final Gauge commit = Gauge.builder().name("vsr_commit").help("The replica's commit number").register(registry);
    private final Gauge checkpointOp = Gauge.builder().name("vsr_checkpoint_op")
            .help("The op of the replica's durable checkpoint, 0 for none").register(registry);
    private final Gauge primary = Gauge.builder().name("vsr_primary")
            .help("1 when the replica is the primary of a normal view, else 0").register(registry);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /** A histogram in seconds with the bounds above, classic buckets only (what the text format shows). */
    private static Histogram histogram(String name, String help, PrometheusRegistry registry) {
        return Histogram.builder().name(name).help(help).classicOnly().classicUpperBounds(LATENCY_BOUNDS_SECONDS)
                .register(registry);
    }

    @Override
    public void onCommitted(long opCount) {
        opsCommitted.inc(opCount);
    }

    @Override
    public void onViewChange() {
        viewChanges.inc(1L);
    }

    @Override
    public void onSyncInstalled() {
        stateSyncs.inc(1L);
    }

    @Override
    public void onRequestReplied(long nanos) {
        requestLatency.observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void onJournalSync(long nanos) {
        journalSync.observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void onCheckpointDurable(long nanos) {
        checkpointDuration.observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void onBytesIn(long bytes) {
        bytesIn.inc(bytes);
    }

    @Override
    public void onBytesOut(long bytes) {
        bytesOut.inc(bytes);
    }

    @Override
    public void onConnectionOpened() {
        connectionsOpen.inc();
    }

    @Override
    public void onConnectionClosed() {
        connectionsOpen.dec();
    }

    /** Ops committed so far, for the dashboard's throughput. */
    public long opsCommitted() {
        return opsCommitted.getLongValue();
    }

    /** Sets the gauges of the replica's position from {@code status}: before each scrape. */
    public void updateStatus(NodeStatus status) {
        view.set(status.view());
        op.set(status.op());
        commit.set(status.commit());
        checkpointOp.set(status.checkpointOp());
        primary.set(status.primary() ? 1 : 0);
    }

    /** Writes every metric in the Prometheus text format (version 0.0.4). */
    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** The content type of what {@link #write} writes. */
    public String contentType() {
        return writer.getContentType();
    }
}
