package dev.viewstamp.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.service.StateMachine.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of the store: what restore gives back, that a snapshot does not change after it is
 * taken, and that restore refuses bad bytes without changing anything.
 */
class KvSnapshotTest {

    private long op;

    // ---------------------------------------------------------------------------------------------
    // Round trips.

    @Test
    void restoredStoreHasTheSnapshotsEntriesAndChecksum() throws IOException {
        KvStateMachine original = store(Map.of("a", "1", "b", "", "c", "333"));
        Snapshot snapshot = original.snapshot();

        KvStateMachine restored = new KvStateMachine();
        restored.restore(new ByteArrayInputStream(bytesOf(snapshot)));

        assertThat(snapshot.stateChecksum()).isEqualTo(original.stateChecksum());
        assertThat(restored.stateChecksum()).isEqualTo(snapshot.stateChecksum());
        assertThat(restored.size()).isEqualTo(3);
        assertThat(restored.get("a")).isEqualTo("1");
        assertThat(restored.get("b")).isEqualTo("");
        assertThat(restored.get("c")).isEqualTo("333");
    }

    @Test
    void emptyStoreRoundTrips() throws IOException {
        KvStateMachine restored = store(Map.of("x", "1"));

        restored.restore(new ByteArrayInputStream(bytesOf(new KvStateMachine().snapshot())));

        assertThat(restored.size()).isZero();
        assertThat(restored.stateChecksum()).isEqualTo(new KvStateMachine().stateChecksum());
    }

    @Test
    void restoreReplacesKeysTheSnapshotDoesNotHold() throws IOException {
        KvStateMachine restored = store(Map.of("only-here", "1", "a", "old"));

        restored.restore(new ByteArrayInputStream(bytesOf(store(Map.of("a", "new")).snapshot())));

        assertThat(restored.get("only-here")).isNull();
        assertThat(restored.get("a")).isEqualTo("new");
        assertThat(restored.stateChecksum()).isEqualTo(store(Map.of("a", "new")).stateChecksum());
    }

    @Test
    void restoredStoreGoesOnExecutingAndSnapshotting() throws IOException {
        KvStateMachine restored = new KvStateMachine();
        restored.restore(new ByteArrayInputStream(bytesOf(store(Map.of("a", "1")).snapshot())));

        execute(restored, KvCommand.append("a", "2"));
        KvStateMachine again = new KvStateMachine();
        again.restore(new ByteArrayInputStream(bytesOf(restored.snapshot())));

        assertThat(again.get("a")).isEqualTo("12");
        assertThat(again.stateChecksum()).isEqualTo(store(Map.of("a", "12")).stateChecksum());
    }

    // ---------------------------------------------------------------------------------------------
    // A snapshot does not change after it is taken.

    @Test
    void snapshotBytesDoNotChangeWhenTheOriginalKeepsBeingWritten() throws IOException {
        // Keys in every shard, so that the writes below copy every shard: each shard the snapshot
        // holds must survive its first write after the snapshot.
        KvStateMachine original = new KvStateMachine();
        Map<Key, byte[]> keys = ShardedMapTest.keysInEveryShard();
        keys.forEach((key, value) -> original.apply(new KvCommand.Put(key.bytes(), value)));
        Snapshot snapshot = original.snapshot();
        byte[] before = bytesOf(snapshot);

        // Every kind of write, to every shard: put, append, compare-and-set, delete and new keys.
        int i = 0;
        for (Key key : keys.keySet()) {
            byte[] value = original.get(key.bytes());
            KvCommand command = switch (i++ % 4) {
                case 0 -> new KvCommand.Put(key.bytes(), Bytes.utf8("changed"));
                case 1 -> new KvCommand.Append(key.bytes(), Bytes.utf8("+"));
                case 2 -> new KvCommand.CompareAndSet(key.bytes(), value, Bytes.utf8("swapped"));
                default -> new KvCommand.Delete(key.bytes());
            };
            original.apply(command);
            original.apply(KvCommand.put("new-" + i, "v"));
        }
        execute(original, KvCommand.put("last", "write")); // execute, so the invariants are checked too

        byte[] after = bytesOf(snapshot);
        assertThat(after).isEqualTo(before);
        assertThat(original.stateChecksum()).isNotEqualTo(snapshot.stateChecksum());

        KvStateMachine restored = new KvStateMachine();
        restored.restore(new ByteArrayInputStream(after));
        assertThat(restored.stateChecksum()).isEqualTo(snapshot.stateChecksum());
        assertThat(restored.size()).isEqualTo(keys.size());
        keys.forEach((key, value) -> assertThat(restored.get(key.bytes())).isEqualTo(value));
    }

