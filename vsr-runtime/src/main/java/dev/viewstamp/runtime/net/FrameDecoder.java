package dev.viewstamp.runtime.net;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a connection's bytes into wire frames (docs/WIRE.md) and decodes them: the first frame
 * is the peer's {@link dev.viewstamp.codec.Hello}, every later one a core message or a peer's
 * {@link dev.viewstamp.codec.StatusReport}. The header is
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
    /** The largest frame read into the reused array; larger ones are rare (view changes, syncs). */
    private static final int SCRATCH_SIZE_BYTES_MAX = 1 << 20;

    private final byte[] header = new byte[WireFormat.HEADER_SIZE_BYTES];
    private byte[] scratch = new byte[4096];
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
            // Decoding copies what it keeps out of the frame, so one array serves every frame up
            // to SCRATCH_SIZE_BYTES_MAX; a larger one (a log change's) gets an array of its own,
            // which is not kept.
            byte[] frame = length <= scratch.length ? scratch
                    : length <= SCRATCH_SIZE_BYTES_MAX ? (scratch = new byte[Math.min(SCRATCH_SIZE_BYTES_MAX,
                            Math.max(length, 2 * scratch.length))]) : new byte[length];
            in.readBytes(frame, 0, length);
            bodySize = -1;
            if (!helloSeen) {
                out.add(WireFormat.decodeHello(frame, 0, length, clusterId));
                helloSeen = true;
            } else if (WireFormat.isStatus(header, 0)) {
                // A peer's status report (kind 19): decoded as what it is, never as a message, so
                // the handler after this one can keep it from the core.
                out.add(WireFormat.decodeStatus(frame, 0, length, clusterId));
            } else {
                out.add(WireFormat.decode(frame, 0, length, clusterId, bodySizeBytesMax));
            }
        }
    }
}
