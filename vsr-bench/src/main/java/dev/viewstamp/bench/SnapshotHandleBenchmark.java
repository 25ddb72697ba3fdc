package dev.viewstamp.bench;

import dev.viewstamp.core.service.StateMachine.Snapshot;
import dev.viewstamp.kv.KvStateMachine;
import java.util.Random;
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

/**
 * What a snapshot costs the replica's thread, on a store of a million 16-byte keys with 64-byte
 * values.
 *
 * <ul>
 *   <li>{@code takeHandle}: {@code snapshot()} alone, the pause at a checkpoint op. O(shards).
 *   <li>{@code takeHandleThenFirstWrite}: a snapshot, then one put; the put is the first write to
 *       its shard since the snapshot, so it copies that shard (about a thousand entries). The
 *       difference from {@code takeHandle} is the longest stall one op sees after a checkpoint.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SnapshotHandleBenchmark {

    @Param({"1000000"})
    int keyCount;

    private KvStateMachine store;
    private byte[][] puts;
    private int putIndex;
    private long op;

    @Setup
    public void setUp() {
        store = Stores.populated(keyCount);
        op = keyCount;
        Random random = new Random(7);
        puts = new byte[4096][];
        for (int i = 0; i < puts.length; i++) puts[i] = Stores.put(random.nextInt(keyCount), random).encode();
    }

    @Benchmark
    public Snapshot takeHandle() {
        return store.snapshot();
    }

    @Benchmark
    public byte[] takeHandleThenFirstWrite() {
        store.snapshot();
        return store.execute(++op, 0, puts[putIndex++ & (puts.length - 1)]);
    }
}
