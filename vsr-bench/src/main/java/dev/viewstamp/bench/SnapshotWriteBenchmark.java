package dev.viewstamp.bench;

import dev.viewstamp.core.service.StateMachine.Snapshot;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Writing a whole snapshot of a million 16-byte keys with 64-byte values (about 88 MB of snapshot
 * bytes): the work {@code writeTo} does on the background thread.
 *
 * <ul>
 *   <li>{@code writeToDiscard}: into {@link OutputStream#nullOutputStream()}, so serialization and
 *       the trailing checksum alone.
 *   <li>{@code writeToFile}: into a buffered file in the temporary directory, truncated each time.
 *       No fsync: this is serialization plus the copy into the page cache, not the disk's speed.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SnapshotWriteBenchmark {

    @Param({"1000000"})
    int keyCount;

    private Snapshot snapshot;
    private Path file;

    @Setup
    public void setUp() throws IOException {
        snapshot = Stores.populated(keyCount).snapshot();
        file = Files.createTempFile("vsr-bench-snapshot", ".bin");
    }

    @TearDown
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    @Benchmark
    public void writeToDiscard() throws IOException {
        snapshot.writeTo(OutputStream.nullOutputStream());
    }

    @Benchmark
    public void writeToFile() throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            snapshot.writeTo(out);
        }
    }
}
