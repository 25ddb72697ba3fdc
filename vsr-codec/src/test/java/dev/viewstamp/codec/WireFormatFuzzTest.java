package dev.viewstamp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.replica.ClusterConfig;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Feeds the decoders random bytes and damaged frames. Whatever the input, {@link WireFormat#bodySize},
 * {@link WireFormat#decode}, {@link WireFormat#decodeHello} and {@link WireFormat#decodeStatus} either refuse it with a
 * {@link CodecException} or return a value that encodes back to exactly the input: no other
 * exception escapes, and the format has one encoding per value.
 *
 * <p>Damage that breaks a checksum stops at the checksum, so most damaged frames are sealed again
 * (fresh checksums and body size) before decoding: that is what makes the body decoder, the part
 * that reads counts and lengths, see hostile input. The coverage checks keep it so: a fuzzer whose
 * every try died at the header would pass while testing nothing.
 *
 * <p>30,000 tries in all, in a few seconds. A fuzzer that finds nothing proves little by itself: with
 * the bound on counts removed from BodyReader, two of these properties fail within seconds with a
 * NegativeArraySizeException.
 */
class WireFormatFuzzTest {
    private static final long CLUSTER = 7;
    private static final int BODY_MAX = 1 << 16;

    @Provide
    Arbitrary<Message> messages() {
        return MessageArbitraries.messages();
    }

    @Property(tries = 10_000)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void randomBytesAreRefusedOrCanonical(@ForAll @Size(max = 300) byte[] input) {
        Statistics.collect(outcome(input));
        Statistics.coverage(c -> c.check("accepted").count(n -> n == 0));
    }

    /** A valid header of every kind, sealed around a random body: the body decoder's input is all noise. */
    @Property(tries = 10_000)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void randomBodiesBehindAValidHeaderAreRefusedOrCanonical(@ForAll @IntRange(min = 1, max = 18) int code,
            @ForAll @Size(max = 300) byte[] body) {
        byte[] frame = new byte[WireFormat.HEADER_SIZE_BYTES + body.length];
        Frames.le(frame).putInt(Frames.MAGIC_OFFSET, WireFormat.MAGIC).putShort(Frames.VERSION_OFFSET, WireFormat.VERSION)
                .putShort(Frames.KIND_OFFSET, (short) code).putLong(Frames.CLUSTER_OFFSET, CLUSTER);
        System.arraycopy(body, 0, frame, WireFormat.HEADER_SIZE_BYTES, body.length);
        Statistics.collect(outcome(Frames.reseal(frame)));
        Statistics.coverage(c -> c.check("MALFORMED").percentage(p -> p > 90));
    }

    /**
     * A valid frame of any kind, damaged one to four times (bit flips, overwritten bytes, counts and
     * lengths set to edge values, truncation, extension, a splice with another frame), then sealed
     * again three times in four.
     */
    @Property(tries = 10_000)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void damagedFramesAreRefusedOrCanonical(@ForAll("messages") Message message, @ForAll("messages") Message other,
            @ForAll long seed) {
        Random random = new Random(seed);
        byte[] frame = WireFormat.encode(CLUSTER, message);
        byte[] otherFrame = WireFormat.encode(CLUSTER, other);
        int damageCount = 1 + random.nextInt(4);
        for (int i = 0; i < damageCount; i++) frame = damage(frame, otherFrame, random);
        if (random.nextInt(4) != 0) frame = Frames.reseal(frame);
        Statistics.collect(outcome(frame));
        Statistics.coverage(c -> c.check("MALFORMED").percentage(p -> p > 30));
        Statistics.coverage(c -> c.check("HEADER_CHECKSUM").percentage(p -> p > 1));
    }

    private static byte[] damage(byte[] frame, byte[] other, Random random) {
        byte[] damaged = frame.clone();
        switch (random.nextInt(6)) {
            case 0 -> {
                if (damaged.length > 0) {
                    int bit = random.nextInt(damaged.length * 8);
                    damaged[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 1 -> {
                if (damaged.length > 0) damaged[random.nextInt(damaged.length)] = (byte) random.nextInt();
            }
            case 2 -> {
                // Counts and lengths are u32s in the body: set one to a value that tests a bound.
                int[] edges = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, ClusterConfig.REPLICAS_MAX,
                        ClusterConfig.REPLICAS_MAX + 1, damaged.length, damaged.length - WireFormat.HEADER_SIZE_BYTES};
                if (damaged.length >= WireFormat.HEADER_SIZE_BYTES + 4) {
                    int at = WireFormat.HEADER_SIZE_BYTES + random.nextInt(damaged.length - WireFormat.HEADER_SIZE_BYTES - 3);
                    Frames.le(damaged).putInt(at, edges[random.nextInt(edges.length)]);
                }
            }
            case 3 -> damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length + 1));
            case 4 -> {
                byte[] tail = new byte[1 + random.nextInt(32)];
                random.nextBytes(tail);
                damaged = Arrays.copyOf(damaged, damaged.length + tail.length);
                System.arraycopy(tail, 0, damaged, damaged.length - tail.length, tail.length);
            }
            case 5 -> {
                int cut = random.nextInt(damaged.length + 1);
                int from = random.nextInt(other.length + 1);
                byte[] spliced = Arrays.copyOf(damaged, cut + other.length - from);
                System.arraycopy(other, from, spliced, cut, other.length - from);
                damaged = spliced;
            }
            default -> throw new AssertionError();
        }
        return damaged;
    }

    /**
     * Runs every decoder on {@code input} and names what happened: the kind of the refusal, or
     * "accepted". Any exception but a CodecException propagates and fails the property.
     */
    private static String outcome(byte[] input) {
        try {
            WireFormat.bodySize(input, 0, CLUSTER, BODY_MAX);
        } catch (CodecException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            Hello hello = WireFormat.decodeHello(input, 0, input.length, CLUSTER);
            assertThat(WireFormat.encodeHello(hello)).isEqualTo(input);
        } catch (CodecException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            StatusReport report = WireFormat.decodeStatus(input, 0, input.length, CLUSTER);
            assertThat(WireFormat.encodeStatus(CLUSTER, report)).isEqualTo(input);
        } catch (CodecException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            Message message = WireFormat.decode(input, 0, input.length, CLUSTER, BODY_MAX);
            assertThat(WireFormat.encode(CLUSTER, message)).isEqualTo(input);
            return "accepted";
        } catch (CodecException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.kind().toString();
        }
    }
}
