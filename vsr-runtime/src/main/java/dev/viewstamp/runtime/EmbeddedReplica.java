package dev.viewstamp.runtime;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.runtime.net.NettyTransport;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.Superblock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One replica of a program's own {@link StateMachine}, run in-process on the network: a
 * {@link ReplicaNode} on a data directory with a {@link NettyTransport} to its peers and clients,
 * wired from what the directory recorded at format time. This is what {@code vsr server} runs for
 * the key-value service; a program embeds any other service the same way, and talks to the
 * cluster with {@code vsr-client}'s {@code VsrClient} (docs/EMBEDDING.md).
 *
 * <pre>{@code
 * // Once, for a new cluster: one data directory per replica, each on its own machine (or not).
 * List<InetSocketAddress> members = List.of(
 *         new InetSocketAddress("10.0.0.1", 7001), new InetSocketAddress("10.0.0.2", 7001),
 *         new InetSocketAddress("10.0.0.3", 7001));
 * EmbeddedReplica.format(Path.of("/var/lib/ledger"), 42, members, 0);   // replica 0 here
 *
 * // Each time the program starts:
 * EmbeddedReplica replica = EmbeddedReplica.builder()
 *         .dataDirectory(Path.of("/var/lib/ledger"))
 *         .service(Ledger::new)                  // a deterministic StateMachine with snapshots
 *         .build();                              // reads the directory: cluster, index, members
 * replica.start();
 *
 * // Any program, to use the service: VsrClient over the members' addresses.
 * VsrClient client = VsrClient.builder(new NettyClientTransport(42, members, 16 << 20)).build();
 * byte[] reply = client.submit(operation).get();
 * ...
 * replica.close();                               // or wait: replica.terminated().join()
 * }</pre>
 *
 * <p>{@link Builder#build} reads the data directory's superblock (the cluster id, this replica's index
 * and the limits recorded at format time) and, unless {@link Builder#addresses} replaces them, the
 * members recorded at format time; {@link #start} opens it as a restarting replica does
 * ({@link ReplicaNode#start}), so a program restarts a replica by building and starting a new one
 * on the same directory. A replica that fails on its own (a failed fsync, say) stops, and
 * {@link #terminated} completes with a {@link NodeFailure}: restart it from its directory.
 */
public final class EmbeddedReplica implements AutoCloseable {

    /** Prepares the primary keeps in flight, as {@code vsr format --pipeline} defaults it. */
    public static final int PIPELINE_DEFAULT = 8;
    /** Ops the journal holds, as {@code vsr format --journal-slots} defaults it. */
    public static final int JOURNAL_SLOTS_DEFAULT = 1024;

    private final Path dataDirectory;
    private final ClusterConfig config;
    private final int replicaIndex;
    private final List<InetSocketAddress> addresses;
    private final InetSocketAddress listen;
    private final NettyTransport transport;
    private final ReplicaNode node;

    private EmbeddedReplica(Builder b, Superblock.State state, List<InetSocketAddress> addresses) {
        this.dataDirectory = b.dataDirectory;
        this.config = FormattedDirectory.config(state).build();
        this.replicaIndex = state.replicaIndex();
        this.addresses = List.copyOf(addresses);
        this.listen = b.listen != null ? b.listen : addresses.get(replicaIndex);
        this.transport = new NettyTransport(config.clusterId(), replicaIndex, this.addresses, listen,
                NettyTransport.messageSizeBytesMax(config), NettyTransport.clientMessageSizeBytesMax(config));
        this.node = new ReplicaNode(ReplicaNode.Options.of(dataDirectory, config, b.service)
                .withTickMillis(b.tickMillis), transport);
        transport.metrics(b.metrics);
        node.metrics(b.metrics);
    }

    /** A builder: set at least {@link Builder#dataDirectory} and {@link Builder#service}. */
    public static Builder builder() {
        return new Builder();
    }

    /** How to run a replica; {@link #build} reads its data directory and checks what was set against it. */
    public static final class Builder {
        private Path dataDirectory;
        private Supplier<? extends StateMachine> service;
        private List<InetSocketAddress> addresses;
        private InetSocketAddress listen;
        private Integer replicaIndex;
        private int tickMillis = 10;
        private NodeMetrics metrics = NodeMetrics.NONE;

        private Builder() {}

        /** Where the replica and its transport report what they do (an admin endpoint's metrics); default none. */
        public Builder metrics(NodeMetrics value) {
            metrics = Objects.requireNonNull(value, "metrics");
            return this;
        }

        /** The replica's data directory, made by {@link EmbeddedReplica#format} or {@code vsr format}. Required. */
        public Builder dataDirectory(Path value) {
            dataDirectory = Objects.requireNonNull(value, "dataDirectory");
            return this;
        }

        /**
         * Makes the replicated service: one at start, and one more each time the replica checks a
         * checkpoint fetched from a peer. Every call returns a new, empty service. Required.
         */
        public Builder service(Supplier<? extends StateMachine> value) {
            service = Objects.requireNonNull(value, "service");
            return this;
        }

        /**
         * Every member's address, in replica order, instead of those recorded at format time (as
         * many: a cluster's membership does not change). The replica dials each peer there and,
         * unless {@link #listen}, listens on its own entry. Default: the recorded members.
         */
        public Builder addresses(List<InetSocketAddress> value) {
            addresses = List.copyOf(value);
            return this;
        }

        /** Where to listen for peers and clients, instead of this replica's own entry of the addresses. */
        public Builder listen(InetSocketAddress value) {
            listen = Objects.requireNonNull(value, "listen");
            return this;
        }

        /** The replica index the directory must hold; {@link #build} refuses another. Default: whichever it holds. */
        public Builder replicaIndex(int value) {
            replicaIndex = value;
            return this;
        }

        /** Milliseconds per protocol tick, the unit of every timeout; default 10, as {@code vsr server}. */
        public Builder tickMillis(int value) {
            if (value < 1) throw new IllegalArgumentException("tickMillis must be at least 1, not " + value);
            tickMillis = value;
            return this;
        }

        /**
         * Reads the data directory and makes the replica, not started yet.
         *
         * @throws DataDirectory.Unusable if the directory is missing, not formatted, of an older
         *     format, or its superblock or member list cannot be read
         * @throws IOException if reading it fails
         * @throws IllegalArgumentException if the directory holds another replica than
         *     {@link #replicaIndex}, or the {@link #addresses} are not as many as its cluster's
         *     replicas, or a recorded member's host does not resolve
         * @throws IllegalStateException if the data directory or the service was not set
         */
        public EmbeddedReplica build() throws IOException, DataDirectory.Unusable {
            if (dataDirectory == null) throw new IllegalStateException("no dataDirectory: set the replica's data directory");
            if (service == null) throw new IllegalStateException("no service: set the StateMachine supplier");
            if (!Files.exists(dataDirectory)) throw new DataDirectory.Unusable(dataDirectory + " does not exist");
            if (!Files.isDirectory(dataDirectory)) throw new DataDirectory.Unusable(dataDirectory + " is not a directory");
            Superblock.State state = FormattedDirectory.state(dataDirectory);
            if (replicaIndex != null && replicaIndex != state.replicaIndex()) {
                throw new IllegalArgumentException(dataDirectory + " holds replica " + state.replicaIndex()
                        + ", not replica " + replicaIndex);
            }
            List<InetSocketAddress> members = addresses != null ? addresses : resolve(DataDirectory.members(dataDirectory));
            if (members.size() != state.replicaCount()) {
                throw new IllegalArgumentException((addresses != null ? "the addresses name " : dataDirectory
                        + " records ") + members.size() + " members, but the cluster has " + state.replicaCount()
                        + " replicas");
            }
            return new EmbeddedReplica(this, state, members);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Formatting.

    /**
     * Formats {@code directory} (created if missing; it must be empty) for replica
     * {@code replicaIndex} of a new cluster of {@code members}, with the defaults of
     * {@code vsr format}: see {@link Format}. Format every replica of a cluster with the same
     * cluster id and members, each with its own index.
     *
     * @throws DataDirectory.Unusable if {@code directory} is not empty or not a directory
     * @throws IllegalArgumentException if the members are not an odd number, or the index is not among them
     */
    public static void format(Path directory, long clusterId, List<InetSocketAddress> members, int replicaIndex)
            throws IOException, DataDirectory.Unusable {
        format(clusterId, members).write(directory, replicaIndex);
    }

    /**
     * The format of a new cluster's data directories, to adjust from the defaults of
     * {@code vsr format}, then {@linkplain Format#write write} once per replica:
     * {@code EmbeddedReplica.format(42, members).journalSlotCount(64).write(directory, 0)}.
     */
    public static Format format(long clusterId, List<InetSocketAddress> members) {
        return new Format(clusterId, members);
    }

    /**
     * What {@link DataDirectory#format} records for a new cluster, with {@code vsr format}'s
     * defaults. Every value is recorded in each data file and must be the same on every replica
     * of the cluster, so write all of a cluster's directories from one {@code Format}.
     */
    public static final class Format {
        private final long clusterId;
        private final List<InetSocketAddress> members;
        private int pipelinePrepareCountMax = PIPELINE_DEFAULT;
        private Integer checkpointIntervalOps;
        private int journalSlotCount = JOURNAL_SLOTS_DEFAULT;
        private int journalBodySizeBytesMax = ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT;

        private Format(long clusterId, List<InetSocketAddress> members) {
            this.clusterId = clusterId;
            this.members = List.copyOf(members);
        }

        /** Prepares the primary keeps in flight; default {@value EmbeddedReplica#PIPELINE_DEFAULT}. */
        public Format pipelinePrepareCountMax(int value) {
            pipelinePrepareCountMax = value;
            return this;
        }

        /**
         * A checkpoint (the service's snapshot and the client table) after every {@code value}-th
         * op; 0 takes none, and a replica stops once its journal is full. Default:
         * {@link #defaultCheckpointIntervalOps} of the journal and the pipeline.
         */
        public Format checkpointIntervalOps(int value) {
            checkpointIntervalOps = value;
            return this;
        }

        /** Ops the journal holds; default {@value EmbeddedReplica#JOURNAL_SLOTS_DEFAULT}. */
        public Format journalSlotCount(int value) {
            journalSlotCount = value;
            return this;
        }

        /**
         * The largest prepare body (a batch of requests) the journal holds, in bytes; default
         * 256 KiB. The data file is preallocated: about {@code journalSlotCount} times this.
         */
        public Format journalBodySizeBytesMax(int value) {
            journalBodySizeBytesMax = value;
            return this;
        }

        /** The checkpoint interval {@link #write} records: the one set, or the default. */
        public int checkpointIntervalOps() {
            return checkpointIntervalOps != null ? checkpointIntervalOps
                    : defaultCheckpointIntervalOps(journalSlotCount, pipelinePrepareCountMax);
        }

        /**
         * Formats {@code directory} (created if missing; it must be empty) for replica
         * {@code replicaIndex}.
         *
         * @throws DataDirectory.Unusable if {@code directory} is not empty or not a directory
         * @throws IllegalArgumentException if a value is out of range, the members are not an odd
         *     number, or the journal is too small for the checkpoint interval and the pipeline
         */
        public void write(Path directory, int replicaIndex) throws IOException, DataDirectory.Unusable {
            if (pipelinePrepareCountMax < 1 || journalSlotCount < 1 || journalBodySizeBytesMax < 1) {
                throw new IllegalArgumentException("pipelinePrepareCountMax, journalSlotCount and journalBodySizeBytesMax "
                        + "must be positive");
            }
            int interval = checkpointIntervalOps();
            if (interval < 0) throw new IllegalArgumentException("checkpointIntervalOps must be 0 (none) or positive");
            List<String> hostPorts = new ArrayList<>();
            for (InetSocketAddress member : members) hostPorts.add(hostPort(member));
            DataDirectory.format(directory, clusterId, hostPorts, replicaIndex, pipelinePrepareCountMax, interval,
                    journalSlotCount, journalBodySizeBytesMax, false);
        }
    }

    /**
     * The largest power of two that a journal of {@code journalSlotCount} holds twice over beside
     * the pipeline, or 0 when it holds none: {@code vsr format}'s default (256 for 1,024 slots and
     * a pipeline of 8). Twice over so that the next checkpoint is durable before the journal's ring
     * needs the slots of the ops up to the last one again (docs/CHECKPOINTS.md, section 2).
     */
    public static int defaultCheckpointIntervalOps(int journalSlotCount, int pipelinePrepareCountMax) {
        int room = (journalSlotCount - pipelinePrepareCountMax) / 2;
        return room < 1 ? 0 : Integer.highestOneBit(room);
    }

    // ---------------------------------------------------------------------------------------------
    // The running replica.

    /**
     * Opens the data directory, restarts the replica from it, and starts its threads and its
     * network transport. Once per object: to restart, build a new one on the same directory.
     *
     * @throws DataDirectory.Unusable if the directory cannot be used (see {@link ReplicaNode#start})
     * @throws IOException if reading it fails, or the restart's repairs fail
     */
    public void start() throws IOException, DataDirectory.Unusable {
        node.start();
    }

    /** Stops the replica: its ticks, its connections, its threads and its files. Idempotent. */
    @Override
    public void close() {
        node.close();
    }

    /** What the replica shows now. Throws {@link IllegalStateException} when it is not running. */
    public NodeStatus status() {
        return node.status();
    }

    /**
     * What this replica knows of each peer, without itself: whether its connection to the peer is
     * up, and the peer's last status report and its age. Any thread.
     */
    public List<PeerStatus> peerStatuses() {
        return transport.peerStatuses();
    }

    /** Completes when the replica stopped: after {@link #close}, or with a {@link NodeFailure} when it failed. */
    public CompletableFuture<Void> terminated() {
        return node.terminated();
    }

    /** Why the replica failed, or null. */
    public NodeFailure failure() {
        return node.failure();
    }

    /** This replica's index in its cluster, as its data directory records it. */
    public int replicaIndex() {
        return replicaIndex;
    }

    /** The cluster's configuration: its id, replica count and the limits recorded at format time. */
    public ClusterConfig config() {
        return config;
    }

    /** Every member's address, in replica order: where this replica dials its peers, and where clients reach them. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Where the replica listens for peers and clients. */
    public InetSocketAddress listenAddress() {
        return listen;
    }

    /** The data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** {@code address} as the member list records it: {@code host:port}, an IPv6 host in brackets. */
    static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Recorded {@code host:port} members as socket addresses, resolved now. */
    private static List<InetSocketAddress> resolve(List<String> members) {
        List<InetSocketAddress> resolved = new ArrayList<>();
        for (String member : members) {
            int port = DataDirectory.parseAddress(member);
            String host = member.substring(0, member.lastIndexOf(':'));
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) throw new IllegalArgumentException("'" + member + "': unknown host " + host);
            resolved.add(address);
        }
        return resolved;
    }
}
