package dev.viewstamp.server.resp;

import dev.viewstamp.client.VsrClientException;
import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.redis.RedisBatch;
import dev.viewstamp.kv.redis.RedisCommands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the Redis front end, on its event loop.
 *
 * <p>Order: Redis answers a connection's commands in the order sent, pipelined or not. Here every
 * command gets an {@link Owed} entry, in order, and replies are written from the head of that
 * queue as entries complete. Commands the front end answers itself complete at once; replicated
 * ones wait for their request. A connection has at most one replicated request in flight, so its
 * commands also execute in order; the commands that arrive meanwhile (a pipeline) travel together
 * as the next request, one op in the log, executed atomically (DESIGN: a connection's pipelined
 * commands may travel as one replicated request). MULTI/EXEC is such a request holding exactly
 * the transaction's commands, whose replies come back as one array.
 */
final class RespConnection extends SimpleChannelInboundHandler<RedisMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(RespConnection.class);

    /** Replies owed before the connection stops reading more commands (back-pressure). */
    private static final int OWED_MAX = 4096;

    /** A reply owed to the client: ready, or waiting for {@code count} replies of a request. */
    private static final class Owed {
        byte[] reply;
        final int count;
        final boolean array;

        Owed(int count, boolean array) {
            this.count = count;
            this.array = array;
        }

        static Owed done(byte[] reply) {
            Owed owed = new Owed(0, false);
            owed.reply = reply;
            return owed;
        }
    }

    /** Commands for one replicated request, and the replies owed for them, in order. */
    private static final class Request {
        final List<List<byte[]>> commands = new ArrayList<>();
        final List<Owed> owed = new ArrayList<>();
        long sizeBytes;
    }

    private final RespFrontEnd front;
    private final LocalCommands local;
    private final ArrayDeque<Owed> owed = new ArrayDeque<>();
    private final ArrayDeque<Request> unsent = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean inFlight;
    /** The commands of an open MULTI, or null. */
    private List<List<byte[]>> transaction;
    private boolean transactionFailed;
    private boolean quitting;

    RespConnection(RespFrontEnd front, long id) {
        this.front = front;
        this.local = new LocalCommands(front, id);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        front.connectionOpened();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        front.connectionClosed();
        super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, RedisMessage message) {
        if (quitting) return;
        List<byte[]> argv = argv(message);
        if (argv == null) {
            refuse("a " + message.getClass().getSimpleName() + " where a command (an array of bulk strings) belongs");
            return;
        }
        if (argv.isEmpty()) return;
        command(argv);
        if (owed.size() >= OWED_MAX) ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The end of a read: what the client pipelined in it goes out as one request.
        send();
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        refuse(root.getMessage() == null ? root.toString() : root.getMessage());
    }

    private void refuse(String why) {
        LOG.warn("resp: closing the connection from {}: {}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    private void command(List<byte[]> argv) {
        String name = new String(argv.get(0), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        if (transaction != null && !name.equals("exec") && !name.equals("discard") && !name.equals("multi")
                && !name.equals("quit") && !name.equals("reset")) {
            queueInTransaction(name, argv);
            return;
        }
        switch (name) {
            case "multi" -> {
                if (argv.size() != 1) {
                    reply(Resp.wrongArity(name));
                } else if (transaction != null) {
                    reply(Resp.error("ERR MULTI calls can not be nested"));
                } else {
                    transaction = new ArrayList<>();
                    transactionFailed = false;
                    reply(Resp.OK);
                }
            }
            case "exec" -> exec();
            case "discard" -> {
                if (transaction == null) {
                    reply(Resp.error("ERR DISCARD without MULTI"));
                } else {
                    transaction = null;
                    reply(Resp.OK);
                }
            }
            case "watch" -> reply(Resp.error("ERR WATCH is not supported: a transaction here is one atomic replicated "
                    + "request, with no optimistic locking"));
            case "unwatch" -> reply(Resp.OK);
            case "quit" -> {
                reply(Resp.OK);
                quitting = true;
                drain();
            }
            case "reset" -> {
                transaction = null;
                reply(Resp.simple("RESET"));
            }
            default -> {
                byte[] answer = local.answer(name, argv);
                if (answer != null) {
                    reply(answer);
                    return;
                }
                RedisCommands.Spec spec = RedisCommands.spec(name);
                if (spec == null) {
                    reply(Resp.unknownCommand(name, argv));
                } else if (!arityFits(spec, argv.size())) {
                    reply(Resp.wrongArity(name));
                } else {
                    replicate(List.of(argv), false);
                }
            }
        }
    }

    private void queueInTransaction(String name, List<byte[]> argv) {
        RedisCommands.Spec spec = RedisCommands.spec(name);
        if (spec == null) {
            transactionFailed = true;
            reply(local.knows(name) ? Resp.error("ERR " + name + " inside MULTI is not supported here")
                    : Resp.unknownCommand(name, argv));
        } else if (!arityFits(spec, argv.size())) {
            transactionFailed = true;
            reply(Resp.wrongArity(name));
        } else {
            transaction.add(argv);
            reply(Resp.QUEUED);
        }
    }

    private void exec() {
        if (transaction == null) {
            reply(Resp.error("ERR EXEC without MULTI"));
            return;
        }
        List<List<byte[]>> commands = transaction;
        transaction = null;
        if (transactionFailed) {
            reply(Resp.error("EXECABORT Transaction discarded because of previous errors."));
        } else if (commands.isEmpty()) {
            reply(Resp.EMPTY_ARRAY);
        } else {
            replicate(commands, true);
        }
    }

    private static boolean arityFits(RedisCommands.Spec spec, int argc) {
        return spec.arity() >= 0 ? argc == spec.arity() : argc >= -spec.arity();
    }

    /** A reply the front end knows at once. */
    private void reply(byte[] reply) {
        owed.add(Owed.done(reply));
        drain();
    }

    /**
     * Queues {@code commands} (one, or a transaction's, as an array reply) for the next request:
     * with the commands queued before them while they fit one request, else in a request of their
     * own. A transaction never spans requests.
     */
    private void replicate(List<List<byte[]>> commands, boolean array) {
        long size = RedisBatch.encodedSize(commands);
        if (size > front.requestSizeBytesMax()) {
            reply(Resp.error("ERR " + (array ? "transaction" : "command") + " of " + size + " bytes, over the limit of "
                    + front.requestSizeBytesMax() + " for one replicated request"));
            return;
        }
        Request request = unsent.peekLast();
        if (request == null || request.sizeBytes + size > front.requestSizeBytesMax()) {
            request = new Request();
            unsent.addLast(request);
        }
        request.commands.addAll(commands);
        request.sizeBytes += size;
        Owed entry = new Owed(commands.size(), array);
        request.owed.add(entry);
        owed.add(entry);
    }

    /** Sends the next request when none is in flight. */
    private void send() {
        if (inFlight || unsent.isEmpty() || !ctx.channel().isActive()) return;
        Request request = unsent.pollFirst();
        inFlight = true;
        front.submit(RedisBatch.encode(request.commands))
                .whenComplete((reply, error) -> ctx.executor().execute(() -> completed(request, reply, error)));
    }

    private void completed(Request request, byte[] reply, Throwable error) {
        inFlight = false;
        if (error != null) {
            byte[] failure = Resp.error("ERR " + failureText(error));
            for (Owed entry : request.owed) entry.reply = failure;
        } else {
            try {
                List<byte[]> replies = RedisBatch.decodeReplies(reply);
                if (replies.size() != request.commands.size()) {
                    throw new KvFormatException(replies.size() + " replies to " + request.commands.size() + " commands");
                }
                int next = 0;
                for (Owed entry : request.owed) {
                    List<byte[]> mine = replies.subList(next, next + entry.count);
                    next += entry.count;
                    entry.reply = entry.array ? Resp.array(mine) : mine.get(0);
                }
            } catch (KvFormatException e) {
                LOG.error("resp: the service's reply does not decode: {}", e.getMessage());
                byte[] failure = Resp.error("ERR the service's reply does not decode: " + e.getMessage());
                for (Owed entry : request.owed) entry.reply = failure;
            }
        }
        drain();
        send();
        ctx.flush();
    }

    private static String failureText(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String text = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (cause instanceof VsrClientException e && !e.outcomeKnown()) {
            return text + " (the command may or may not have executed)";
        }
        return text;
    }

    /** Writes the replies that are ready, in order, up to the first one still owed. */
    private void drain() {
        boolean wrote = false;
        while (!owed.isEmpty() && owed.peekFirst().reply != null) {
            byte[] reply = owed.pollFirst().reply;
            ByteBuf buf = ctx.alloc().ioBuffer(reply.length).writeBytes(reply);
            ctx.write(buf, ctx.voidPromise());
            wrote = true;
        }
        if (owed.size() < OWED_MAX / 2 && !ctx.channel().config().isAutoRead() && !quitting) {
            ctx.channel().config().setAutoRead(true);
        }
        if (quitting && owed.isEmpty()) {
            ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(f -> ctx.close());
        } else if (wrote && !ctx.channel().config().isAutoRead()) {
            ctx.flush();
        }
    }

    /** The command's arguments, or null when the message is not a command. */
    private static List<byte[]> argv(RedisMessage message) {
        if (message instanceof ArrayRedisMessage array) {
            List<byte[]> argv = new ArrayList<>(array.children().size());
            for (RedisMessage child : array.children()) {
                if (!(child instanceof FullBulkStringRedisMessage bulk) || bulk.isNull()) return null;
                argv.add(ByteBufUtil.getBytes(bulk.content()));
            }
            return argv;
        }
        if (message instanceof InlineCommandRedisMessage inline) {
            List<byte[]> argv = new ArrayList<>();
            for (String word : inline.content().trim().split("\\s+")) {
                if (!word.isEmpty()) argv.add(word.getBytes(StandardCharsets.UTF_8));
            }
            return argv;
        }
        if (message instanceof SimpleStringRedisMessage) return null;
        return null;
    }
}
