package dev.viewstamp.sim;

import dev.viewstamp.check.Operation;
import dev.viewstamp.core.Prng;
import dev.viewstamp.core.client.ClientSession;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.KvResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated client: a {@link ClientSession} driven by a random key-value workload, recording
 * what it observed (invocation and completion ticks, results) for the linearizability checker.
 *
 * <p>The workload uses a few keys so that clients contend, and reaches every operation shape on
 * purpose: reads of missing keys, compare-and-set with right and wrong expectations, deletes of
 * absent keys, and values of exactly the largest allowed size.
 */
final class SimClient {
    private final int clientIndex;
    private final int replicaCount;
    private final Prng prng;
    private final FaultMix.Workload workload;
    private final int keyCount;
    private final int valueSizeBytesMax;
    private final List<Operation> history = new ArrayList<>();
    final Coverage coverage = new Coverage();

    private ClientSession session;
    private int generation;
    private long nextSubmitTick;
    private long rejoinTick;
    private long invokeTick;
    private KvCommand pending;
    private String pendingKey;
    private final String[] lastSeen;
    private int counter;
    boolean stopped;
    /** Requests this client may still submit (the model scope caps them; otherwise unbounded). */
    int requestsLeft = Integer.MAX_VALUE;

    SimClient(int clientIndex, int replicaCount, Prng prng, FaultMix.Workload workload, int keyCount, int valueSizeBytesMax) {
        this.clientIndex = clientIndex;
        this.replicaCount = replicaCount;
        this.prng = prng;
        this.workload = workload;
        this.keyCount = keyCount;
        this.valueSizeBytesMax = valueSizeBytesMax;
        this.lastSeen = new String[keyCount];
    }

    /** Client ids encode the client and its session generation, so they are unique and stable. */
    static long clientId(int clientIndex, int generation) {
        return (clientIndex + 1L) * 1_000_000L + generation;
    }

    static int clientIndexOf(long clientId) {
        return (int) (clientId / 1_000_000L) - 1;
    }

    long clientId() {
        return session == null ? -1 : session.clientId();
    }

    boolean busy() {
        return session != null && session.hasOutstanding();
    }

    void start(ClientSession.Sender sender) {
        session = new ClientSession(clientId(clientIndex, generation), replicaCount, 60, 600, prng.fork());
        session.register(sender);
    }

    void tick(long now, ClientSession.Sender sender) {
        if (session.evicted()) {
            if (!stopped && now >= rejoinTick) start(sender);
            return;
        }
        session.tick(sender);
        if (stopped || requestsLeft == 0 || !session.idle() || now < nextSubmitTick) return;
        requestsLeft--;
        pending = nextCommand();
        invokeTick = now;
        session.submit(pending.encode(), sender);
    }

    void onReply(long now, Reply reply, ClientSession.Sender sender) {
        ClientSession.Completion completion = session.onReply(reply);
        if (completion == null) return;
        nextSubmitTick = now + prng.between(0, workload.thinkTicksMax());
        if (completion.requestNumber() == 0) return;
        if (completion.status() == Reply.Status.TOO_LARGE) {
            // The simulator sizes its limits so that every command of the workload fits a batch.
            throw new AssertionError("client " + clientIndex + ": a " + pending + " fits no batch");
        }
        if (completion.status() == Reply.Status.EVICTED) {
            // The session is gone. The request may still have executed under the old session
            // (an earlier attempt), so its outcome is unknown. Start a new session.
            coverage.evictions++;
            recordUnknown();
            generation++;
            // Re-register after a pause: an unknown outcome stays concurrent with everything
            // after it, so churning sessions would make the history needlessly hard to check.
            rejoinTick = now + prng.between(200, 1000);
            return;
        }
        record(now, completion.result());
        pending = null;
    }

