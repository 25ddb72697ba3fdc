package dev.viewstamp.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryTest {

    private static final Request A = new Request(1, 1, bytes("put a 1"));
    private static final Request B = new Request(2, 5, bytes("put b 2"));
    private static final Entry ENTRY = Entry.create(3, 10, 0xABCDL, 77, List.of(A, B));

    @Test
    void createdEntryIsValid() {
        assertThat(ENTRY.valid()).isTrue();
        assertThat(Entry.create(0, 1, 0, 0, List.of()).valid()).isTrue();
    }

    @Test
    void sameContentsSameChecksum() {
        Entry again = Entry.create(3, 10, 0xABCDL, 77, List.of(new Request(1, 1, bytes("put a 1")), B));
        assertThat(again.checksum()).isEqualTo(ENTRY.checksum());
        assertThat(again).isEqualTo(ENTRY);
    }

    @Test
    void validDetectsTamperedHeaderFields() {
        List<Entry> tampered = List.of(
                new Entry(4, 10, 0xABCDL, 77, ENTRY.requests(), ENTRY.checksum()),
                new Entry(3, 11, 0xABCDL, 77, ENTRY.requests(), ENTRY.checksum()),
                new Entry(3, 10, 0xABCEL, 77, ENTRY.requests(), ENTRY.checksum()),
                new Entry(3, 10, 0xABCDL, 78, ENTRY.requests(), ENTRY.checksum()),
                new Entry(3, 10, 0xABCDL, 77, ENTRY.requests(), ENTRY.checksum() ^ 1));
        for (Entry entry : tampered) assertThat(entry.valid()).as("%s", entry).isFalse();
    }

    @Test
    void validDetectsTamperedRequests() {
        List<List<Request>> tampered = List.of(
                List.of(A),
                List.of(A, B, B),
                List.of(B, A),
                List.of(new Request(9, 1, bytes("put a 1")), B),
                List.of(new Request(1, 2, bytes("put a 1")), B),
                List.of(new Request(1, 1, bytes("put a 2")), B),
                List.of(new Request(1, 1, bytes("put a 1 ")), B));
        for (List<Request> requests : tampered) {
            Entry entry = new Entry(3, 10, 0xABCDL, 77, requests, ENTRY.checksum());
            assertThat(entry.valid()).as("%s", requests).isFalse();
        }
    }

    @Test
    void validDetectsOperationBytesChangedInPlace() {
        byte[] operation = bytes("put a 1");
        Entry entry = Entry.create(0, 1, 0, 0, List.of(new Request(1, 1, operation)));
        operation[0] = 'P';
        assertThat(entry.valid()).isFalse();
    }

    @Test
    void requestsAreCopiedAndImmutable() {
        List<Request> requests = new ArrayList<>(List.of(A));
        Entry entry = Entry.create(0, 1, 0, 0, requests);
        requests.add(B);
        assertThat(entry.requests()).containsExactly(A);
        assertThat(entry.valid()).isTrue();
        assertThatThrownBy(() -> entry.requests().add(B)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void sizeBytesCountsHeaderAndEveryRequest() {
        assertThat(Entry.create(0, 1, 0, 0, List.of()).sizeBytes()).isEqualTo(Entry.HEADER_SIZE_BYTES);
        assertThat(ENTRY.bodySizeBytes()).isEqualTo(A.sizeBytes() + B.sizeBytes());
        assertThat(ENTRY.sizeBytes()).isEqualTo(Entry.HEADER_SIZE_BYTES + A.sizeBytes() + B.sizeBytes());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
