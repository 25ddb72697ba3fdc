package dev.viewstamp.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.replica.Checkpoint;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.OpLog;
import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.storage.CheckpointFile;
import dev.viewstamp.storage.CheckpointStore;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.DiskError;
import dev.viewstamp.storage.FileDisk;
import dev.viewstamp.storage.Journal;
import dev.viewstamp.storage.ReplicaStorage;
import dev.viewstamp.storage.Superblock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `vsr format` and `vsr inspect` on real files, including damaged ones. */
class DataDirectoryCommandsTest {
    private static final String MEMBERS = "127.0.0.1:3001,127.0.0.1:3002,127.0.0.1:3003";

    private record Run(int exit, String out, String err) {}

    private static Run vsr(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Vsr.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private static Path formatted(Path dir) {
        Path data = dir.resolve("r1");
        Run run = vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data", data.toString(),
                "--journal-slots", "64", "--message-size-max", "4096");
        assertThat(run.exit()).as(run.err()).isZero();
        return data;
    }

    private static void corrupt(Path file, long offset) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x10);
        }
    }

    @Test
    void formatDefaultsToTheJournalBodyLimitThatReplicasDefaultTo(@TempDir Path dir) throws Exception {
        // One slot keeps the file small; the body limit is the default.
        Path data = dir.resolve("r0");
        Run run = vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "0", "--data", data.toString(),
                "--journal-slots", "1");
        assertThat(run.exit()).as(run.err()).isZero();

        Superblock.State state = DataDirectory.inspect(data).state();
        assertThat(state.journalBodySizeBytesMax()).isEqualTo(ClusterConfig.JOURNAL_BODY_SIZE_BYTES_MAX_DEFAULT);
        state.checkConfig(ClusterConfig.builder().clusterId(9).replicaCount(3).build());
    }

    @Test
    void formatThenInspectShowsANewReplica(@TempDir Path dir) {
        Path data = formatted(dir);
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("cluster id       9", "replica          1 of 3", "view             0 (log view 0)",
                "log              empty", "4 of 4 copies current", "faults           none");
    }

    @Test
    void formatForRecoveryMarksTheDirectorySoTheReplicaRecoversFromTheCluster(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("r2");
        Run format = vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "2", "--data", data.toString(),
                "--journal-slots", "64", "--message-size-max", "4096", "--recover");
        assertThat(format.exit()).as(format.err()).isZero();
        assertThat(format.out()).contains("to recover from the cluster");
        Run inspect = vsr("inspect", "--data", data.toString());
        assertThat(inspect.exit()).isZero();
        assertThat(inspect.out()).contains("recovery         formatted with --recover");
        var inspection = dev.viewstamp.storage.DataDirectory.inspect(data);
        var durable = dev.viewstamp.storage.DurableState.of(inspection.state(), inspection.recovery());
        assertThat(durable.recovering()).isTrue();
        assertThat(durable.log()).isEmpty();
    }

    /** A replica's storage on {@code data} as a restart opens it: the real files, the real checkpoint store. */
    private static ReplicaStorage.Opened open(Path data, FileDisk disk) {
        AtomicReference<Superblock.ReadResult> read = new AtomicReference<>();
        Superblock.read(disk, read::set);
        Superblock.State state = read.get().state();
        CheckpointStore checkpoints = DataDirectory.checkpoints(data);
        AtomicReference<CheckpointFile.Loaded> loaded = new AtomicReference<>();
        CheckpointFile.load(checkpoints, state.clusterId(), state.checkpoint(), loaded::set);
        AtomicReference<Journal.RecoveryResult> recovered = new AtomicReference<>();
        Journal.recover(disk, state.journalLayout(disk.sectorSizeBytes()), state, recovered::set);
        return ReplicaStorage.open(disk, checkpoints, read.get(), recovered.get(), loaded.get(),
                new ReplicaStorage.Listener() {
                    @Override public void onPrepareDurable(long op, long checksum) { }
                    @Override public void onStateDurable(long view, long logView, long lastOp, long lastChecksum) { }
                    @Override public void onCheckpointDurable(long op) { }
                    @Override public void onError(DiskError error) { throw new AssertionError(error.toString()); }
                });
    }

    /** Ops 1..5 of cluster 9 on {@code data}, and the checkpoint at op 4 with the snapshot {@code snapshot}. */
    private static List<Entry> writeCheckpointAt4(Path data, byte[] snapshot) throws Exception {
        List<Entry> log = new ArrayList<>();
        try (FileDisk disk = FileDisk.open(data.resolve(DataDirectory.DATA_FILE))) {
            ReplicaStorage storage = open(data, disk).storage();
            long parent = OpLog.rootChecksum(9);
            for (long op = 1; op <= 5; op++) {
                Entry entry = Entry.create(0, op, parent, op, List.of(new Request(7, op, new byte[] {(byte) op})));
                log.add(entry);
                storage.persistPrepare(entry);
                parent = entry.checksum();
            }
            Entry at4 = log.get(3);
            storage.persistCheckpoint(new Checkpoint(4, at4.checksum(), at4.timestamp(), 0xC0FFEEL, new byte[] {1, 2, 3}),
                    new StateMachine.Snapshot() {
                        @Override public long stateChecksum() { return 4; }
                        @Override public void writeTo(OutputStream out) throws IOException { out.write(snapshot); }
                    });
            assertThat(storage.status()).isEqualTo("ok");
        }
        return log;
    }

    @Test
    void aCheckpointWrittenToADataDirectoryIsShownByInspectAndARestartStartsFromIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("r1");
        Run format = vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data", data.toString(),
                "--journal-slots", "64", "--message-size-max", "4096", "--checkpoint-interval", "4");
        assertThat(format.exit()).as(format.err()).isZero();
        assertThat(format.out()).contains("a checkpoint every 4 ops");
        assertThat(vsr("inspect", "--data", data.toString()).out()).contains("checkpoint       none (every 4 ops)");

        byte[] snapshot = "the service after op 4".getBytes(StandardCharsets.UTF_8);
        List<Entry> log = writeCheckpointAt4(data, snapshot);
        Path file = data.resolve("checkpoint-4.vsr");
        assertThat(file).exists();
        Run inspect = vsr("inspect", "--data", data.toString());
        assertThat(inspect.exit()).as(inspect.out()).isZero();
        assertThat(inspect.out()).contains("checkpoint       op 4, identity 0000000000c0ffee, " + Files.size(file)
                + " bytes (every 4 ops)", "log              ops 5..5", "faults           none");

        try (FileDisk disk = FileDisk.open(data.resolve(DataDirectory.DATA_FILE))) {
            ReplicaStorage.Opened opened = open(data, disk);
            assertThat(opened.durable().checkpoint().op()).isEqualTo(4);
            assertThat(opened.durable().log()).containsExactly(log.get(4));
            assertThat(opened.checkpointFile().snapshotStream().readAllBytes()).isEqualTo(snapshot);
        }
        assertThat(DataDirectory.inspect(data).state().checkpoint().op()).isEqualTo(4);
        try (var names = Files.list(data)) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DataDirectory.DATA_FILE,
                    DataDirectory.MEMBERS_FILE, "checkpoint-4.vsr");
        }
    }

    @Test
    void aDamagedCheckpointFileIsReportedAndAReplicaStartsOnItWithTheCheckpointLost(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("r1");
        assertThat(vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data", data.toString(),
                "--journal-slots", "64", "--message-size-max", "4096", "--checkpoint-interval", "4").exit()).isZero();
        writeCheckpointAt4(data, new byte[100]);
        corrupt(data.resolve("checkpoint-4.vsr"), CheckpointFile.HEADER_SIZE_BYTES + 20);

        Run inspect = vsr("inspect", "--data", data.toString());
        assertThat(inspect.exit()).isEqualTo(1);
        assertThat(inspect.out()).contains("damaged checkpoint file: checkpoint file of", "checksum mismatch",
                "fetched the checkpoint from a peer");
        try (FileDisk disk = FileDisk.open(data.resolve(DataDirectory.DATA_FILE))) {
            ReplicaStorage.Opened opened = open(data, disk);
            assertThat(opened.checkpointFile()).isNull();
            assertThat(opened.checkpointProblem()).contains("checksum mismatch");
            assertThat(opened.durable().checkpointLost()).isTrue();
            assertThat(opened.durable().checkpoint().op()).isEqualTo(4);
        }
    }

    @Test
    void formatRefusesACheckpointIntervalTheJournalCannotHoldAndLeavesNothing(@TempDir Path dir) {
        Run run = vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data",
                dir.resolve("r1").toString(), "--journal-slots", "64", "--checkpoint-interval", "40");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("a journal of 64 slots is too small for a checkpoint every 40 ops");
        assertThat(dir.resolve("r1")).doesNotExist();
        assertThat(vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data",
                dir.resolve("r2").toString(), "--checkpoint-interval", "-1").exit()).isEqualTo(2);
    }

    @Test
    void aDataDirectoryOfTheFormatBeforeCheckpointsIsRefusedWithAnAskToFormatAgain(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        // Rewrite every copy as format version 2 wrote it: the same first 128 bytes, the crash vector
        // (all zeros here) at 128, the suffix at 256, and the checksum over bytes 8..256.
        try (RandomAccessFile raf = new RandomAccessFile(data.resolve(DataDirectory.DATA_FILE).toFile(), "rw")) {
            for (int copy = 0; copy < Superblock.COPIES; copy++) {
                byte[] bytes = new byte[Superblock.COPY_SIZE_BYTES];
                raf.seek((long) copy * Superblock.COPY_SIZE_BYTES);
                raf.readFully(bytes, 0, 128);
                ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                b.putShort(12, (short) 2);
                b.putLong(0, Checksum.of(bytes, 8, 256 - 8));
                raf.seek((long) copy * Superblock.COPY_SIZE_BYTES);
                raf.write(bytes);
            }
        }
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("format version 2, written by an older build; this build reads version 3 only: "
                + "format the data directory again (vsr format)");
    }

    @Test
    void formatRefusesANonEmptyDirectoryAndBadArguments(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        assertThat(vsr("format", "--cluster-id", "9", "--cluster", MEMBERS, "--replica", "1", "--data", data.toString())
                .exit()).isEqualTo(3);
        assertThat(vsr("format", "--cluster-id", "-1", "--cluster", MEMBERS, "--replica", "0", "--data",
                dir.resolve("a").toString()).exit()).isEqualTo(2);
        assertThat(vsr("format", "--cluster-id", "1", "--cluster", MEMBERS, "--replica", "3", "--data",
                dir.resolve("b").toString()).exit()).isEqualTo(2);
        assertThat(vsr("format", "--cluster-id", "1", "--cluster", "localhost", "--replica", "0", "--data",
                dir.resolve("c").toString()).exit()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("a"))).isFalse();
    }

    @Test
    void inspectRefusesMissingEmptyAndUnformattedDirectories(@TempDir Path dir) throws Exception {
        assertThat(vsr("inspect", "--data", dir.resolve("missing").toString()).err()).contains("does not exist");
        Files.createDirectories(dir.resolve("empty"));
        Run empty = vsr("inspect", "--data", dir.resolve("empty").toString());
        assertThat(empty.exit()).isEqualTo(3);
        assertThat(empty.err()).contains("empty: not formatted");
        Files.createDirectories(dir.resolve("other"));
        Files.writeString(dir.resolve("other/notes.txt"), "hello");
        assertThat(vsr("inspect", "--data", dir.resolve("other").toString()).err()).contains("no replica.vsr");
    }

    @Test
    void oneDamagedSuperblockCopyIsReportedAndTheRestServe(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        corrupt(data.resolve(DataDirectory.DATA_FILE), Superblock.COPY_SIZE_BYTES + 40);
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("3 of 4 copies current", "damaged copy: superblock copy 1");
    }

    @Test
    void everySuperblockCopyDamagedIsDamagedBeyondReading(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        for (int copy = 0; copy < Superblock.COPIES; copy++) {
            corrupt(data.resolve(DataDirectory.DATA_FILE), (long) copy * Superblock.COPY_SIZE_BYTES + 20);
        }
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("no valid superblock copy", "damaged beyond reading");
    }

    @Test
    void aTruncatedDataFileIsRefused(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        try (RandomAccessFile raf = new RandomAccessFile(data.resolve(DataDirectory.DATA_FILE).toFile(), "rw")) {
            raf.setLength(Superblock.ZONE_SIZE_BYTES + 4096);
        }
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("truncated");
    }

    @Test
    void aMembersFileThatDisagreesWithTheSuperblockIsRefused(@TempDir Path dir) throws Exception {
        Path data = formatted(dir);
        Files.writeString(data.resolve(DataDirectory.MEMBERS_FILE), "0 127.0.0.1:1\n");
        Run run = vsr("inspect", "--data", data.toString());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("lists 1 members but the superblock says 3");
    }
}
