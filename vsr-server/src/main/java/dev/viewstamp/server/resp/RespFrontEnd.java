package dev.viewstamp.server.resp;

import dev.viewstamp.client.VsrClient;
import dev.viewstamp.runtime.NodeStatus;
import dev.viewstamp.runtime.net.NettyIo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis front end of one replica ({@code vsr server --resp H:P}): RESP2 over TCP, through
 * Netty's Redis codec. Every replica runs one, and any of them serves any client: replicated
 * commands go to the cluster through a {@link VsrClient} of this process, which finds the primary
 * (so a command sent to a backup is carried to the primary), over a bounded pool of sessions that
 * every connection shares; reads go through the log too, so they are linearizable. What a
 * connection does is in {@link RespConnection}; the commands answered here, in
 * {@link LocalCommands}. It owns its service: {@link #close} closes it.
 */
public final class RespFrontEnd implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RespFrontEnd.class);

    /** Arguments one command may have. */
    static final int ARGUMENTS_MAX = 1 << 20;

    /** Where replicated requests go: the cluster, through a client of this process (a service in tests). */
    public interface Service extends AutoCloseable {
        CompletableFuture<byte[]> submit(byte[] operation);

        @Override
        void close();

        /** Through {@code client}, which the front end then owns. */
        static Service of(VsrClient client) {
            return new Service() {
                @Override
                public CompletableFuture<byte[]> submit(byte[] operation) {
                    return client.submit(operation);
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        }
    }

    private final Service service;
    private final Supplier<NodeStatus> status;
    private final int replicaCount;
    private final long requestSizeBytesMax;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();
    private EventLoopGroup group;
    private Channel server;

    /**
     * A front end that submits through {@code service} (to a cluster of {@code replicaCount}), puts
     * at most {@code requestSizeBytesMax} bytes of commands in one request (the batch limit, less
     * a request's overhead), and reads this replica's state from {@code status}.
     */
    public RespFrontEnd(Service service, Supplier<NodeStatus> status, int replicaCount, long requestSizeBytesMax) {
        this.service = service;
        this.status = status;
        this.replicaCount = replicaCount;
        this.requestSizeBytesMax = requestSizeBytesMax;
    }

    /** Listens on {@code listen}; throws when it cannot bind. */
    public void start(InetSocketAddress listen) {
        group = NettyIo.group(1);
        server = new ServerBootstrap().group(group).channel(NettyIo.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch);
                    }
                })
                .bind(listen).syncUninterruptibly().channel();
        LOG.info("resp: serving the Redis protocol on {}", server.localAddress());
    }

    /** The handlers of one client connection: RESP decoding, its limits, the connection's state. */
    void initConnection(Channel ch) {
        ch.pipeline().addLast(
                new RedisDecoder(64 << 10, FixedRedisMessagePool.INSTANCE, true),
                new RespLimits(ARGUMENTS_MAX, requestSizeBytesMax),
                new RedisBulkStringAggregator(),
                new RedisArrayAggregator(),
                new RespConnection(this, connectionIds.incrementAndGet()));
    }

    /** Where it listens, once started. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    CompletableFuture<byte[]> submit(byte[] operation) {
        return service.submit(operation);
    }

    NodeStatus status() {
        return status.get();
    }

    int replicaCount() {
        return replicaCount;
    }

    long requestSizeBytesMax() {
        return requestSizeBytesMax;
    }

    int port() {
        return server == null ? 0 : localAddress().getPort();
    }

    long uptimeSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    int connections() {
        return connections.get();
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /** How many of Redis's string and keyspace commands are replicated here, for COMMAND COUNT. */
    static int commandCount() {
        int count = 0;
        for (String name : REPLICATED_CANDIDATES) if (dev.viewstamp.kv.redis.RedisCommands.spec(name) != null) count++;
        return count;
    }

    private static final java.util.List<String> REPLICATED_CANDIDATES = java.util.List.of("get", "set", "setnx", "setex",
            "psetex", "getset", "getdel", "del", "unlink", "exists", "incr", "incrby", "decr", "decrby", "append",
            "strlen", "mget", "mset", "msetnx", "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "persist",
            "type", "dbsize", "flushall", "flushdb", "scan");

    /** Stops listening, closes every connection and the client; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (server != null) server.close().syncUninterruptibly();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        service.close();
    }

    private boolean closed;
}
