package dev.viewstamp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.ClusterConfig;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * One test per way a frame is refused. Each forges a frame that is valid but for the one thing
 * under test (resealing its checksums where the check lies behind them), then asserts the kind of
 * the {@link CodecException} and that its message names the reason, as the log line will.
 */
class WireFormatRejectionTest {
    private static final long CLUSTER = 7;
    private static final int BODY_MAX = 1 << 16;

    private static Entry entry(long op, String operation) {
        return Entry.create(2, op, 0xABCDL + op, 1_000 + op,
                List.of(new Request(11, op, operation.getBytes(StandardCharsets.UTF_8))));
    }

    private static final Message PREPARE = new Prepare(2, 4, 0x1234, entry(5, "put a 1"), 1, 0, 0);

    private static byte[] frame(Message message) {
        return WireFormat.encode(CLUSTER, message);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(byte[] frame, CodecException.Kind kind,
            String reason) {
        return assertThatThrownBy(() -> WireFormat.decode(frame, 0, frame.length, CLUSTER, BODY_MAX))
                .isInstanceOf(CodecException.class).hasMessageContaining(reason)
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(kind));
    }

    private static void assertHeaderRefused(byte[] frame, CodecException.Kind kind, String reason) {
        assertThatThrownBy(() -> WireFormat.bodySize(frame, 0, CLUSTER, BODY_MAX)).isInstanceOf(CodecException.class)
                .hasMessageContaining(reason).satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(kind));
        assertRefused(frame, kind, reason);
    }

    @Test
    void acceptsTheUnforgedFrameEveryTestStartsFrom() throws CodecException {
        byte[] frame = frame(PREPARE);
        assertThat(WireFormat.bodySize(frame, 0, CLUSTER, BODY_MAX)).isEqualTo(frame.length - WireFormat.HEADER_SIZE_BYTES);
        assertThat(WireFormat.decode(frame, 0, frame.length, CLUSTER, BODY_MAX)).isEqualTo(PREPARE);
    }

    @Test
    void rejectsBadMagic() {
        byte[] frame = frame(PREPARE);
        Frames.le(frame).putInt(Frames.MAGIC_OFFSET, 0x50545448); // "HTTP": someone else's protocol
        assertHeaderRefused(Frames.resealHeader(frame), CodecException.Kind.FOREIGN, "not a viewstamp frame");
    }

    @Test
    void rejectsUnknownVersion() {
        byte[] frame = frame(PREPARE);
        Frames.le(frame).putShort(Frames.VERSION_OFFSET, (short) 2);
        assertHeaderRefused(Frames.resealHeader(frame), CodecException.Kind.FOREIGN, "wire protocol version 2, expected 1");
    }

    @Test
    void rejectsOtherClusterId() {
        byte[] frame = WireFormat.encode(CLUSTER + 1, PREPARE);
        assertHeaderRefused(frame, CodecException.Kind.FOREIGN, "frame of cluster 8, expected 7");
    }

    @Test
    void rejectsUnknownKind() {
        for (int code : new int[] {0, 20, 0xFFFF}) {
            byte[] frame = frame(PREPARE);
            Frames.le(frame).putShort(Frames.KIND_OFFSET, (short) code);
            assertHeaderRefused(Frames.resealHeader(frame), CodecException.Kind.MALFORMED, "unknown frame kind " + code);
        }
    }

    @Test
    void rejectsBodyOverTheLimit() {
        byte[] frame = frame(PREPARE);
        int bodySizeBytes = frame.length - WireFormat.HEADER_SIZE_BYTES;
        assertThatThrownBy(() -> WireFormat.bodySize(frame, 0, CLUSTER, bodySizeBytes - 1))
                .isInstanceOf(CodecException.class).hasMessageContaining("over the limit of " + (bodySizeBytes - 1));
        assertThatThrownBy(() -> WireFormat.decode(frame, 0, frame.length, CLUSTER, bodySizeBytes - 1))
                .isInstanceOf(CodecException.class).hasMessageContaining("over the limit");
    }

    /** A header may claim a body of up to 4 GiB; the claim is refused before a reader buffers anything for it. */
    @Test
    void rejectsAHugeOrNegativeBodySizeFromTheHeaderAlone() {
        for (int claimed : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, BODY_MAX + 1}) {
            byte[] header = Arrays.copyOf(frame(PREPARE), WireFormat.HEADER_SIZE_BYTES);
            Frames.le(header).putInt(Frames.BODY_SIZE_OFFSET, claimed);
            assertHeaderRefused(Frames.resealHeader(header), CodecException.Kind.MALFORMED, "over the limit of " + BODY_MAX);
        }
    }

    @Test
    void rejectsHeaderChecksumMismatch() {
        byte[] frame = frame(PREPARE);
        frame[Frames.CLUSTER_OFFSET + 7] ^= 0x40;
        assertHeaderRefused(frame, CodecException.Kind.HEADER_CHECKSUM, "header checksum mismatch");
    }

    @Test
    void rejectsBodyChecksumMismatch() {
        byte[] frame = frame(PREPARE);
        frame[frame.length - 1] ^= 1;
        assertRefused(frame, CodecException.Kind.BODY_CHECKSUM, "body checksum mismatch");
    }

    @Test
    void rejectsTruncatedBody() {
        byte[] frame = Arrays.copyOf(frame(PREPARE), frame(PREPARE).length - 1);
        assertRefused(frame, CodecException.Kind.MALFORMED, "truncated body");
    }

    @Test
    void rejectsTruncatedHeader() {
        byte[] frame = Arrays.copyOf(frame(PREPARE), WireFormat.HEADER_SIZE_BYTES - 1);
        assertHeaderRefused(frame, CodecException.Kind.MALFORMED, "truncated header: 39 of 40 bytes");
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] frame = Arrays.copyOf(frame(PREPARE), frame(PREPARE).length + 3);
        assertRefused(frame, CodecException.Kind.MALFORMED, "3 trailing bytes after a body");
    }

    /** The body's checksum holds, but the fields end before the body does: a sender bug, or a forged frame. */
    @Test
    void rejectsTrailingBytesInsideTheBody() {
        byte[] frame = frame(new PrepareOk(3, 9, 1, 0));
        byte[] body = Arrays.copyOf(Frames.body(frame), Frames.body(frame).length + 1);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "1 trailing body bytes after the last field");
    }

    @Test
    void rejectsBodyThatEndsInsideAField() {
        byte[] frame = frame(new PrepareOk(3, 9, 1, 0));
        byte[] body = Arrays.copyOf(Frames.body(frame), Frames.body(frame).length - 1);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "incarnation: needs 8 bytes, 7 left");
    }

    @Test
    void rejectsNonZeroReservedHeaderField() {
        byte[] frame = frame(PREPARE);
        Frames.le(frame).putInt(Frames.RESERVED_OFFSET, 1);
        assertHeaderRefused(Frames.resealHeader(frame), CodecException.Kind.MALFORMED, "reserved header field");
    }

    /** Entries' count at body offset 0: a count of entries that cannot fit is refused before the list is allocated. */
    @Test
    void rejectsEntryCountLargerThanTheBody() {
        byte[] frame = frame(new Entries(List.of(entry(1, "a"), entry(2, "b")), 0));
        for (int count : new int[] {3, 1 << 20, Integer.MAX_VALUE, -1}) {
            byte[] body = Frames.body(frame);
            Frames.le(body).putInt(0, count);
            assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "entries: count "
                    + Integer.toUnsignedString(count) + " does not fit");
        }
    }

    /** Recovery's crash vector length at body offset 8 (after the nonce). */
    @Test
    void rejectsCrashVectorCountLargerThanTheBody() {
        byte[] frame = frame(new Recovery(5, new long[] {1, 2, 3}, 2));
        byte[] body = Frames.body(frame);
        Frames.le(body).putInt(8, Integer.MAX_VALUE);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "crashVector: count 2147483647 does not fit");
    }

    /** Request's operation length at body offset 16 (after client id and request number). */
    @Test
    void rejectsByteArrayLengthLargerThanTheBody() {
        byte[] frame = frame(new Request(9, 1, new byte[] {1, 2, 3}));
        byte[] body = Frames.body(frame);
        Frames.le(body).putInt(16, 4);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "operation: count 4 does not fit the 3 bytes left");
    }

    /** A crash vector that fits the body but is longer than any cluster: REPLICAS_MAX + 1 incarnations. */
    @Test
    void rejectsCrashVectorLongerThanReplicasMax() {
        long[] crashVector = new long[ClusterConfig.REPLICAS_MAX];
        byte[] frame = frame(new Recovery(5, crashVector, 2));
        byte[] body = Frames.body(frame);
        byte[] longer = new byte[body.length + Long.BYTES];
        System.arraycopy(body, 0, longer, 0, body.length);
        Frames.le(longer).putInt(8, ClusterConfig.REPLICAS_MAX + 1);
        assertRefused(Frames.withBody(frame, longer), CodecException.Kind.MALFORMED, "at most " + ClusterConfig.REPLICAS_MAX);
    }

    /** The core indexes crash vectors and acknowledgements by replica; PrepareOk's replica is at body offset 16. */
    @Test
    void rejectsReplicaIndexOutOfRange() {
        for (int replica : new int[] {-1, ClusterConfig.REPLICAS_MAX, Integer.MIN_VALUE}) {
            byte[] frame = frame(new PrepareOk(3, 9, 1, 0));
            byte[] body = Frames.body(frame);
            Frames.le(body).putInt(16, replica);
            assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "replica index " + replica);
        }
    }

    /** Request's constructor refuses a negative request number; the decoder refuses it first, as a CodecException. */
    @Test
    void rejectsNegativeRequestNumber() {
        byte[] frame = frame(new Request(9, 1, new byte[0]));
        byte[] body = Frames.body(frame);
        Frames.le(body).putLong(8, -1);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "requestNumber -1 < 0");
    }

    /** Reply's status byte at body offset 24 (after view, client id, request number). */
    @Test
    void rejectsUnknownReplyStatus() {
        byte[] frame = frame(new Reply(1, 9, 3, Reply.Status.OK, new byte[0], 0));
        byte[] body = Frames.body(frame);
        body[24] = 3;
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "status: unknown code 3");
    }

    /** NewState's complete flag at body offset 40; a boolean is 0 or 1, so each value has one encoding. */
    @Test
    void rejectsBooleanOtherThanZeroOrOne() {
        byte[] frame = frame(new NewState(1, 2, 2, 1, 77, true, List.of(entry(2, "x")), 0, 5));
        byte[] body = Frames.body(frame);
        body[40] = 2;
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "complete: boolean byte 2");
    }

    /** Commit's crash-vector presence byte at body offset 28 (after view, commit, commitChecksum, replica). */
    @Test
    void rejectsCrashVectorPresenceOtherThanZeroOrOne() {
        byte[] frame = frame(new Commit(1, 2, 3, 0, null, 0, 0));
        byte[] body = Frames.body(frame);
        body[28] = 7;
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "crashVector present: boolean byte 7");
    }

    /** The frame's checksums hold but the entry inside was altered: EntryCodec's own checks still refuse it. */
    @Test
    void rejectsEntryWhoseOwnChecksumFailsInsideAnIntactFrame() {
        byte[] frame = frame(PREPARE);
        byte[] body = Frames.body(frame);
        body[body.length - 30] ^= 1; // inside the entry's operation, before replica and checkpoint fields
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "entry: body checksum mismatch");
    }

    /** On the wire an entry's journal write sequence is 0, so the frame has one encoding; Prepare's entry starts at body offset 24. */
    @Test
    void rejectsEntryWithAJournalWriteSequence() {
        byte[] frame = frame(PREPARE);
        Entry entry = ((Prepare) PREPARE).entry();
        byte[] journalCopy = EntryCodec.encode(entry, CLUSTER, 5);
        byte[] body = Frames.body(frame);
        System.arraycopy(journalCopy, 0, body, 24, journalCopy.length);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "journal write sequence 5");
    }

    @Test
    void rejectsEntryOfAnotherCluster() {
        byte[] frame = frame(PREPARE);
        byte[] foreign = EntryCodec.encode(((Prepare) PREPARE).entry(), CLUSTER + 1);
        byte[] body = Frames.body(frame);
        System.arraycopy(foreign, 0, body, 24, foreign.length);
        assertRefused(Frames.withBody(frame, body), CodecException.Kind.MALFORMED, "entry of cluster 8, expected 7");
    }

    private static final StatusReport STATUS =
            new StatusReport(1, dev.viewstamp.core.replica.Status.NORMAL, 3, 40, 38, 32, 0xABCDL, 1);

    private static AbstractThrowableAssert<?, ? extends Throwable> assertStatusRefused(byte[] frame,
            CodecException.Kind kind, String reason) {
        return assertThatThrownBy(() -> WireFormat.decodeStatus(frame, 0, frame.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining(reason)
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(kind));
    }

    /** A status frame's body with {@code patch} applied at {@code offset}, sealed again. */
    private static byte[] statusWith(int offset, byte[] patch) {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        byte[] body = Frames.body(frame);
        System.arraycopy(patch, 0, body, offset, patch.length);
        return Frames.withBody(frame, body);
    }

    private static byte[] le64(long value) {
        byte[] b = new byte[8];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value);
        return b;
    }

    @Test
    void acceptsTheUnforgedStatusFrame() throws CodecException {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        assertThat(WireFormat.decodeStatus(frame, 0, frame.length, CLUSTER)).isEqualTo(STATUS);
    }

    @Test
    void rejectsStatusWhereAMessageIsExpected() {
        assertRefused(WireFormat.encodeStatus(CLUSTER, STATUS), CodecException.Kind.MALFORMED,
                "a status frame where a message was expected");
    }

    @Test
    void rejectsMessageWhereAStatusIsExpected() {
        assertStatusRefused(frame(PREPARE), CodecException.Kind.MALFORMED, "not a status frame");
    }

    @Test
    void rejectsStatusWhereAHelloIsExpected() {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        assertThatThrownBy(() -> WireFormat.decodeHello(frame, 0, frame.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("a message where a Hello was expected");
    }

    @Test
    void rejectsStatusOfAnotherCluster() {
        byte[] frame = WireFormat.encodeStatus(CLUSTER + 1, STATUS);
        assertStatusRefused(frame, CodecException.Kind.FOREIGN, "frame of cluster 8, expected 7");
    }

    @Test
    void rejectsStatusBodyChecksumMismatch() {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        frame[frame.length - 1] ^= 1;
        assertStatusRefused(frame, CodecException.Kind.BODY_CHECKSUM, "body checksum mismatch");
    }

    @Test
    void rejectsStatusHeaderChecksumMismatch() {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        frame[30] ^= 1;
        assertStatusRefused(frame, CodecException.Kind.HEADER_CHECKSUM, "header checksum mismatch");
    }

    @Test
    void rejectsStatusBodyOfAnotherSize() {
        byte[] frame = WireFormat.encodeStatus(CLUSTER, STATUS);
        byte[] longer = Frames.withBody(frame, Arrays.copyOf(Frames.body(frame), StatusReport.BODY_SIZE_BYTES + 1));
        assertStatusRefused(longer, CodecException.Kind.MALFORMED, "over the limit of " + StatusReport.BODY_SIZE_BYTES);
        byte[] shorter = Frames.withBody(frame, Arrays.copyOf(Frames.body(frame), StatusReport.BODY_SIZE_BYTES - 1));
        assertStatusRefused(shorter, CodecException.Kind.MALFORMED, "needs 8 bytes, 7 left");
    }

    @Test
    void rejectsStatusWithReplicaIndexOutOfRange() {
        byte[] index = new byte[] {(byte) ClusterConfig.REPLICAS_MAX, 0, 0, 0};
        assertStatusRefused(statusWith(0, index), CodecException.Kind.MALFORMED, "replica: replica index");
        assertStatusRefused(statusWith(0, new byte[] {-1, -1, -1, -1}), CodecException.Kind.MALFORMED,
                "replica: replica index -1");
    }

    @Test
    void rejectsUnknownStatusCode() {
        assertStatusRefused(statusWith(4, new byte[] {3}), CodecException.Kind.MALFORMED, "status: unknown code 3");
    }

    @Test
    void rejectsNegativeStatusFields() {
        String[] fields = {"view", "op", "commit", "checkpointOp"};
        for (int i = 0; i < fields.length; i++) {
            assertStatusRefused(statusWith(5 + 8 * i, le64(-1)), CodecException.Kind.MALFORMED, fields[i] + ": negative -1");
        }
        assertStatusRefused(statusWith(5 + 8 * 5, le64(Long.MIN_VALUE)), CodecException.Kind.MALFORMED,
                "syncCount: negative");
    }

    @Test
    void acceptsAnyStateChecksum() throws CodecException {
        byte[] frame = statusWith(5 + 8 * 4, le64(-1));
        assertThat(WireFormat.decodeStatus(frame, 0, frame.length, CLUSTER).stateChecksum()).isEqualTo(-1);
    }

    @Test
    void rejectsHelloWhereAMessageIsExpected() {
        byte[] frame = WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
        assertRefused(frame, CodecException.Kind.MALFORMED, "a Hello frame where a message was expected");
    }

    @Test
    void rejectsMessageWhereAHelloIsExpected() {
        byte[] frame = frame(PREPARE);
        assertThatThrownBy(() -> WireFormat.decodeHello(frame, 0, frame.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("a message where a Hello was expected");
    }

    @Test
    void rejectsHelloOfAnotherCluster() {
        byte[] frame = WireFormat.encodeHello(new Hello(CLUSTER + 1, Hello.Role.REPLICA, 2));
        assertThatThrownBy(() -> WireFormat.decodeHello(frame, 0, frame.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("frame of cluster 8, expected 7")
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.FOREIGN));
    }

    /** Hello's body: role byte at 0, id at 1. */
    @Test
    void rejectsHelloWithUnknownRoleOrReplicaIndexOutOfRange() {
        byte[] frame = WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.REPLICA, 2));
        byte[] badRole = Frames.body(frame);
        badRole[0] = 2;
        byte[] forgedRole = Frames.withBody(frame, badRole);
        assertThatThrownBy(() -> WireFormat.decodeHello(forgedRole, 0, forgedRole.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("role: unknown code");
        byte[] badIndex = Frames.body(frame);
        Frames.le(badIndex).putLong(1, ClusterConfig.REPLICAS_MAX);
        byte[] forgedIndex = Frames.withBody(frame, badIndex);
        assertThatThrownBy(() -> WireFormat.decodeHello(forgedIndex, 0, forgedIndex.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("replica index 16 out of range");
    }

    @Test
    void rejectsHelloWithTrailingBodyBytes() {
        byte[] frame = WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
        byte[] forged = Frames.withBody(frame, Arrays.copyOf(Frames.body(frame), 10));
        assertThatThrownBy(() -> WireFormat.decodeHello(forged, 0, forged.length, CLUSTER))
                .isInstanceOf(CodecException.class).hasMessageContaining("over the limit of 9");
    }

    /**
     * A reader learns the first frame's size from its header alone: a Hello header that declares
     * a large body is refused there, before anything is buffered for a peer that has not said who
     * it is (FrameFuzzIT found the transport buffering megabytes for such connections).
     */
    @Test
    void helloBodySizeRefusesABodyOverAHelloFromTheHeader() throws CodecException {
        byte[] frame = WireFormat.encodeHello(new Hello(CLUSTER, Hello.Role.CLIENT, 42));
        assertThat(WireFormat.helloBodySize(frame, 0, CLUSTER)).isEqualTo(frame.length - WireFormat.HEADER_SIZE_BYTES);
        byte[] header = Arrays.copyOf(frame, WireFormat.HEADER_SIZE_BYTES);
        Frames.le(header).putInt(Frames.BODY_SIZE_OFFSET, 8 << 20);
        byte[] forged = Frames.resealHeader(header);
        assertThat(WireFormat.bodySize(forged, 0, CLUSTER, 16 << 20)).isEqualTo(8 << 20);
        assertThatThrownBy(() -> WireFormat.helloBodySize(forged, 0, CLUSTER)).isInstanceOf(CodecException.class)
                .hasMessageContaining("body of 8388608 bytes over the limit of 9")
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.MALFORMED));
    }

    @Test
    void helloBodySizeNamesAMessageInPlaceOfTheHello() {
        byte[] frame = frame(PREPARE);
        assertThatThrownBy(() -> WireFormat.helloBodySize(frame, 0, CLUSTER)).isInstanceOf(CodecException.class)
                .hasMessageContaining("PREPARE: a message where a Hello was expected");
    }
}
