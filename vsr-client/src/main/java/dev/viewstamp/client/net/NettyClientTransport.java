package dev.viewstamp.client.net;

import dev.viewstamp.runtime.net.FrameDecoder;
import dev.viewstamp.runtime.net.NettyIo;
import dev.viewstamp.runtime.net.Outbox;

import dev.viewstamp.client.ClientTransport;
import dev.viewstamp.codec.Hello;
import dev.viewstamp.codec.WireFormat;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The network {@link ClientTransport}: one TCP connection to each replica, opened at
 * {@link #start} and reopened after it drops, with a doubling back-off and jitter. Each
 * connection begins with a {@link Hello} each way, the replica's first: it must name the index of
 * the address it was dialled at, or the connection closes (a client given the addresses in
 * another order than the cluster's would otherwise send its retries to the wrong replicas). A
 * transport not told the cluster's id ({@link #LEARN_CLUSTER}) takes it from the first replica's
 * Hello, and closes a connection to a replica of another cluster. A request goes out only on a connection that is up and not backed up; otherwise it is
 * dropped, and its session retries.
 */
public final class NettyClientTransport implements ClientTransport {

    private static final System.Logger LOG = System.getLogger(NettyClientTransport.class.getName());
    private static final long RECONNECT_MILLIS_MIN = 50;
    private static final long RECONNECT_MILLIS_MAX = 2_000;

    /** The cluster id to give a transport that takes it from the replicas' Hellos. */
    public static final long LEARN_CLUSTER = FrameDecoder.LEARN_CLUSTER;

    private final java.util.concurrent.atomic.AtomicLong clusterId;
    private final List<InetSocketAddress> replicas;
    private final int messageSizeBytesMax;
    private final long connectionId = new SecureRandom().nextLong() & Long.MAX_VALUE;
    private final Outbox[] channels;
    /** Each sending thread's encoder: one buffer reused, and each frame copied once, into a pooled buffer. */
    private static final ThreadLocal<WireFormat.Encoder> ENCODER = ThreadLocal.withInitial(WireFormat.Encoder::new);
    private final long[] backoffMillis;
    private EventLoopGroup group;
    private Bootstrap bootstrap;
    private volatile Consumer<Reply> replies;
    private volatile boolean closed;

    /**
     * A transport to the replicas of cluster {@code clusterId} ({@link #LEARN_CLUSTER}: the one
     * they say) at {@code replicas}, in the cluster's order; frames larger than
     * {@code messageSizeBytesMax} are refused.
     */
    public NettyClientTransport(long clusterId, List<InetSocketAddress> replicas, int messageSizeBytesMax) {
        if (replicas.isEmpty()) throw new IllegalArgumentException("no replica addresses");
        this.clusterId = new java.util.concurrent.atomic.AtomicLong(clusterId);
        this.replicas = List.copyOf(replicas);
        this.messageSizeBytesMax = messageSizeBytesMax;
        this.channels = new Outbox[replicas.size()];
        this.backoffMillis = new long[replicas.size()];
    }

    @Override
    public int replicaCount() {
        return replicas.size();
    }

    @Override
    public void start(Consumer<Reply> replies) {
        this.replies = replies;
        group = NettyIo.group(1);
        bootstrap = new Bootstrap().group(group).channel(NettyIo.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1_000);
        for (int i = 0; i < replicas.size(); i++) connect(i);
    }

    private void connect(int replica) {
        if (closed) return;
        ChannelFuture future = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new FrameDecoder(clusterId.get(), messageSizeBytesMax), new Inbound(replica));
            }
        }).connect(replicas.get(replica));
        future.addListener(f -> {
            if (!f.isSuccess()) {
                reconnectLater(replica);
                return;
            }
            Channel ch = future.channel();
            ch.closeFuture().addListener(c -> {
                synchronized (channels) {
                    if (channels[replica] != null && channels[replica].channel() == ch) channels[replica] = null;
                }
                reconnectLater(replica);
            });
        });
    }

    private void reconnectLater(int replica) {
        if (closed) return;
        long wait;
        synchronized (channels) {
            wait = backoffMillis[replica] = Math.min(RECONNECT_MILLIS_MAX,
                    Math.max(RECONNECT_MILLIS_MIN, backoffMillis[replica] * 2));
        }
        long jitter = ThreadLocalRandom.current().nextLong(wait / 2 + 1);
        try {
            group.schedule(() -> connect(replica), wait / 2 + jitter, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    /** Takes the replica's Hello, then its replies. */
    private final class Inbound extends SimpleChannelInboundHandler<Object> {
        private final int replica;

        Inbound(int replica) {
            this.replica = replica;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
            if (frame instanceof Hello hello) {
                if (hello.role() != Hello.Role.REPLICA || hello.id() != replica) {
                    LOG.log(Level.WARNING, "{0} answered as {1} {2}, not as replica {3}: closing; are the addresses "
                            + "in the cluster''s order?", replicas.get(replica), hello.role(), hello.id(), replica);
                    ctx.close();
                    return;
                }
                long cluster = hello.clusterId();
                if (!clusterId.compareAndSet(LEARN_CLUSTER, cluster) && clusterId.get() != cluster) {
                    LOG.log(Level.WARNING, "{0} is a replica of cluster {1}, not of cluster {2}: closing",
                            replicas.get(replica), cluster, clusterId.get());
                    ctx.close();
                    return;
                }
                ctx.writeAndFlush(Unpooled.wrappedBuffer(WireFormat.encodeHello(
                        new Hello(cluster, Hello.Role.CLIENT, connectionId))));
                synchronized (channels) {
                    channels[replica] = new Outbox(ctx.channel());
                    backoffMillis[replica] = 0;
                }
            } else if (frame instanceof Reply reply) {
                replies.accept(reply);
            } else {
                LOG.log(Level.WARNING, "replica {0} sent a {1}, which is not for clients: closing", replica,
                        frame.getClass().getSimpleName());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset or refused connection is what a replica's crash or restart looks like, and the
            // sessions retry; a malformed frame is worth a warning.
            Level level = cause instanceof java.io.IOException ? Level.DEBUG : Level.WARNING;
            LOG.log(level, "connection to replica {0} at {1}: {2}; closing", replica, replicas.get(replica),
                    cause.getMessage());
            ctx.close();
        }
    }

    @Override
    public void send(int replica, Request request) {
        Outbox box;
        synchronized (channels) {
            box = channels[replica];
        }
        if (box == null || !box.channel().isActive() || !box.channel().isWritable()) return;
        WireFormat.Encoder encoder = ENCODER.get();
        int length = encoder.encode(clusterId.get(), request);
        box.offer(box.channel().alloc().directBuffer(length, length).writeBytes(encoder.array(), 0, length));
    }

    @Override
    public boolean anyConnected() {
        synchronized (channels) {
            for (Outbox box : channels) if (box != null && box.channel().isActive()) return true;
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
