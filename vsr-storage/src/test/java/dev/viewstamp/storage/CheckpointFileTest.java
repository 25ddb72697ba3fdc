package dev.viewstamp.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.codec.CodecException;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.service.StateMachine;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The checkpoint file format: what is written reads back, and nothing else does. */
class CheckpointFileTest {
    private static final long CLUSTER = 11;
    private static final Checkpoint CHECKPOINT = new Checkpoint(40, 0x1234_5678_9abc_def0L, 777_000, 0x0fed_cba9_8765_4321L,
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    private static final byte[] SNAPSHOT = "the service's state after op 40".getBytes();

    private static byte[] file() {
        return CheckpointFile.encode(CLUSTER, CHECKPOINT, SNAPSHOT);
    }

    private static CheckpointReference named(byte[] file) {
        return CheckpointReference.of(CHECKPOINT, file.length, CheckpointFile.checksum(file));
    }

    /** Puts a valid trailing checksum on {@code file} after a test changed it on purpose. */
    private static byte[] resealed(byte[] file) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(file.length - 8, CheckpointFile.checksumOf(file));
        return file;
    }

    private static ByteBuffer header(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void aFileReadsBackAsTheCheckpointAndSnapshotWritten() throws Exception {
        byte[] file = file();
        assertThat(file).hasSize(CheckpointFile.SIZE_BYTES_MIN + 11 + SNAPSHOT.length);

        CheckpointFile.Contents contents = CheckpointFile.decode(file, CLUSTER, named(file));
        assertThat(contents.checkpoint()).isEqualTo(CHECKPOINT);
        assertThat(contents.snapshot()).isEqualTo(SNAPSHOT);
        assertThat(contents.snapshotStream().readAllBytes()).isEqualTo(SNAPSHOT);
    }

    @Test
    void aSnapshotIsWrittenAsItsWriteToWritesItAndMayBeEmpty() throws Exception {
        StateMachine.Snapshot snapshot = new StateMachine.Snapshot() {
            @Override public long stateChecksum() { return 5; }
            @Override public void writeTo(OutputStream out) throws java.io.IOException { out.write(SNAPSHOT); }
        };
        assertThat(CheckpointFile.encode(CLUSTER, CHECKPOINT, snapshot)).isEqualTo(file());

        Checkpoint bare = new Checkpoint(8, 1, 2, 3, new byte[0]);
        byte[] empty = CheckpointFile.encode(CLUSTER, bare, new byte[0]);
        assertThat(empty).hasSize(CheckpointFile.SIZE_BYTES_MIN);
        assertThat(CheckpointFile.decode(empty, CLUSTER).checkpoint()).isEqualTo(bare);
    }

    @Test
    void everyFlippedBitIsRefused() {
        byte[] file = file();
        for (int bit = 0; bit < file.length * 8; bit++) {
            byte[] damaged = file.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));
            int flipped = bit;
            assertThatThrownBy(() -> CheckpointFile.decode(damaged, CLUSTER)).as("bit %d", flipped)
                    .isInstanceOf(CodecException.class);
        }
    }

    @Test
    void aTruncatedOrExtendedFileIsRefused() {
        byte[] file = file();
        for (int length = 0; length < file.length; length++) {
            byte[] truncated = Arrays.copyOf(file, length);
            assertThatThrownBy(() -> CheckpointFile.decode(truncated, CLUSTER)).as("length %d", length)
                    .isInstanceOf(CodecException.class);
        }
        assertThatThrownBy(() -> CheckpointFile.decode(Arrays.copyOf(file, 10), CLUSTER))
                .hasMessageContaining("shorter than its header and checksum");
        assertThatThrownBy(() -> CheckpointFile.decode(Arrays.copyOf(file, file.length - 1), CLUSTER))
                .hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> CheckpointFile.decode(Arrays.copyOf(file, file.length + 1), CLUSTER))
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void anotherKindOfFileAnotherVersionOrAnotherClusterIsForeign() {
        byte[] foreign = file();
        header(foreign).putInt(0, 0x12345678);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(foreign), CLUSTER))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.FOREIGN))
                .hasMessageContaining("not a Viewstamp checkpoint file");
        byte[] newer = file();
        header(newer).putShort(4, (short) 2);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(newer), CLUSTER))
                .hasMessageContaining("format version 2: this build reads version 1");
        assertThatThrownBy(() -> CheckpointFile.decode(file(), CLUSTER + 1))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.FOREIGN))
                .hasMessageContaining("of cluster 11, not of cluster 12");
    }

    @Test
    void intactChecksumsAroundBrokenFieldsAreMalformed() {
        // Lengths that do not add up to the file, written by a bug rather than a fault.
        byte[] lengths = file();
        header(lengths).putLong(48, 12).putLong(56, SNAPSHOT.length);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(lengths), CLUSTER))
                .hasMessageContaining("its header declares 12 client table bytes");
        byte[] negative = file();
        header(negative).putLong(48, -1);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(negative), CLUSTER)).hasMessageContaining("declares -1");
        byte[] reserved = file();
        header(reserved).putShort(6, (short) 1);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(reserved), CLUSTER)).hasMessageContaining("reserved");
        byte[] opZero = file();
        header(opZero).putLong(16, 0);
        assertThatThrownBy(() -> CheckpointFile.decode(resealed(opZero), CLUSTER))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.MALFORMED))
                .hasMessageContaining("a checkpoint follows an op, not 0");
    }

    @Test
    void anIntactFileIsRefusedWhenItIsNotTheOneTheSuperblockNames() {
        byte[] file = file();
        CheckpointReference named = named(file);
        CheckpointReference longer = new CheckpointReference(40, named.identity(), named.entryChecksum(),
                named.entryTimestamp(), file.length + 1, named.fileChecksum());
        assertThatThrownBy(() -> CheckpointFile.decode(file, CLUSTER, longer)).hasMessageContaining("superblock names a file of");
        CheckpointReference otherWrite = new CheckpointReference(40, named.identity(), named.entryChecksum(),
                named.entryTimestamp(), file.length, named.fileChecksum() + 1);
        assertThatThrownBy(() -> CheckpointFile.decode(file, CLUSTER, otherWrite)).hasMessageContaining("another write");
        CheckpointReference otherState = new CheckpointReference(40, named.identity() + 1, named.entryChecksum(),
                named.entryTimestamp(), file.length, named.fileChecksum());
        assertThatThrownBy(() -> CheckpointFile.decode(file, CLUSTER, otherState)).hasMessageContaining("not the superblock's");
        CheckpointReference otherEntry = new CheckpointReference(40, named.identity(), named.entryChecksum(),
                named.entryTimestamp() + 1, file.length, named.fileChecksum());
        assertThatThrownBy(() -> CheckpointFile.decode(file, CLUSTER, otherEntry)).hasMessageContaining("not the superblock's");
    }

    @Test
    void loadingAMissingOrDamagedFileSaysWhyAndARestartCannotUseIt() {
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        byte[] file = file();
        CheckpointReference named = named(file);
        AtomicReference<CheckpointFile.Loaded> loaded = new AtomicReference<>();

        CheckpointFile.load(store, CLUSTER, named, loaded::set);
        assertThat(loaded.get().problem()).contains("checkpoint file of op 40 is missing");
        assertThat(loaded.get().lost()).isTrue();
        assertThat(loaded.get().contents()).isNull();

        byte[] damaged = file.clone();
        damaged[70] ^= 4;
        store.files.put(40L, damaged);
        CheckpointFile.load(store, CLUSTER, named, loaded::set);
        assertThat(loaded.get().problem()).contains("checksum mismatch");

        store.files.put(40L, file);
        CheckpointFile.load(store, CLUSTER, named, loaded::set);
        assertThat(loaded.get().lost()).isFalse();
        assertThat(loaded.get().contents().checkpoint()).isEqualTo(CHECKPOINT);
        CheckpointFile.load(store, CLUSTER, CheckpointReference.NONE, loaded::set);
        assertThat(loaded.get().lost()).isFalse();
        assertThat(loaded.get().contents()).isNull();
    }
}
