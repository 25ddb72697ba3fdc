package dev.viewstamp.server.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.List;

/**
 * Holds each command a connection sends to the front end's limits before its bytes are gathered:
 * at most {@code argumentsMax} arguments, no nested arrays, and at most {@code commandSizeBytesMax}
 * bytes of arguments in all. Over a limit it raises a {@link TooLongFrameException}, and the
 * connection closes with the reason logged; Netty's own limit (512 MB) would let one connection
 * make the server buffer that much.
 */
final class RespLimits extends MessageToMessageDecoder<RedisMessage> {

    private final int argumentsMax;
    private final long commandSizeBytesMax;
    /** Bulk strings still to come in the current command's array, and the bytes it declared so far. */
    private long elementsLeft;
    private long commandBytes;

    RespLimits(int argumentsMax, long commandSizeBytesMax) {
        this.argumentsMax = argumentsMax;
        this.commandSizeBytesMax = commandSizeBytesMax;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, RedisMessage message, List<Object> out) throws Exception {
        if (message instanceof ArrayHeaderRedisMessage array) {
            if (elementsLeft > 0) throw new TooLongFrameException("a nested array in a command");
            if (array.length() > argumentsMax) {
                throw new TooLongFrameException("a command of " + array.length() + " arguments, over the limit of "
                        + argumentsMax);
            }
            elementsLeft = Math.max(0, array.length());
            commandBytes = 0;
        } else if (message instanceof BulkStringHeaderRedisMessage bulk) {
            commandBytes += Math.max(0, bulk.bulkStringLength());
            if (commandBytes > commandSizeBytesMax) {
                throw new TooLongFrameException("a command of more than " + commandSizeBytesMax + " bytes");
            }
            if (elementsLeft > 0) elementsLeft--;
        } else if (message instanceof io.netty.handler.codec.redis.FullBulkStringRedisMessage
                || message instanceof io.netty.handler.codec.redis.IntegerRedisMessage
                || message instanceof io.netty.handler.codec.redis.SimpleStringRedisMessage
                || message instanceof io.netty.handler.codec.redis.ErrorRedisMessage) {
            // A whole element (an empty or null bulk string arrives this way): one of the array's.
            if (elementsLeft > 0) elementsLeft--;
        }
        io.netty.util.ReferenceCountUtil.retain(message);
        out.add(message);
    }
}
