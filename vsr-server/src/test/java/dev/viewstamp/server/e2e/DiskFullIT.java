package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.viewstamp.check.LinearizabilityChecker;
import dev.viewstamp.check.Operation;
import dev.viewstamp.check.Result;
import dev.viewstamp.client.KvClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk pauses acknowledgement and resumes when space returns. Three `vsr server` processes
 * keep their data directories on one small tmpfs of the test's own (mounted here: the test runs as
 * root, as CI does), under load from eight sessions. A file then fills the file system: checkpoint
 * files can no longer be written, the replicas say their storage stopped, and the cluster stops
 * acknowledging once its journals' rings need the checkpoints it cannot take; no process exits.
 * The file is deleted: the replicas retry, say their storage resumed, and the load goes on. The
 * history, with every key read back at the end, is linearizable, and the replicas converge.
 */
class DiskFullIT {

    @TempDir
    Path dir;

    @Test
    void aFullDiskPausesAcknowledgementAndSpaceReturningResumesIt() throws Exception {
        Path fs = Files.createDirectory(dir.resolve("fs"));
        String mounted = run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", fs.toString());
        // CI runs as root and must run this test; elsewhere, a machine that cannot mount skips it.
        if (System.getenv("CI") == null) {
            assumeTrue(mounted == null, "mounting a tmpfs needs root: " + mounted);
        } else {
            assertThat(mounted).as("mount a tmpfs (CI runs as root)").isNull();
        }
        try {
            // Journals of 64 slots of 8 KiB bodies: under 1 MiB of data file per replica.
            try (ProcessCluster cluster = new ProcessCluster(dir, fs, 3, 64, false, "--message-size-max", "8192")) {
                cluster.startAll();
                cluster.primary(Duration.ofSeconds(30));
                List<Operation> history;
                HistoryRecorder load;
                try (KvClient kv = cluster.client(8)) {
                    load = new HistoryRecorder(kv, 8, 6);
                    load.start();
                    awaitProgress(load, load.ok());

                    Path filler = fs.resolve("filler");
                    long filled = fill(filler);
                    awaitStall(load);
                    for (int i = 0; i < 3; i++) assertThat(cluster.running(i)).as("replica %d still running", i).isTrue();
                    assertThat(outputs(cluster)).as("a replica logged its storage stopped for lack of space")
                            .contains("storage stopped").contains("No space left");

                    Files.delete(filler);
                    awaitProgress(load, load.ok());
                    assertThat(outputs(cluster)).contains("storage resumed");
                    long atResume = load.ok();
                    TimeUnit.SECONDS.sleep(2);
                    awaitProgress(load, atResume);
                    load.stop();
                    load.readBack();
                    history = load.history();
                    System.out.printf("disk full: filled %d bytes; %d ops (%d unknown)%n", filled, history.size(),
                            load.unknown());
                }
                cluster.awaitConvergence(1, Duration.ofSeconds(60));
                Result verdict = new LinearizabilityChecker().check(history, null);
                assertThat(verdict.isLinearizable()).as("%s on key %s: %s (%d ops, %d unknown)", verdict.verdict(),
                        verdict.key(), verdict.explanation(), history.size(), load.unknown()).isTrue();
            }
        } finally {
            String unmounted = run("umount", fs.toString());
            assertThat(unmounted).as("umount").isNull();
        }
    }

    private static String outputs(ProcessCluster cluster) throws IOException {
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 3; i++) all.append(cluster.output(i));
        return all.toString();
    }

    /** Writes {@code file} until the file system is full; returns the bytes written. */
    private static long fill(Path file) throws IOException {
        byte[] chunk = new byte[64 << 10];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
        return written;
    }

    /** Waits (up to 60 s) for a 3-second window in which the load completes nothing. */
    private static void awaitStall(HistoryRecorder load) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            long before = load.ok();
            TimeUnit.SECONDS.sleep(3);
            if (load.ok() == before) return;
        }
        throw new AssertionError("the cluster kept acknowledging on a full disk: " + load.ok() + " operations");
    }

    /** The load completes operations past {@code before} (waiting up to 60 s). */
    private static void awaitProgress(HistoryRecorder load, long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (load.ok() <= before && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(50);
        assertThat(load.ok()).as("operations completed").isGreaterThan(before);
    }

    /** Runs {@code command}; null when it succeeded, else what it said. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        return p.waitFor() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + ": " + output.strip();
    }
}
