package dev.viewstamp.runtime.net;

import dev.viewstamp.codec.Hello;
import dev.viewstamp.codec.StatusReport;
import dev.viewstamp.codec.WireFormat;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.runtime.NodeMetrics;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.PeerStatus;
import dev.viewstamp.runtime.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network {@link Transport} of one replica, over TCP with Netty (native epoll where it loads).
 *
 * <ul>
 *   <li>It listens on {@code listen} for peers and clients. Each connection starts with a
 *       {@link Hello} each way, this replica's first (a client may learn the cluster's id from it); a replica's connection then carries protocol messages, a client's
 *       only {@link Request}s (the client's id is remembered with the connection, for
 *       {@link #reply}). Anything else, or a frame that fails the wire format's checks
 *       (docs/WIRE.md), closes that connection with a logged reason; the others go on.
 *   <li>It dials each peer at its address and sends on that connection only, so a pair of
 *       replicas talks over two connections, one each way: neither side needs to agree which one
 *       dials. The peer's Hello must name the index it was dialled as. A lost connection is dialled
 *       again after a doubling back-off with jitter.
 *   <li>Nothing waits on a slow peer: a connection holds at most {@code 4 MiB} unsent, and a
 *       message for a peer whose connection is down or full is dropped (VR retransmits what
 *       matters), so memory stays bounded.
 *   <li>Beside the protocol, each replica tells every connected peer its status about twice a
 *       second ({@link #publishStatus}, a STATUS frame of docs/WIRE.md); the transport keeps each
 *       peer's latest with its arrival time ({@link #peerStatuses}) for the admin endpoint, and
 *       never hands one to the core.
 * </ul>
 *
 * Peers are addressed by index: {@code peers.get(i)} is where replica {@code i} listens (this
 * replica's own entry is not dialled, and need not be where it listens: a test puts a proxy
 * there, and {@code listen} says where to bind).
 */
public final class NettyTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    private static final long RECONNECT_MILLIS_MIN = 50;
    private static final long RECONNECT_MILLIS_MAX = 2_000;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);

    private final long clusterId;
    private final int replicaIndex;
    private final List<InetSocketAddress> peers;
    private final InetSocketAddress listen;
    private final int messageSizeBytesMax;
    private final int clientMessageSizeBytesMax;
    private final AtomicReferenceArray<Outbox> outbound;
    private final long[] backoffMillis;
    private final Map<Long, Outbox> clients = new ConcurrentHashMap<>();
    /** Every open connection, accepted or dialled, so that {@link #close} closes each one itself. */
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** The replica thread's encoder, and the frame it encoded last (sent to each peer from one encoding). */
    private final WireFormat.Encoder encoder = new WireFormat.Encoder();
    private Message lastMessage;
    private ByteBuf lastFrame;
    /** Each peer's last status report and when it arrived; null until one did. */
    private final AtomicReferenceArray<Heard> heard;
    private volatile NodeMetrics metrics = NodeMetrics.NONE;
    private final ByteCounter byteCounter = new ByteCounter();
    private volatile Inbound inbound;
    private volatile boolean closed;
    private EventLoopGroup group;
    private Channel server;

    /**
     * The transport of replica {@code replicaIndex} of cluster {@code clusterId}: listens on
     * {@code listen}, dials replica {@code i} at {@code peers.get(i)}, refuses frames with bodies
     * over {@code messageSizeBytesMax}.
     */
    public NettyTransport(long clusterId, int replicaIndex, List<InetSocketAddress> peers, InetSocketAddress listen,
            int messageSizeBytesMax) {
        this(clusterId, replicaIndex, peers, listen, messageSizeBytesMax, messageSizeBytesMax);
    }

    /**
     * As {@link #NettyTransport(long, int, List, InetSocketAddress, int)}, with a smaller limit,
     * {@code clientMessageSizeBytesMax}, on what a client's connection may send once its Hello names
     * it a client: a client sends requests only, so a frame far larger than a batch is refused (and
     * its connection closed) before it is buffered, and many clients cannot make a replica hold
     * much memory.
     */
    public NettyTransport(long clusterId, int replicaIndex, List<InetSocketAddress> peers, InetSocketAddress listen,
            int messageSizeBytesMax, int clientMessageSizeBytesMax) {
        if (replicaIndex < 0 || replicaIndex >= peers.size()) {
            throw new IllegalArgumentException("replica " + replicaIndex + " is not among " + peers.size() + " addresses");
        }
        this.clusterId = clusterId;
        this.replicaIndex = replicaIndex;
        this.peers = List.copyOf(peers);
        this.listen = listen;
        this.messageSizeBytesMax = messageSizeBytesMax;
        this.clientMessageSizeBytesMax = Math.min(clientMessageSizeBytesMax, messageSizeBytesMax);
        this.outbound = new AtomicReferenceArray<>(peers.size());
        this.backoffMillis = new long[peers.size()];
        this.heard = new AtomicReferenceArray<>(peers.size());
    }

    /** A peer's status report and the monotonic time it arrived. */
    private record Heard(StatusReport report, long arrivalNanos) {}

    /** Reports bytes and connections to {@code value} (from the I/O threads; see {@link NodeMetrics}). Before {@link #start}. */
    public void metrics(NodeMetrics value) {
        if (group != null) throw new IllegalStateException("set a transport's metrics before it starts");
        metrics = java.util.Objects.requireNonNull(value, "metrics");
    }

    /**
     * What this replica knows of each peer, in replica order without itself: whether its connection
     * to the peer is up, and the peer's last status report with its age. Any thread.
     */
    public List<PeerStatus> peerStatuses() {
        long now = System.nanoTime();
        List<PeerStatus> statuses = new ArrayList<>();
        for (int peer = 0; peer < peers.size(); peer++) {
            if (peer == replicaIndex) continue;
            Outbox box = outbound.get(peer);
            Heard h = heard.get(peer);
            statuses.add(new PeerStatus(peer, box != null && box.channel().isActive(), h == null ? null : h.report(),
                    h == null ? -1 : TimeUnit.NANOSECONDS.toMillis(now - h.arrivalNanos())));
        }
        return statuses;
    }

    /**
     * Sends {@code status} to every connected peer as a STATUS frame: one encoding, shared. A peer
     * whose connection is down or full misses this one; the next follows in half a second.
     */
    @Override
    public void publishStatus(NodeStatus status) {
        StatusReport report = new StatusReport(replicaIndex, status.status(), status.view(), status.op(), status.commit(),
                status.checkpointOp(), status.stateChecksum(), status.syncCount());
        ByteBuf frame = Unpooled.wrappedBuffer(WireFormat.encodeStatus(clusterId, report));
        try {
            for (int peer = 0; peer < peers.size(); peer++) {
                Outbox box = outbound.get(peer);
                if (box != null && box.channel().isWritable()) box.offer(frame.retainedDuplicate());
            }
        } finally {
            frame.release();
        }
    }

    /** A peer's status report, on a connection whose Hello named it {@code peer}. */
    private void onStatus(ChannelHandlerContext ctx, int peer, StatusReport report) {
        if (report.replica() != peer) {
            refuse(ctx, "replica " + peer + " sent the status of replica " + report.replica());
            return;
        }
        heard.set(peer, new Heard(report, System.nanoTime()));
    }

    /**
     * Counts every connection's bytes each way and its opening and closing, for {@link NodeMetrics};
     * first in each pipeline, so it sees the bytes as the socket does. One instance serves all.
     */
    @ChannelHandler.Sharable
    private final class ByteCounter extends ChannelDuplexHandler {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            metrics.onConnectionOpened();
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            metrics.onConnectionClosed();
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof ByteBuf buf) metrics.onBytesIn(buf.readableBytes());
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof ByteBuf buf) metrics.onBytesOut(buf.readableBytes());
            super.write(ctx, msg, promise);
        }
    }

    /**
     * The largest frame body a replica of {@code config} sends: a log change's worth of entries
     * (a DoViewChange, StartView or NewState), each of at most the journal's body limit.
     */
    public static int messageSizeBytesMax(dev.viewstamp.core.replica.ClusterConfig config) {
        long entries = dev.viewstamp.core.replica.ClusterConfig.LOG_CHANGE_ENTRIES_MAX + 1L;
        long bytes = entries * (dev.viewstamp.codec.EntryCodec.HEADER_SIZE_BYTES + config.journalBodySizeBytesMax())
                + (1 << 20);
        return (int) Math.min(Integer.MAX_VALUE - 64, bytes);
    }

    /**
     * The largest frame body a client of {@code config} needs: a request of up to twice the batch
     * limit, so that one somewhat too large still reaches the primary and gets its TOO_LARGE reply.
     */
    public static int clientMessageSizeBytesMax(dev.viewstamp.core.replica.ClusterConfig config) {
        return (int) Math.min(Integer.MAX_VALUE - 64, 2L * config.batchSizeBytesMax() + (64 << 10));
    }

    /** Where the transport listens, once started (the port, when {@code listen} asked for port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void start(Inbound inbound) {
        this.inbound = inbound;
        group = NettyIo.group(2);
        server = new ServerBootstrap().group(group).channel(NettyIo.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(byteCounter, new FrameDecoder(clusterId, messageSizeBytesMax), new Accepted());
                    }
                })
                .bind(listen).syncUninterruptibly().channel();
        LOG.info("replica {}: listening on {} ({})", replicaIndex, server.localAddress(), NettyIo.epoll() ? "epoll" : "nio");
        for (int peer = 0; peer < peers.size(); peer++) if (peer != replicaIndex) dial(peer);
    }

    private void dial(int peer) {
        if (closed) return;
        ChannelFuture connecting;
        try {
            connecting = new Bootstrap().group(group).channel(NettyIo.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1_000)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            channels.add(ch);
                            ch.pipeline().addLast(byteCounter, new FrameDecoder(clusterId, messageSizeBytesMax),
                                    new Dialed(peer));
                        }
                    })
                    .connect(peers.get(peer));
        } catch (RejectedExecutionException e) {
            return; // closing
        }
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                dialLater(peer);
                return;
            }
            Channel ch = connecting.channel();
            ch.writeAndFlush(Unpooled.wrappedBuffer(hello()));
            ch.closeFuture().addListener(c -> {
                Outbox box = outbound.get(peer);
                if (box != null && box.channel() == ch && outbound.compareAndSet(peer, box, null) && !closed) {
                    LOG.info("replica {}: connection to replica {} at {} lost", replicaIndex, peer, peers.get(peer));
                    inbound.peerDown(peer);
                }
                dialLater(peer);
            });
        });
    }

    private void dialLater(int peer) {
        if (closed) return;
        long wait;
        synchronized (backoffMillis) {
            wait = backoffMillis[peer] = Math.min(RECONNECT_MILLIS_MAX, Math.max(RECONNECT_MILLIS_MIN, backoffMillis[peer] * 2));
        }
        try {
            group.schedule(() -> dial(peer), wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closing.
        }
    }

    private byte[] hello() {
        return WireFormat.encodeHello(new Hello(clusterId, Hello.Role.REPLICA, replicaIndex));
    }

    /** A connection this replica dialled: the peer's Hello, then nothing we need (peers send on their own). */
    private final class Dialed extends SimpleChannelInboundHandler<Object> {
        private final int peer;

        Dialed(int peer) {
            this.peer = peer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
            if (frame instanceof Hello hello) {
                if (hello.role() != Hello.Role.REPLICA || hello.id() != peer) {
                    LOG.warn("replica {}: {} answered as {} {}, not as replica {}: closing; check the cluster's addresses",
                            replicaIndex, peers.get(peer), hello.role(), hello.id(), peer);
                    ctx.close();
                    return;
                }
                outbound.set(peer, new Outbox(ctx.channel()));
                synchronized (backoffMillis) {
                    backoffMillis[peer] = 0;
                }
                LOG.info("replica {}: connected to replica {} at {}", replicaIndex, peer, peers.get(peer));
                inbound.peerUp(peer);
            } else if (frame instanceof StatusReport report) {
                onStatus(ctx, peer, report);
            } else if (frame instanceof Message message && !(message instanceof Request || message instanceof Reply)) {
                inbound.deliver(message);
            } else {
                refuse(ctx, "replica " + peer + " sent a " + frame.getClass().getSimpleName() + " on a replica link");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            refuse(ctx, "connection to replica " + peer + ": " + reason(cause));
        }
    }

    /** A connection a peer or client opened: our Hello at once, then its Hello, then its messages. */
    private final class Accepted extends SimpleChannelInboundHandler<Object> {
        private Hello hello;
        /** A client's connection's frames, for {@link #reply}. */
        private Outbox outbox;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(hello()));
            super.channelActive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
            if (hello == null) {
                if (!(frame instanceof Hello h)) {
                    refuse(ctx, "no Hello first");
                    return;
                }
                if (h.role() == Hello.Role.REPLICA && (h.id() == replicaIndex || h.id() >= peers.size())) {
                    refuse(ctx, "a Hello as replica " + h.id() + " of a cluster of " + peers.size() + ", to replica "
                            + replicaIndex);
                    return;
                }
                hello = h;
                if (h.role() == Hello.Role.CLIENT) {
                    ctx.pipeline().get(FrameDecoder.class).limitBodySize(clientMessageSizeBytesMax);
                    outbox = new Outbox(ctx.channel());
                }
                return;
            }
            if (hello.role() == Hello.Role.CLIENT) {
                if (!(frame instanceof Request request)) {
                    refuse(ctx, "client sent a " + frame.getClass().getSimpleName() + ", not a request");
                    return;
                }
                Outbox previous = clients.put(request.clientId(), outbox);
                if (previous != outbox) {
                    Outbox mine = outbox;
                    ctx.channel().closeFuture().addListener(f -> clients.remove(request.clientId(), mine));
                }
                inbound.deliver(request);
            } else if (frame instanceof StatusReport report) {
                onStatus(ctx, (int) hello.id(), report);
            } else if (frame instanceof Message message && !(message instanceof Request || message instanceof Reply)) {
                inbound.deliver(message);
            } else {
                refuse(ctx, "replica " + hello.id() + " sent a " + frame.getClass().getSimpleName());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            refuse(ctx, reason(cause));
        }
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        LOG.warn("replica {}: closing the connection from {}: {}", replicaIndex, ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    private static String reason(Throwable cause) {
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    @Override
    public void send(int replica, Message message) {
        Outbox box = outbound.get(replica);
        if (box == null || !box.channel().isWritable()) return;
        box.offer(frame(message, box.channel().alloc()));
    }

    @Override
    public void reply(long clientId, Reply reply) {
        Outbox box = clients.get(clientId);
        if (box == null || !box.channel().isWritable()) return;
        box.offer(frame(reply, box.channel().alloc()));
    }

    /**
     * {@code message} as a frame in a pooled buffer of the connection's allocator. The core sends
     * one message object to each peer in turn (a prepare, a commit), so the last frame is kept and
     * shared: one encoding and one copy per message, not per peer. Replica thread only.
     */
    private ByteBuf frame(Message message, ByteBufAllocator alloc) {
        if (message != lastMessage) {
            if (lastFrame != null) lastFrame.release();
            lastFrame = null;
            int length = encoder.encode(clusterId, message);
            lastFrame = alloc.directBuffer(length, length).writeBytes(encoder.array(), 0, length);
            lastMessage = message;
        }
        return lastFrame.retainedDuplicate();
    }

    @Override
    public void close() {
        closed = true;
        if (group == null) return;
        if (server != null) server.close().syncUninterruptibly();
        // Closed here, while their event loops run, rather than left to the group's shutdown: a
        // run of EmbeddedLedgerTest found a connection a peer had dialled to this replica still
        // ESTABLISHED after the close (its bytes unread), so that peer never saw it lost, never
        // dialled the restarted replica again, and the cluster could not change view.
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (lastFrame != null) lastFrame.release();
        lastFrame = null;
        lastMessage = null;
    }
}