    @Test
    void twoSnapshotsOutstandingEachKeepTheirOwnState() throws IOException {
        KvStateMachine original = store(Map.of("a", "1"));
        Snapshot first = original.snapshot();
        execute(original, KvCommand.put("a", "2"));
        Snapshot second = original.snapshot();
        execute(original, KvCommand.put("a", "3"));

        assertThat(restore(bytesOf(first)).get("a")).isEqualTo("1");
        assertThat(restore(bytesOf(second)).get("a")).isEqualTo("2");
        assertThat(original.get("a")).isEqualTo("3");
    }

    @Test
    void snapshotTakenBeforeARestoreStillWritesItsOwnState() throws IOException {
        KvStateMachine machine = store(Map.of("a", "mine"));
        Snapshot snapshot = machine.snapshot();
        byte[] before = bytesOf(snapshot);

        machine.restore(new ByteArrayInputStream(bytesOf(store(Map.of("b", "other")).snapshot())));
        execute(machine, KvCommand.put("a", "after"));

        assertThat(bytesOf(snapshot)).isEqualTo(before);
        assertThat(restore(bytesOf(snapshot)).get("a")).isEqualTo("mine");
    }

    @Test
    void writeToRunsOnAnotherThreadWhileTheReplicaThreadWrites() throws Exception {
        // The one place where this module's code meets a second thread: the contract under test is
        // a threading one. Bounded: a fixed number of writes on this thread and a timeout on the
        // writer. The outcome does not depend on the interleaving: whatever the writer thread
        // reads, it must read the state of the moment the snapshot was taken.
        KvStateMachine machine = new KvStateMachine();
        int keyCount = 20_000;
        for (int i = 0; i < keyCount; i++) machine.apply(KvCommand.put("key-" + i, "value-" + i));
        Snapshot snapshot = machine.snapshot();
        byte[] expected = bytesOf(snapshot);

        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch started = new CountDownLatch(1);
            // submit() is the happens-before edge that publishes the snapshot to the writer thread.
            Future<byte[]> written = writer.submit(() -> {
                started.countDown();
                return bytesOf(snapshot);
            });
            started.await();
            // Overwrite, append to and delete every key, and add as many new ones, while it writes.
            for (int i = 0; i < keyCount; i++) {
                machine.apply(KvCommand.put("key-" + i, "overwritten-" + i));
                machine.apply(KvCommand.append("key-" + i, "!"));
                if (i % 2 == 0) machine.apply(KvCommand.delete("key-" + i));
                machine.apply(KvCommand.put("new-" + i, "v"));
            }
            byte[] bytes = written.get(60, TimeUnit.SECONDS);

            assertThat(bytes).isEqualTo(expected);
            assertThat(restore(bytes).stateChecksum()).isEqualTo(snapshot.stateChecksum());
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void snapshotWritesTheDocumentedFormat() throws IOException {
        // One entry, so the order of entries cannot matter: the bytes are fully pinned.
        byte[] expected = new SnapshotBytes(KvLimits.defaults()).entry("k", "v").toBytes();

        assertThat(bytesOf(store(Map.of("k", "v")).snapshot())).isEqualTo(expected);
    }

    // ---------------------------------------------------------------------------------------------
    // Bad bytes: restore throws and the store keeps its state.

    @Test
    void everyTruncationIsRefusedAndChangesNothing() {
        byte[] bytes = bytesOf(store(Map.of("a", "1", "bb", "22", "ccc", "")).snapshot());

        for (int length = 0; length < bytes.length; length++) {
            assertRefusedAndUnchanged(Arrays.copyOf(bytes, length), "truncated snapshot");
        }
    }

    @Test
    void everyFlippedBitIsRefusedAndChangesNothing() {
        byte[] bytes = bytesOf(store(Map.of("a", "1", "bb", "22", "ccc", "")).snapshot());

        for (int bit = 0; bit < bytes.length * Byte.SIZE; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit / Byte.SIZE] ^= (byte) (1 << (bit % Byte.SIZE));
            assertRefusedAndUnchanged(flipped, "");
        }
    }

