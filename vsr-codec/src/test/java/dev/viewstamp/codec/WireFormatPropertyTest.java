package dev.viewstamp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Message;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Every message kind and the handshake round-trip through a frame to an equal value, and encoding
 * is a function of the value alone. Records that hold arrays (crash vectors, operations, chunk
 * bytes) compare their arrays by reference in {@code equals}, so values are compared field by
 * field, arrays by content; and each decoded value must encode to the very bytes it came from.
 */
class WireFormatPropertyTest {
    private static final int BODY_MAX = 1 << 20;

    @Provide
    Arbitrary<Message> messages() {
        return MessageArbitraries.messages();
    }

    @Provide
    Arbitrary<Hello> hellos() {
        return MessageArbitraries.hellos();
    }

    @Property(tries = 2_000)
    void everyMessageKindRoundTrips(@ForAll("messages") Message message, @ForAll long clusterId) throws CodecException {
        byte[] frame = WireFormat.encode(clusterId, message);
        assertThat(WireFormat.bodySize(frame, 0, clusterId, BODY_MAX)).isEqualTo(frame.length - WireFormat.HEADER_SIZE_BYTES);
        Message decoded = WireFormat.decode(frame, 0, frame.length, clusterId, BODY_MAX);
        assertThat(decoded).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(message);
        assertThat(WireFormat.encode(clusterId, decoded)).isEqualTo(frame);
    }

    @Property
    void helloRoundTrips(@ForAll("hellos") Hello hello) throws CodecException {
        byte[] frame = WireFormat.encodeHello(hello);
        assertThat(WireFormat.decodeHello(frame, 0, frame.length, hello.clusterId())).isEqualTo(hello);
    }

    @Provide
    Arbitrary<StatusReport> statusReports() {
        return MessageArbitraries.statusReports();
    }

    @Property
    void statusReportRoundTrips(@ForAll("statusReports") StatusReport report, @ForAll long clusterId)
            throws CodecException {
        byte[] frame = WireFormat.encodeStatus(clusterId, report);
        assertThat(frame).hasSize(WireFormat.HEADER_SIZE_BYTES + StatusReport.BODY_SIZE_BYTES);
        assertThat(WireFormat.bodySize(frame, 0, clusterId, BODY_MAX)).isEqualTo(StatusReport.BODY_SIZE_BYTES);
        assertThat(WireFormat.isStatus(frame, 0)).isTrue();
        StatusReport decoded = WireFormat.decodeStatus(frame, 0, frame.length, clusterId);
        assertThat(decoded).isEqualTo(report);
        assertThat(WireFormat.encodeStatus(clusterId, decoded)).isEqualTo(frame);
    }

    /** Same message, same bytes: retransmissions and the simulator's traces may compare frames as bytes. */
    @Property
    void encodingIsDeterministic(@ForAll("messages") Message message, @ForAll long clusterId) {
        byte[] first = WireFormat.encode(clusterId, message);
        byte[] second = WireFormat.encode(clusterId, message);
        assertThat(second).isEqualTo(first);
    }

    /** One encoder reused for a run of messages (larger, then smaller) writes each as encode does. */
    @Property(tries = 300)
    void aReusedEncoderWritesWhatEncodeWrites(@ForAll @Size(min = 1, max = 8) List<@From("messages") Message> run,
            @ForAll long clusterId) {
        WireFormat.Encoder encoder = new WireFormat.Encoder();
        for (Message message : run) {
            int length = encoder.encode(clusterId, message);
            assertThat(length).isEqualTo(encoder.length());
            assertThat(Arrays.copyOf(encoder.array(), length)).isEqualTo(WireFormat.encode(clusterId, message));
        }
    }

    @Property(tries = 200)
    void decodesAFrameAtAnOffsetInsideALargerBuffer(@ForAll("messages") Message message, @ForAll long seed)
            throws CodecException {
        byte[] frame = WireFormat.encode(7, message);
        Random random = new Random(seed);
        int before = random.nextInt(64);
        byte[] buffer = new byte[before + frame.length + random.nextInt(64)];
        random.nextBytes(buffer);
        System.arraycopy(frame, 0, buffer, before, frame.length);
        assertThat(WireFormat.bodySize(buffer, before, 7, BODY_MAX)).isEqualTo(frame.length - WireFormat.HEADER_SIZE_BYTES);
        Message decoded = WireFormat.decode(buffer, before, frame.length, 7, BODY_MAX);
        assertThat(WireFormat.encode(7, decoded)).isEqualTo(frame);
    }

    /** The round-trip property means little if the generator skipped a kind; sample until each has appeared. */
    @Example
    void messageArbitrariesCoverEveryKind() {
        Set<FrameKind> seen = EnumSet.noneOf(FrameKind.class);
        MessageArbitraries.messages().sampleStream().limit(2_000).forEach(m -> seen.add(FrameKind.of(m)));
        // The handshake and the runtime's status frames are no core message: they have their own property.
        assertThat(seen).isEqualTo(EnumSet.complementOf(EnumSet.of(FrameKind.HELLO, FrameKind.STATUS)));
    }

    /** The codes are the wire format: pin them, so a reordered enum fails here and not between two versions. */
    @Example
    void kindCodesAreFixed() {
        assertThat(FrameKind.HELLO.code).isEqualTo((short) 1);
        assertThat(FrameKind.REQUEST.code).isEqualTo((short) 2);
        assertThat(FrameKind.SYNC_CHUNK.code).isEqualTo((short) 18);
        assertThat(FrameKind.STATUS.code).isEqualTo((short) 19);
        for (FrameKind kind : FrameKind.values()) {
            assertThat(kind.code).isEqualTo((short) (kind.ordinal() + 1));
            assertThat(FrameKind.ofCode(kind.code)).isEqualTo(kind);
        }
        assertThat(FrameKind.ofCode(0)).isNull();
        assertThat(FrameKind.ofCode(20)).isNull();
    }
}
