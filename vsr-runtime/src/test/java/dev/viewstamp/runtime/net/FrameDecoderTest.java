package dev.viewstamp.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.codec.Hello;
import dev.viewstamp.codec.StatusReport;
import dev.viewstamp.codec.WireFormat;
import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.replica.Status;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private static final long CLUSTER = 7;
    private static final int BODY_MAX = 32 << 20;

    private static byte[] hello() {
        return WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
    }

    /** A Hello's header whose body size says {@code bodySizeBytes}, resealed so every other check passes. */
    private static byte[] helloHeaderDeclaring(int bodySizeBytes) {
        byte[] header = Arrays.copyOf(hello(), WireFormat.HEADER_SIZE_BYTES);
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(32, bodySizeBytes);
        b.putLong(0, Checksum.of(header, 8, WireFormat.HEADER_SIZE_BYTES - 8));
        return header;
    }

    @Test
    void decodesTheHelloThenMessages() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        PrepareOk message = new PrepareOk(3, 9, 1, 0);
        channel.writeInbound(Unpooled.wrappedBuffer(hello()), Unpooled.wrappedBuffer(WireFormat.encode(CLUSTER, message)));
        assertThat((Object) channel.readInbound()).isEqualTo(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
        assertThat((Object) channel.readInbound()).isEqualTo(message);
    }

    /** A status report decodes as a StatusReport, never as a message, between messages on the same link. */
    @Test
    void decodesAStatusReportAsItselfBetweenMessages() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        StatusReport report = new StatusReport(1, Status.VIEW_CHANGE, 5, 40, 38, 32, 0xabcdL, 1);
        PrepareOk message = new PrepareOk(3, 9, 1, 0);
        channel.writeInbound(Unpooled.wrappedBuffer(hello()), Unpooled.wrappedBuffer(WireFormat.encodeStatus(CLUSTER, report)),
                Unpooled.wrappedBuffer(WireFormat.encode(CLUSTER, message)));
        assertThat((Object) channel.readInbound()).isInstanceOf(Hello.class);
        assertThat((Object) channel.readInbound()).isEqualTo(report);
        assertThat((Object) channel.readInbound()).isEqualTo(message);
    }

    /** A connection must still open with a Hello: a status report in its place is refused at its header. */
    @Test
    void refusesAStatusReportAsTheFirstFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        byte[] frame = WireFormat.encodeStatus(CLUSTER, new StatusReport(1, Status.NORMAL, 5, 40, 38, 32, 0, 1));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(frame)))
                .isInstanceOf(DecoderException.class).hasCauseInstanceOf(CodecException.class)
                .hasMessageContaining("a message where a Hello was expected");
    }

    /**
     * Before the Hello, a peer is nobody: a header that declares a large body (within the message
     * limit) was accepted, and the decoder buffered up to that limit (34 MB for the default
     * journal) on every such connection. Found by FrameFuzzIT; the first frame is now held to a
     * Hello's size at its header, before any body is read.
     */
    @Test
    void refusesAFirstFrameLargerThanAHelloAtItsHeader() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(helloHeaderDeclaring(8 << 20))))
                .isInstanceOf(DecoderException.class).hasCauseInstanceOf(CodecException.class)
                .hasMessageContaining("over the limit of");
    }

    /**
     * Once a Hello names the peer a client, the transport lowers the limit to what a request needs:
     * a client's frame declaring more is refused at its header, before its body is buffered.
     */
    @Test
    void aLoweredLimitRefusesALargerFrameAtItsHeader() {
        FrameDecoder decoder = new FrameDecoder(CLUSTER, BODY_MAX);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.wrappedBuffer(hello()));
        assertThat((Object) channel.readInbound()).isEqualTo(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
        decoder.limitBodySize(1 << 20);
        byte[] header = Arrays.copyOf(WireFormat.encode(CLUSTER, new PrepareOk(3, 9, 1, 0)), WireFormat.HEADER_SIZE_BYTES);
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(32, 2 << 20);
        b.putLong(0, Checksum.of(header, 8, WireFormat.HEADER_SIZE_BYTES - 8));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(header)))
                .isInstanceOf(DecoderException.class).hasCauseInstanceOf(CodecException.class)
                .hasMessageContaining("over the limit of " + (1 << 20));
    }

    @Test
    void namesAMessageSentInPlaceOfTheHello() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        byte[] frame = WireFormat.encode(CLUSTER, new PrepareOk(3, 9, 1, 0));
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(frame)))
                .isInstanceOf(DecoderException.class).hasCauseInstanceOf(CodecException.class)
                .hasMessageContaining("PREPARE_OK: a message where a Hello was expected");
    }

    /** After the Hello, the limit is the message limit again: the same header is read to its body. */
    @Test
    void afterTheHelloABodyUpToTheMessageLimitIsBuffered() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(CLUSTER, BODY_MAX));
        channel.writeInbound(Unpooled.wrappedBuffer(hello()));
        assertThat((Object) channel.readInbound()).isInstanceOf(Hello.class);
        byte[] header = WireFormat.encode(CLUSTER, new PrepareOk(3, 9, 1, 0));
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(32, 1 << 20);
        b.putLong(0, Checksum.of(header, 8, WireFormat.HEADER_SIZE_BYTES - 8));
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(header, WireFormat.HEADER_SIZE_BYTES)));
        assertThat((Object) channel.readInbound()).isNull(); // waiting for the body, not refused
        assertThat(channel.isOpen()).isTrue();
    }
}
