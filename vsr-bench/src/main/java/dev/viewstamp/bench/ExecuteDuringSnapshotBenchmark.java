package dev.viewstamp.bench;

import dev.viewstamp.core.service.StateMachine.Snapshot;
import dev.viewstamp.kv.KvStateMachine;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * {@code execute} throughput of puts (overwrites of random keys, 64-byte values) on a store of a
 * million keys, on one thread playing the replica's.
 *
 * <ul>
 *   <li>{@code snapshots=none}: no snapshot at all.
 *   <li>{@code snapshots=writing}: a snapshot is always being written on a second thread, to a
 *       discarding stream. As soon as one write finishes, the replica thread takes the next
 *       snapshot and hands it over, so the figure includes every cost a snapshot puts on the
 *       replica: taking handles, copying each shard on its first write after a snapshot, the
 *       garbage those copies make, and sharing the CPU and memory bandwidth with the writer.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ExecuteDuringSnapshotBenchmark {

    @Param({"1000000"})
    int keyCount;

    @Param({"none", "writing"})
    String snapshots;

    private KvStateMachine store;
    private byte[][] puts;
    private int putIndex;
    private long op;
    private boolean writeSnapshots;
    private ExecutorService writer;
    private Future<?> writing;
    private long snapshotsTaken;

    @Setup
    public void setUp() {
        store = Stores.populated(keyCount);
        op = keyCount;
        Random random = new Random(7);
        puts = new byte[1 << 18][];
        for (int i = 0; i < puts.length; i++) puts[i] = Stores.put(random.nextInt(keyCount), random).encode();
        writeSnapshots = snapshots.equals("writing");
        writer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "snapshot-writer");
            thread.setDaemon(true);
            return thread;
        });
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        writer.shutdownNow();
        writer.awaitTermination(1, TimeUnit.MINUTES);
        if (writeSnapshots) System.out.println("snapshots taken: " + snapshotsTaken);
    }

    @Benchmark
    public byte[] put() {
        if (writeSnapshots && (writing == null || writing.isDone())) {
            Snapshot snapshot = store.snapshot();
            // submit() is the happens-before edge that publishes the snapshot to the writer.
            writing = writer.submit(() -> {
                snapshot.writeTo(OutputStream.nullOutputStream());
                return null;
            });
            snapshotsTaken++;
        }
        return store.execute(++op, 0, puts[putIndex++ & (puts.length - 1)]);
    }
}
