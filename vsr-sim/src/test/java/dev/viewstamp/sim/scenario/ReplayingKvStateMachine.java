package dev.viewstamp.sim.scenario;

import dev.viewstamp.core.service.StateMachine;
import dev.viewstamp.kv.KvStateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The key-value service with snapshots for tests, until the key-value store takes its own
 * (docs/CHECKPOINTS.md, step 1): it keeps every operation it executed, and its snapshot is that
 * list, which a restore executes again on an empty store. Its state is the store's, so its
 * checksum is the same as a plain {@link KvStateMachine}'s after the same operations.
 */
final class ReplayingKvStateMachine implements StateMachine {
    private record Executed(long op, long timestamp, byte[] operation) {}

    private KvStateMachine store = new KvStateMachine();
    private List<Executed> executed = new ArrayList<>();

    @Override
    public byte[] execute(long op, long timestamp, byte[] operation) {
        executed.add(new Executed(op, timestamp, operation.clone()));
        return store.execute(op, timestamp, operation);
    }

    @Override
    public long stateChecksum() {
        return store.stateChecksum();
    }

    @Override
    public Snapshot snapshot() {
        List<Executed> taken = List.copyOf(executed);
        long checksum = stateChecksum();
        return new Snapshot() {
            @Override
            public long stateChecksum() {
                return checksum;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                DataOutputStream data = new DataOutputStream(out);
                data.writeInt(taken.size());
                for (Executed e : taken) {
                    data.writeLong(e.op());
                    data.writeLong(e.timestamp());
                    data.writeInt(e.operation().length);
                    data.write(e.operation());
                }
                data.flush();
            }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int count = data.readInt();
        KvStateMachine restored = new KvStateMachine();
        List<Executed> replayed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Executed e = new Executed(data.readLong(), data.readLong(), data.readNBytes(data.readInt()));
            restored.execute(e.op(), e.timestamp(), e.operation());
            replayed.add(e);
        }
        if (data.read() != -1) throw new IOException("trailing bytes after " + count + " operations");
        store = restored;
        executed = replayed;
    }
}