    private KvCommand nextCommand() {
        int k = prng.nextInt(keyCount);
        pendingKey = "k" + k;
        String unique = "c" + clientIndex + "." + generation + "." + (counter++);
        int choice = prng.nextInt(100);
        if (choice < 30) return KvCommand.get(pendingKey);
        if (choice < 45) return KvCommand.put(pendingKey, unique);
        if (choice < 50) return KvCommand.put(pendingKey, largestValue(unique));
        if (choice < 65) return KvCommand.append(pendingKey, "+" + unique);
        if (choice < 75) return KvCommand.delete(pendingKey);
        // Compare-and-set against the last value seen (often stale), absence, or a guess.
        String expected = switch (prng.nextInt(3)) {
            case 0 -> lastSeen[k];
            case 1 -> null;
            default -> "c" + prng.nextInt(6) + ".0." + prng.nextInt(Math.max(1, counter));
        };
        return KvCommand.compareAndSet(pendingKey, expected, unique);
    }

    private String largestValue(String unique) {
        StringBuilder value = new StringBuilder(valueSizeBytesMax).append(unique).append('/');
        while (value.length() < valueSizeBytesMax) value.append('x');
        return value.toString();
    }

    private void record(long now, byte[] resultBytes) {
        KvResult result;
        try {
            result = KvResult.decode(resultBytes);
        } catch (KvFormatException e) {
            throw new AssertionError("client " + clientIndex + ": undecodable reply: " + e.getMessage(), e);
        }
        int process = clientIndex * 1000 + generation;
        String key = pendingKey;
        switch (result) {
            case KvResult.Failure error -> coverage.errors++; // No effect on the store: not part of the history.
            case KvResult.Value value -> {
                coverage.gets++;
                String observed = value.valueUtf8();
                if (observed == null) coverage.getMissing++;
                lastSeen[keyIndex(key)] = observed;
                history.add(Operation.get(process, key, observed, invokeTick, now));
            }
            case KvResult.Ok ok -> {
                switch (pending) {
                    case KvCommand.Put put -> {
                        coverage.puts++;
                        String value = utf8(put.value());
                        if (put.value().length == valueSizeBytesMax) coverage.largestValue++;
                        history.add(Operation.put(process, key, value, invokeTick, now));
                    }
                    case KvCommand.Append append -> {
                        coverage.appends++;
                        history.add(Operation.append(process, key, utf8(append.value()), invokeTick, now));
                    }
                    default -> throw new AssertionError("Ok reply to " + pending);
                }
            }
            case KvResult.Deleted deleted -> {
                coverage.deletes++;
                if (!deleted.existed()) coverage.deleteAbsent++;
                history.add(Operation.delete(process, key, invokeTick, now));
            }
            case KvResult.CasOk casOk -> {
                coverage.cases++;
                coverage.casOk++;
                KvCommand.CompareAndSet cas = (KvCommand.CompareAndSet) pending;
                history.add(Operation.casOk(process, key, utf8(cas.expected()), utf8(cas.value()), invokeTick, now));
            }
            case KvResult.CasFailed casFailed -> {
                coverage.cases++;
                coverage.casFailed++;
                lastSeen[keyIndex(key)] = casFailed.currentUtf8();
                KvCommand.CompareAndSet cas = (KvCommand.CompareAndSet) pending;
                history.add(Operation.casFail(process, key, utf8(cas.expected()), utf8(cas.value()), invokeTick, now));
            }
        }
    }

    /** The pending request's reply never arrived (or its session was evicted): outcome unknown. */
    void recordUnknown() {
        if (pending == null) return;
        int process = clientIndex * 1000 + generation;
        String key = pendingKey;
        switch (pending) {
            case KvCommand.Get get -> { } // An unanswered read constrains nothing.
            case KvCommand.Put put -> history.add(Operation.putUnknown(process, key, utf8(put.value()), invokeTick));
            case KvCommand.Append append ->
                    history.add(Operation.appendUnknown(process, key, utf8(append.value()), invokeTick));
            case KvCommand.Delete delete -> history.add(Operation.deleteUnknown(process, key, invokeTick));
            case KvCommand.CompareAndSet cas ->
                    history.add(Operation.casUnknown(process, key, utf8(cas.expected()), utf8(cas.value()), invokeTick));
        }
        pending = null;
    }

    List<Operation> history() {
        return history;
    }

    private static int keyIndex(String key) {
        return Integer.parseInt(key.substring(1));
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
