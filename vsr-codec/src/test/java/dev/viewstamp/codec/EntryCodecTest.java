package dev.viewstamp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryCodecTest {
    private static final long CLUSTER = 7;
    private static final int BODY_MAX = 1 << 20;

    private static Entry entry(long op, String... operations) {
        List<Request> requests = Arrays.stream(operations)
                .map(o -> new Request(100 + o.length(), op, o.getBytes(StandardCharsets.UTF_8))).toList();
        return Entry.create(3, op, 0xABCDL + op, 1_000 + op, requests);
    }

    @Test
    void roundTripsAnEntryWithSeveralRequests() throws CodecException {
        Entry entry = entry(42, "put a 1", "", "append b xyz");
        byte[] bytes = EntryCodec.encode(entry, CLUSTER);
        assertThat(bytes).hasSize(entry.sizeBytes());
        Entry decoded = EntryCodec.decode(bytes, 0, CLUSTER, BODY_MAX);
        assertThat(decoded).isEqualTo(entry);
        assertThat(decoded.checksum()).isEqualTo(entry.checksum());
    }

    /**
     * The core bounds batches by {@link Entry#bodySizeBytes} and the journal sizes its slots by
     * {@link Entry#HEADER_SIZE_BYTES}; both must be what the codec really writes, or the primary
     * could build an entry the journal cannot hold. Random batches, empty operations included.
     */
    @Test
    void encodedSizeIsWhatTheCoreCountsForRandomBatches() throws CodecException {
        assertThat(EntryCodec.HEADER_SIZE_BYTES).isEqualTo(Entry.HEADER_SIZE_BYTES);
        Prng prng = new Prng(7);
        for (int i = 0; i < 2_000; i++) {
            List<Request> requests = new ArrayList<>();
            int count = (int) prng.between(1, 64);
            for (int r = 0; r < count; r++) {
                byte[] operation = new byte[prng.chance(0.1) ? 0 : (int) prng.between(0, prng.chance(0.1) ? 4096 : 64)];
                for (int b = 0; b < operation.length; b++) operation[b] = (byte) prng.nextLong();
                requests.add(new Request(prng.nextLong() & Long.MAX_VALUE, prng.between(0, 1_000_000), operation));
            }
            Entry entry = Entry.create(prng.between(0, 100), prng.between(1, 1_000_000), prng.nextLong(), prng.nextLong(),
                    requests);
            byte[] bytes = EntryCodec.encode(entry, CLUSTER, i);
            assertThat(bytes).hasSize(entry.sizeBytes());
            EntryCodec.Header header = EntryCodec.decodeHeader(bytes, 0, CLUSTER, entry.bodySizeBytes());
            assertThat(header.bodySizeBytes()).isEqualTo(entry.bodySizeBytes());
            assertThat(header.sizeBytes()).isEqualTo(entry.sizeBytes());
            assertThat(EntryCodec.decode(bytes, 0, CLUSTER, entry.bodySizeBytes())).isEqualTo(entry);
        }
    }

    @Test
    void decodesAtAnOffsetInsideALargerBuffer() throws CodecException {
        Entry entry = entry(5, "x");
        byte[] bytes = EntryCodec.encode(entry, CLUSTER);
        byte[] buffer = new byte[bytes.length + 300];
        System.arraycopy(bytes, 0, buffer, 100, bytes.length);
        assertThat(EntryCodec.decode(buffer, 100, CLUSTER, BODY_MAX)).isEqualTo(entry);
        assertThat(EntryCodec.decodeHeader(buffer, 100, CLUSTER, BODY_MAX).op()).isEqualTo(5);
    }

    @Test
    void everyBitFlipInTheHeaderIsAHeaderChecksumMismatch() {
        byte[] bytes = EntryCodec.encode(entry(9, "op"), CLUSTER);
        for (int bit = 0; bit < EntryCodec.HEADER_SIZE_BYTES * 8; bit++) {
            byte[] copy = bytes.clone();
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> EntryCodec.decode(copy, 0, CLUSTER, BODY_MAX)).isInstanceOf(CodecException.class)
                    .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.HEADER_CHECKSUM));
        }
    }

    @Test
    void everyBitFlipInTheBodyIsABodyChecksumMismatch() {
        byte[] bytes = EntryCodec.encode(entry(9, "some operation"), CLUSTER);
        for (int bit = EntryCodec.HEADER_SIZE_BYTES * 8; bit < bytes.length * 8; bit++) {
            byte[] copy = bytes.clone();
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> EntryCodec.decode(copy, 0, CLUSTER, BODY_MAX))
                    .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.BODY_CHECKSUM));
        }
    }

    @Test
    void aTruncatedRecordIsRejectedAtEveryLength() {
        byte[] bytes = EntryCodec.encode(entry(9, "some operation"), CLUSTER);
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> EntryCodec.decode(cut, 0, CLUSTER, BODY_MAX)).isInstanceOf(CodecException.class);
        }
    }

    @Test
    void anEntryOfAnotherClusterIsForeign() {
        byte[] bytes = EntryCodec.encode(entry(9, "x"), 8);
        assertThatThrownBy(() -> EntryCodec.decode(bytes, 0, CLUSTER, BODY_MAX)).hasMessageContaining("cluster 8")
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.FOREIGN));
    }

    @Test
    void aBodyLargerThanTheLimitIsRejectedBeforeItIsRead() {
        byte[] bytes = EntryCodec.encode(entry(9, "0123456789"), CLUSTER);
        assertThatThrownBy(() -> EntryCodec.decode(bytes, 0, CLUSTER, 16)).hasMessageContaining("outside [0, 16]")
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.MALFORMED));
    }

    @Test
    void zeroedBytesAreNotAnEntry() {
        assertThatThrownBy(() -> EntryCodec.decode(new byte[4096], 0, CLUSTER, BODY_MAX))
                .satisfies(e -> assertThat(((CodecException) e).kind()).isEqualTo(CodecException.Kind.HEADER_CHECKSUM));
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButCodecException() {
        Prng prng = new Prng(1);
        byte[] valid = EntryCodec.encode(entry(9, "abc", "defgh"), CLUSTER);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = i % 2 == 0 ? new byte[prng.nextInt(400)] : valid.clone();
            for (int j = 0; j < bytes.length; j++) if (i % 2 == 0 || prng.chance(0.01)) bytes[j] = (byte) prng.nextLong();
            try {
                EntryCodec.decode(bytes, 0, CLUSTER, BODY_MAX);
            } catch (CodecException expected) {
                // The only acceptable failure.
            }
        }
    }

    @Test
    void aDecodedHeaderReencodesToTheSameBytes() throws CodecException {
        byte[] bytes = EntryCodec.encode(entry(12, "abc"), CLUSTER, 99);
        EntryCodec.Header header = EntryCodec.decodeHeader(bytes, 0, CLUSTER, BODY_MAX);
        assertThat(header.sequence()).isEqualTo(99);
        assertThat(EntryCodec.encodeHeader(header)).isEqualTo(Arrays.copyOf(bytes, EntryCodec.HEADER_SIZE_BYTES));
        EntryCodec.Header altered = new EntryCodec.Header(header.headerChecksum(), header.bodyChecksum(), header.clusterId(),
                header.view(), header.op() + 1, header.parent(), header.entryChecksum(), header.timestamp(),
                header.bodySizeBytes(), header.requestCount(), header.sequence());
        assertThatThrownBy(() -> EntryCodec.encodeHeader(altered)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodingAnEntryWhoseChecksumDoesNotMatchIsABug() {
        Entry good = entry(9, "x");
        Entry forged = new Entry(good.view(), good.op(), good.parent(), good.timestamp(), good.requests(), good.checksum() + 1);
        assertThatThrownBy(() -> EntryCodec.encode(forged, CLUSTER)).isInstanceOf(IllegalArgumentException.class);
    }
}
