package dev.viewstamp.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.storage.DataDirectory;
import dev.viewstamp.storage.Superblock;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