    @Test
    void wrongMagicIsRefused() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());
        ByteBuffer.wrap(bytes).putLong(0, 0x1234L);

        assertRefusedAndUnchanged(bytes, "not a key-value snapshot: magic 0x0000000000001234");
    }

    @Test
    void unknownVersionIsRefused() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());
        ByteBuffer.wrap(bytes).putInt(8, 3);

        assertRefusedAndUnchanged(bytes, "snapshot format version 3 is not supported; this build reads versions 1 and 2");
    }

    @Test
    void versionOneSnapshotWithoutExpiriesStillRestores() throws IOException {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).version(1).entry("a", "1").entry("k", "v").toBytes();

        KvStateMachine restored = restore(bytes);

        assertThat(restored.get("a")).isEqualTo("1");
        assertThat(restored.get("k")).isEqualTo("v");
        assertThat(restored.expireAtMs("k")).isNull();
        assertThat(restored.stateChecksum()).isEqualTo(store(Map.of("a", "1", "k", "v")).stateChecksum());
    }

    @Test
    void expiryTimesSurviveSnapshotAndRestore() throws IOException {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").entry("k", "v").expiry("k", 5_000)
                .toBytes();

        KvStateMachine restored = restore(bytes);

        assertThat(restored.expireAtMs("k")).isEqualTo(5_000L);
        assertThat(restored.expireAtMs("a")).isNull();
        assertThat(restore(bytesOf(restored.snapshot())).expireAtMs("k")).isEqualTo(5_000L);
        // The restored index works: the key expires at its time, and no earlier.
        restored.execute(1, 4_999, KvCommand.get("k").encode());
        assertThat(restored.get("k")).isEqualTo("v");
        restored.execute(2, 5_000, KvCommand.get("k").encode());
        assertThat(restored.get("k")).isNull();
    }

    @Test
    void expiryOfAKeyWithoutEntryIsRefused() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").expiry("zz", 5).toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot expiry 0 names the key \"zz\", which no entry has");
    }

    @Test
    void repeatedExpiryIsRefused() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").entry("b", "2").expiry("a", 5)
                .expiry("a", 6).toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot expiry 1 repeats the key \"a\"");
    }

    @Test
    void stateChecksumThatLeavesOutAnExpiryIsRefused() {
        long entriesOnly = EntryHash.of(Bytes.utf8("a"), Bytes.utf8("1"));
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").expiry("a", 5).stateChecksum(entriesOnly)
                .toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot state checksum mismatch");
    }

    @Test
    void snapshotOfAStoreWithOtherLimitsIsRefused() {
        KvStateMachine wider = new KvStateMachine(new KvLimits(512, 64 * 1024));
        execute(wider, KvCommand.put("a", "1"));

        assertRefusedAndUnchanged(bytesOf(wider.snapshot()),
                "snapshot limits (keySizeBytesMax 512, valueSizeBytesMax 65536) differ from this store's "
                        + "(keySizeBytesMax 256, valueSizeBytesMax 65536)");
    }

    @Test
    void keyOverTheLimitIsRefusedEvenWithAValidChecksum() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("k".repeat(257), "v").toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot entry 0 key size 257 bytes > keySizeBytesMax 256");
    }

    @Test
    void valueOverTheLimitIsRefusedEvenWithAValidChecksum() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").entry("k", "v".repeat(65537)).toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot entry 1 value size 65537 bytes > valueSizeBytesMax 65536");
    }

    @Test
    void negativeSizeIsRefused() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());
        ByteBuffer.wrap(bytes).putInt(44, -1); // the first entry's key size

        assertRefusedAndUnchanged(bytes, "snapshot entry 0 key size -1 is negative");
    }

    @Test
    void negativeEntryCountIsRefused() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entryCount(-1).toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot entryCount -1 is negative");
    }

    @Test
    void entryCountOtherThanTheEntriesIsRefused() {
        // The reader then takes the trailing checksum for an entry, or an entry for the checksum,
        // so which check fails first depends on those bytes; what matters is that one does.
        for (long count : new long[] {0, 1, 3, Long.MAX_VALUE}) {
            byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").entry("b", "2").entryCount(count)
                    .toBytes();

            assertRefusedAndUnchanged(bytes, "snapshot");
        }
    }

    @Test
    void repeatedKeyIsRefused() {
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").entry("a", "2").toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot entry 1 repeats the key \"a\" of an earlier entry");
    }

    @Test
    void stateChecksumThatTheEntriesDoNotSumToIsRefused() {
        // A valid trailing checksum over a wrong state checksum: what a writer bug would produce.
        byte[] bytes = new SnapshotBytes(KvLimits.defaults()).entry("a", "1").stateChecksum(42).toBytes();

        assertRefusedAndUnchanged(bytes, "snapshot state checksum mismatch: recorded 0x000000000000002A");
    }

    @Test
    void trailingChecksumMismatchIsRefused() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());
        bytes[bytes.length - 1] ^= 1;

        assertRefusedAndUnchanged(bytes, "snapshot checksum mismatch");
    }

    @Test
    void bytesAfterTheSnapshotAreRefused() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());

        assertRefusedAndUnchanged(Arrays.copyOf(bytes, bytes.length + 1),
                "snapshot has trailing bytes after its checksum");
    }

    @Test
    void failingStreamPassesItsErrorOnAndChangesNothing() {
        byte[] bytes = bytesOf(store(Map.of("a", "1")).snapshot());
        InputStream failing = new InputStream() {
            private int read;

            @Override
            public int read() throws IOException {
                if (read == bytes.length / 2) throw new IOException("disk on fire");
                return bytes[read++] & 0xFF;
            }
        };
        KvStateMachine target = target();
        long checksum = target.stateChecksum();

        assertThatThrownBy(() -> target.restore(failing))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("disk on fire");
        assertUnchanged(target, checksum);
    }

    // ---------------------------------------------------------------------------------------------

    /** A store that holds {"a": "1", "b": "2"}, restore's target in the refusal tests. */
    private KvStateMachine target() {
        return store(Map.of("a", "1", "b", "2"));
    }

    private void assertRefusedAndUnchanged(byte[] bytes, String message) {
        KvStateMachine target = target();
        long checksum = target.stateChecksum();
        ThrowingCallable restore = () -> target.restore(new ByteArrayInputStream(bytes));

        assertThatThrownBy(restore).isInstanceOf(SnapshotFormatException.class).hasMessageContaining(message);
        assertUnchanged(target, checksum);
    }

    private void assertUnchanged(KvStateMachine target, long checksum) {
        assertThat(target.stateChecksum()).isEqualTo(checksum);
        assertThat(target.size()).isEqualTo(2);
        assertThat(target.get("a")).isEqualTo("1");
        assertThat(target.get("b")).isEqualTo("2");
        // And it still works: a write, then a snapshot that restores.
        execute(target, KvCommand.put("c", "3"));
        assertThat(restore(bytesOf(target.snapshot())).get("c")).isEqualTo("3");
    }

    private KvStateMachine store(Map<String, String> entries) {
        KvStateMachine machine = new KvStateMachine();
        entries.forEach((key, value) -> execute(machine, KvCommand.put(key, value)));
        return machine;
    }

    private KvResult execute(KvStateMachine machine, KvCommand command) {
        try {
            return KvResult.decode(machine.execute(++op, 0, command.encode()));
        } catch (KvFormatException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytesOf(Snapshot snapshot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            snapshot.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static KvStateMachine restore(byte[] bytes) {
        KvStateMachine machine = new KvStateMachine();
        try {
            machine.restore(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return machine;
    }

    /**
     * Snapshot bytes written by hand from the format in {@link SnapshotCodec}'s comment, so that
     * tests can build bytes the store would never write (a key over the limits, a repeated key)
     * with a valid trailing checksum, and so that the documented format is pinned.
     */
    private static final class SnapshotBytes {
        private final KvLimits limits;
        private final List<byte[][]> entries = new ArrayList<>();
        private final List<Object[]> expiries = new ArrayList<>(); // {key bytes, Long atMs}
        private int version = 2;
        private Long entryCount;
        private Long stateChecksum;

        SnapshotBytes(KvLimits limits) {
            this.limits = limits;
        }

        SnapshotBytes entry(String key, String value) {
            entries.add(new byte[][] {Bytes.utf8(key), Bytes.utf8(value)});
            return this;
        }

        /** Writes this format version: 1 has no expiries. */
        SnapshotBytes version(int version) {
            this.version = version;
            return this;
        }

        SnapshotBytes expiry(String key, long atMs) {
            expiries.add(new Object[] {Bytes.utf8(key), atMs});
            return this;
        }

        /** Records this count instead of the number of entries. */
        SnapshotBytes entryCount(long count) {
            entryCount = count;
            return this;
        }

        /** Records this state checksum instead of the entries' sum. */
        SnapshotBytes stateChecksum(long checksum) {
            stateChecksum = checksum;
            return this;
        }

        byte[] toBytes() {
            long count = entryCount != null ? entryCount : entries.size();
            long sum = 0;
            for (byte[][] entry : entries) sum += EntryHash.of(entry[0], entry[1]);
            for (Object[] expiry : expiries) sum += EntryHash.ofExpiry((byte[]) expiry[0], (long) expiry[1]);
            long state = stateChecksum != null ? stateChecksum : sum;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            Checksum checksum = new Checksum();
            try {
                out.writeLong(0x5653524B56534E50L);
                out.writeInt(version);
                out.writeInt(limits.keySizeBytesMax());
                out.writeInt(limits.valueSizeBytesMax());
                out.writeLong(count);
                checksum.add(0x5653524B56534E50L).add(version).add(limits.keySizeBytesMax())
                        .add(limits.valueSizeBytesMax()).add(count);
                if (version >= 2) {
                    out.writeLong(expiries.size());
                    checksum.add(expiries.size());
                }
                out.writeLong(state);
                checksum.add(state);
                for (byte[][] entry : entries) {
                    out.writeInt(entry[0].length);
                    out.write(entry[0]);
                    out.writeInt(entry[1].length);
                    out.write(entry[1]);
                    checksum.add(entry[0]).add(entry[1]);
                }
                for (Object[] expiry : expiries) {
                    byte[] key = (byte[]) expiry[0];
                    out.writeInt(key.length);
                    out.write(key);
                    out.writeLong((long) expiry[1]);
                    checksum.add(key).add((long) expiry[1]);
                }
                out.writeLong(checksum.value());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }
}
