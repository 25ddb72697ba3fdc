package dev.viewstamp.server.cli;

import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.runtime.EmbeddedReplica;
import dev.viewstamp.runtime.NodeFailure;
import dev.viewstamp.runtime.net.NettyTransport;
import dev.viewstamp.server.resp.RespFrontEnd;
import dev.viewstamp.runtime.NodeMetrics;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.PeerStatus;
import dev.viewstamp.server.admin.AdminMetrics;
import dev.viewstamp.server.admin.AdminServer;
import dev.viewstamp.storage.DataDirectory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vsr server}: runs one replica of the key-value service until it is stopped or fails. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs one replica of the replicated key-value service on a data directory made by "
                + "`vsr format`. The cluster id and the replica's index come from the directory. Stop it with "
                + "SIGTERM or Ctrl-C: it closes its files and connections and exits 0."},
        footer = {"", "Exit codes: 0 stopped; 1 the replica failed (a disk error: its log says which) or cannot "
                + "listen on --admin or --resp; 2 usage error; 3 the data directory cannot be used (missing, not "
                + "formatted, damaged beyond reading)."})
final class ServerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The replica's data directory.")
    Path data;

    @Option(names = "--replica", paramLabel = "I",
            description = "This replica's index; if given, it must be the one the data directory was formatted for.")
    Integer replica;

    @Option(names = "--cluster", split = ",", paramLabel = "HOST:PORT",
            description = "Every member's address, in replica order, instead of those recorded at format time "
                    + "(as many). The replica dials each peer there, and listens on its own entry unless --listen.")
    List<String> cluster;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where to listen for peers and clients, instead of this replica's own --cluster entry.")
    String listen;

    @Option(names = "--resp", paramLabel = "HOST:PORT",
            description = "Serve the Redis protocol (RESP2) on this address: redis-cli, redis-benchmark and Redis "
                    + "client libraries work against any replica; their commands go through the log, to whichever "
                    + "replica is primary.")
    String resp;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Serve the admin HTTP endpoint there: GET /status (JSON), /metrics (Prometheus text "
                    + "format), /cluster (JSON: every replica as this one hears of it) and / (a live dashboard of "
                    + "the cluster).")
    String admin;

    @Option(names = "--status-interval", defaultValue = "0", paramLabel = "MS",
            description = "Print a status line on standard output every MS milliseconds when it changed: "
                    + "`status replica=I status=S view=V primary=B op=O commit=C checkpoint=K checksum=X syncs=N` "
                    + "(default 0: never). `vsr demo` reads it.")
    int statusIntervalMillis;

    @Option(names = "--tick-millis", defaultValue = "10", paramLabel = "MS",
            description = "Milliseconds per protocol tick (default: ${DEFAULT-VALUE}).")
    int tickMillis;

    @Override
    public Integer call() {
        // The whole directory is checked first (inspect recovers the journal read-only), so that an
        // unusable one is exit 3 before any usage error about --replica or --cluster.
        DataDirectory.Inspection inspection;
        try {
            inspection = DataDirectory.inspect(data);
        } catch (DataDirectory.Unusable e) {
            System.err.println("vsr server: " + e.getMessage());
            return 3;
        }
        int index = inspection.state().replicaIndex();
        int replicaCount = inspection.state().replicaCount();
        if (replica != null && replica != index) {
            System.err.println("vsr server: " + data + " holds replica " + index + ", not --replica " + replica);
            return 2;
        }
        List<InetSocketAddress> addresses;
        InetSocketAddress bind;
        try {
            List<String> members = cluster != null ? cluster : inspection.members();
            if (members.size() != replicaCount) {
                System.err.println("vsr server: --cluster names " + members.size() + " addresses, but the cluster has "
                        + replicaCount + " replicas");
                return 2;
            }
            addresses = Addresses.parse(members);
            bind = listen != null ? Addresses.parse(listen) : addresses.get(index);
        } catch (IllegalArgumentException e) {
            System.err.println("vsr server: " + e.getMessage());
            return 2;
        }
        InetSocketAddress respAddress;
        try {
            respAddress = resp == null ? null : Addresses.parse(resp);
        } catch (IllegalArgumentException e) {
            System.err.println("vsr server: --resp: " + e.getMessage());
            return 2;
        }
        InetSocketAddress adminBind;
        try {
            adminBind = admin != null ? Addresses.parse(admin) : null;
        } catch (IllegalArgumentException e) {
            System.err.println("vsr server: --admin: " + e.getMessage());
            return 2;
        }
        // Metrics only for an admin endpoint to show: without one, the replica reports nothing.
        AdminMetrics metrics = adminBind != null ? new AdminMetrics() : null;

        EmbeddedReplica node;
        try {
            node = EmbeddedReplica.builder().dataDirectory(data).addresses(addresses).listen(bind)
                    .service(KvStateMachine::new).tickMillis(tickMillis)
                    .metrics(metrics != null ? metrics : NodeMetrics.NONE).build();
            node.start();
        } catch (DataDirectory.Unusable e) {
            System.err.println("vsr server: " + e.getMessage());
            return 3;
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("vsr server: cannot start replica " + index + " on " + data + ": " + e.getMessage());
            return e instanceof RuntimeException ? 1 : 3;
        }
        LOG.info("replica {} of cluster {} ({} replicas) serving on {}", index, node.config().clusterId(),
                replicaCount, bind);
        RespFrontEnd front = null;
        if (respAddress != null) {
            try {
                front = startResp(node, addresses, bind, respAddress);
            } catch (RuntimeException e) {
                System.err.println("vsr server: cannot serve the Redis protocol on " + resp + ": " + e.getMessage());
                node.close();
                return 1;
            }
        }
        RespFrontEnd frontEnd = front;
        AdminServer adminServer = null;
        if (adminBind != null) {
            try {
                adminServer = AdminServer.start(adminBind, adminSource(node), metrics);
            } catch (java.io.IOException e) {
                System.err.println("vsr server: cannot serve the admin endpoint on " + admin + ": " + e.getMessage());
                if (frontEnd != null) frontEnd.close();
                node.close();
                return 1;
            }
            LOG.info("replica {}: admin endpoint on http://{}/", index, admin);
        }
        Thread stop = new Thread(() -> {
            LOG.info("replica {}: stopping", index);
            if (frontEnd != null) frontEnd.close();
            node.close();
        }, "vsr-shutdown");
        Runtime.getRuntime().addShutdownHook(stop);
        // SIGTERM and Ctrl-C close the replica and the command returns 0, as a stop asked for is no
        // failure; left to the JVM's default, they would end it with 143 and 130.
        for (String signal : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), caught -> {
                    LOG.info("replica {}: SIG{}: stopping", index, signal);
                    if (frontEnd != null) frontEnd.close();
                    node.close();
                });
            } catch (IllegalArgumentException e) {
                // Not a signal here, or the JVM keeps it (-Xrs): the shutdown hook stops the replica.
            }
        }
        if (statusIntervalMillis > 0) printStatus(node);
        node.terminated().handle((ok, error) -> null).join();
        if (adminServer != null) adminServer.close();
        NodeFailure failure = node.failure();
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException e) {
            // Already shutting down.
        }
        if (frontEnd != null) frontEnd.close();
        if (failure == null) return 0;
        node.close();
        System.err.println("vsr server: replica " + index + " stopped: " + failure.getMessage());
        return 1;
    }

    /**
     * The Redis front end on {@code listen}: a client of this process reaches the cluster (this
     * replica where it listens, each peer at its entry), with sessions shared by every connection.
     */
    private static RespFrontEnd startResp(EmbeddedReplica node, List<InetSocketAddress> addresses, InetSocketAddress bind,
            InetSocketAddress listen) {
        List<InetSocketAddress> dial = new java.util.ArrayList<>(addresses);
        dial.set(node.replicaIndex(), bind);
        ClusterConfig config = node.config();
        VsrClient client = VsrClient.builder(new NettyClientTransport(config.clusterId(), dial,
                        NettyTransport.clientMessageSizeBytesMax(config)))
                .sessions(RESP_SESSIONS).requestTimeout(java.time.Duration.ofSeconds(10))
                .unavailableAfter(java.time.Duration.ofSeconds(10)).build();
        RespFrontEnd front = new RespFrontEnd(RespFrontEnd.Service.of(client), node::status, config.replicaCount(),
                config.batchSizeBytesMax() - Request.OVERHEAD_SIZE_BYTES);
        try {
            front.start(listen);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return front;
    }

    /** Client sessions the Redis front end of one replica shares among all its connections. */
    private static final int RESP_SESSIONS = 128;

    private static AdminServer.Source adminSource(EmbeddedReplica node) {
        return new AdminServer.Source() {
            @Override
            public NodeStatus status() {
                return node.status();
            }

            @Override
            public List<PeerStatus> peerStatuses() {
                return node.peerStatuses();
            }

            @Override
            public int replicaCount() {
                return node.config().replicaCount();
            }
        };
    }

    /** Prints the node's status line every {@code --status-interval} when it changed, until the node ends. */
    private void printStatus(EmbeddedReplica node) {
        Thread printer = new Thread(() -> {
            String last = "";
            while (!node.terminated().isDone()) {
                try {
                    dev.viewstamp.runtime.NodeStatus s = node.status();
                    String line = String.format("status replica=%d status=%s view=%d primary=%b op=%d commit=%d "
                            + "checkpoint=%d checksum=%016x syncs=%d", s.replicaIndex(), s.status(), s.view(), s.primary(),
                            s.op(), s.commit(), s.checkpointOp(), s.stateChecksum(), s.syncCount());
                    if (!line.equals(last)) {
                        System.out.println(line);
                        System.out.flush();
                        last = line;
                    }
                    Thread.sleep(statusIntervalMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (IllegalStateException e) {
                    return; // the node stopped
                }
            }
        }, "vsr-status");
        printer.setDaemon(true);
        printer.start();
    }
}
