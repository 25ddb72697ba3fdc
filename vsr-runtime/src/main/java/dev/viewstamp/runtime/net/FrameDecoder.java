package dev.viewstamp.runtime.net;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a connection's bytes into wire frames (docs/WIRE.md) and decodes them: the first frame
 * is the peer's {@link dev.viewstamp.codec.Hello}, every later one a core message. The header is
 * checked before the body is buffered, so a length over {@code bodySizeBytesMax} (over a Hello's
 * size, for the first frame) is refused without reading it; any frame that fails a check raises a
 * {@link CodecException} (wrapped by Netty in a {@code DecoderException}), and the handler after
 * this one closes the connection.
 *
 * <p>A decoder made with {@link #LEARN_CLUSTER} takes the cluster id from the first frame's header
 * (a client not told its cluster's id), and holds every later frame to it.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** The cluster id to give a decoder that takes it from the first frame. */
    public static final long LEARN_CLUSTER = -1;

    private long clusterId;
    private int bodySizeBytesMax;
    private final byte[] header = new byte[WireFormat.HEADER_SIZE_BYTES];
    private int bodySize = -1;
    private boolean helloSeen;

    /** Lowers the limit on the bodies of the frames after this point (a client's, once its Hello said so). */
    public void limitBodySize(int value) {
        bodySizeBytesMax = Math.min(bodySizeBytesMax, value);
    }

    public FrameDecoder(long clusterId, int bodySizeBytesMax) {
        this.clusterId = clusterId;
        this.bodySizeBytesMax = bodySizeBytesMax;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws CodecException {
        while (true) {
            if (bodySize < 0) {
                if (in.readableBytes() < WireFormat.HEADER_SIZE_BYTES) return;
                in.getBytes(in.readerIndex(), header);
                if (clusterId == LEARN_CLUSTER) clusterId = WireFormat.clusterIdOf(header, 0);
                // Until its Hello the peer is nobody: hold its first frame to a Hello's size.
                // Held to the message limit (34 MB for the default journal), 187 connections
                // that each declared a 30 MB Hello and sent its body used up a replica's direct
                // memory, and then no connection, peers' included, could read a byte.
                bodySize = helloSeen ? WireFormat.bodySize(header, 0, clusterId, bodySizeBytesMax)
                        : WireFormat.helloBodySize(header, 0, clusterId);
            }
            int length = WireFormat.HEADER_SIZE_BYTES + bodySize;
            if (in.readableBytes() < length) return;
            byte[] frame = new byte[length];
            in.readBytes(frame);
            bodySize = -1;
            if (!helloSeen) {
                out.add(WireFormat.decodeHello(frame, 0, length, clusterId));
                helloSeen = true;
            } else {
                out.add(WireFormat.decode(frame, 0, length, clusterId, bodySizeBytesMax));
            }
        }
    }
}
