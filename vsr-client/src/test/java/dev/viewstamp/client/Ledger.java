package dev.viewstamp.client;

import dev.viewstamp.core.service.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bank ledger, the service of {@link EmbeddedLedgerTest}: a fixed pool of money, accounts opened
 * with a deposit from the pool, and transfers between accounts that never overdraw. No operation
 * creates or destroys money, so the pool plus every balance is {@link #POOL} forever; a replica
 * that executed an op twice, skipped one, or restored a wrong snapshot breaks that sum.
 *
 * <p>Operations, big-endian: {@code O account:int amount:long} opens an account with a deposit
 * from the pool; {@code T from:int to:int amount:long} transfers; {@code S} reads the total. The
 * reply is {@code OK}, {@code REFUSED} (an unknown account, an overdraft, an empty pool: nothing
 * changed), {@code MALFORMED}, or for {@code S} the pool, the sum of the balances and the account
 * count, three longs. Deterministic: the reply and the new state depend on the state and the bytes
 * only, and bad bytes are a reply, never an exception, since every replica executes them alike.
 */
final class Ledger implements StateMachine {

    static final long POOL = 1_000_000;
    private static final int SNAPSHOT_MAGIC = 0x4C454447; // "LEDG"
    private static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REFUSED = "REFUSED".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MALFORMED = "MALFORMED".getBytes(StandardCharsets.US_ASCII);

    /** Restores in this process, by every replica: the test checks that snapshots were really used. */
    static final AtomicInteger RESTORES = new AtomicInteger();

    /** Account to balance, each balance non-negative. Sorted, so that the checksum and the snapshot are canonical. */
    private TreeMap<Integer, Long> balances = new TreeMap<>();
    /** Money not yet deposited. Invariant: {@code pool + sum(balances) == POOL}. */
    private long pool = POOL;

    static byte[] open(int account, long amount) {
        return ByteBuffer.allocate(13).put((byte) 'O').putInt(account).putLong(amount).array();
    }

    static byte[] transfer(int from, int to, long amount) {
        return ByteBuffer.allocate(17).put((byte) 'T').putInt(from).putInt(to).putLong(amount).array();
    }

    static byte[] total() {
        return new byte[] {'S'};
    }

    static boolean ok(byte[] reply) {
        return java.util.Arrays.equals(reply, OK);
    }

    static boolean refused(byte[] reply) {
        return java.util.Arrays.equals(reply, REFUSED);
    }

    /** A {@code S} reply: the pool, the sum of the balances, the account count. */
    record Total(long pool, long balances, long accounts) {
        static Total decode(byte[] reply) {
            ByteBuffer b = ByteBuffer.wrap(reply);
            return new Total(b.getLong(), b.getLong(), b.getLong());
        }
    }

    @Override
    public byte[] execute(long op, long timestamp, byte[] operation) {
        ByteBuffer in = ByteBuffer.wrap(operation);
        if (!in.hasRemaining()) return MALFORMED;
        byte kind = in.get();
        return switch (kind) {
            case 'O' -> in.remaining() == 12 ? onOpen(in.getInt(), in.getLong()) : MALFORMED;
            case 'T' -> in.remaining() == 16 ? onTransfer(in.getInt(), in.getInt(), in.getLong()) : MALFORMED;
            case 'S' -> in.remaining() == 0 ? onTotal() : MALFORMED;
            default -> MALFORMED;
        };
    }

    private byte[] onOpen(int account, long amount) {
        if (balances.containsKey(account) || amount < 0 || amount > pool) return REFUSED;
        pool -= amount;
        balances.put(account, amount);
        return OK;
    }

    private byte[] onTransfer(int from, int to, long amount) {
        Long fromBalance = balances.get(from);
        Long toBalance = balances.get(to);
        if (fromBalance == null || toBalance == null || from == to || amount <= 0 || fromBalance < amount) return REFUSED;
        balances.put(from, fromBalance - amount);
        balances.put(to, toBalance + amount);
        return OK;
    }

    private byte[] onTotal() {
        long sum = 0;
        for (long balance : balances.values()) sum += balance;
        return ByteBuffer.allocate(24).putLong(pool).putLong(sum).putLong(balances.size()).array();
    }

    @Override
    public long stateChecksum() {
        return checksum(pool, balances);
    }

    /** Over the pool and the balances in account order: a function of the state alone. */
    private static long checksum(long pool, SortedMap<Integer, Long> balances) {
        long h = mix(0x9E3779B97F4A7C15L ^ pool);
        for (Map.Entry<Integer, Long> e : balances.entrySet()) h = mix(h ^ mix(((long) e.getKey() << 1) ^ mix(e.getValue())));
        return h;
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xFF51AFD7ED558CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return x ^ (x >>> 33);
    }

    /**
     * Copies the balances. That is O(accounts), which the interface asks to avoid; a ledger of
     * sixteen accounts can afford it, and a large one would share a persistent map instead.
     */
    @Override
    public Snapshot snapshot() {
        SortedMap<Integer, Long> copy = Collections.unmodifiableSortedMap(new TreeMap<>(balances));
        long poolNow = pool;
        long checksum = stateChecksum();
        return new Snapshot() {
            @Override
            public long stateChecksum() {
                return checksum;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                DataOutputStream data = new DataOutputStream(out);
                data.writeInt(SNAPSHOT_MAGIC);
                data.writeLong(poolNow);
                data.writeInt(copy.size());
                for (Map.Entry<Integer, Long> e : copy.entrySet()) {
                    data.writeInt(e.getKey());
                    data.writeLong(e.getValue());
                }
                data.writeLong(checksum);
                data.flush();
            }
        };
    }

    /** Reads the whole snapshot off to the side, checks it, and only then replaces the state. */
    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(new ByteArrayInputStream(in.readAllBytes()));
        try {
            if (data.readInt() != SNAPSHOT_MAGIC) throw new IOException("not a ledger snapshot");
            long poolRead = data.readLong();
            int count = data.readInt();
            if (count < 0) throw new IOException("negative account count " + count);
            TreeMap<Integer, Long> read = new TreeMap<>();
            long sum = poolRead;
            for (int i = 0; i < count; i++) {
                int account = data.readInt();
                long balance = data.readLong();
                if (balance < 0 || read.put(account, balance) != null) throw new IOException("bad account " + account);
                sum += balance;
            }
            if (poolRead < 0 || sum != POOL) throw new IOException("the snapshot's money is " + sum + ", not " + POOL);
            if (data.readLong() != checksum(poolRead, read)) throw new IOException("the snapshot's checksum does not match");
            if (data.read() != -1) throw new IOException("bytes after the snapshot");
            balances = read;
            pool = poolRead;
        } catch (EOFException e) {
            throw new IOException("the snapshot ends early", e);
        }
        RESTORES.incrementAndGet();
    }
}
