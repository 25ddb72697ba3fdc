package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.GetSyncChunk;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.message.SyncOffer;
import java.util.PriorityQueue;

/**
 * The simulated network: every message is a packet with a delivery tick, drawn from the fault
 * mix. Loss, duplication, delay spread (and with it reordering) and partitions are all decided by
 * the seed's generator. Nodes are replicas {@code 0..n-1} and clients {@code n..}.
 *
 * <p>Partitions are a matrix of blocked links, so they can be one-way: {@code blocked[a][b]}
 * drops what a sends to b and nothing else. A second matrix holds a long isolation of one replica
 * from the others ({@link #isolate}), which outlasts the partitions that come and go meanwhile.
 *
 * <p>Selective loss drops only some kinds of message to one node for a while ({@link #dropKind}),
 * as the scripted scenarios do: a replica that never hears StartViewChange but still hears
 * Commit stays in its old view while the others move on, which plain loss rarely arranges.
 */
final class SimNetwork {

    /**
     * Packets in flight at most; more are lost as congestion. A bound the real network has too,
     * and one that keeps a message storm (a planted bug's request loop that duplication keeps
     * multiplying) from making one seed run for minutes.
     */
    static final int IN_FLIGHT_MAX = 5_000;

    record Packet(long sendTick, long deliverTick, long sequence, int from, int to, Message message) {}

    /** Message kinds for selective loss; a complete NewState is a kind of its own. */
    enum Kind {
        REQUEST, REPLY, PREPARE, PREPARE_OK, COMMIT, START_VIEW_CHANGE, DO_VIEW_CHANGE, START_VIEW, GET_STATE,
        NEW_STATE_PARTIAL, NEW_STATE_COMPLETE, GET_ENTRIES, ENTRIES, RECOVERY, RECOVERY_RESPONSE;

        static Kind of(Message message) {
            return switch (message) {
                case Request m -> REQUEST;
                case Reply m -> REPLY;
                case Prepare m -> PREPARE;
                case PrepareOk m -> PREPARE_OK;
                case Commit m -> COMMIT;
                case StartViewChange m -> START_VIEW_CHANGE;
                case DoViewChange m -> DO_VIEW_CHANGE;
                case StartView m -> START_VIEW;
                case GetState m -> GET_STATE;
                case NewState m -> m.complete() ? NEW_STATE_COMPLETE : NEW_STATE_PARTIAL;
                case GetEntries m -> GET_ENTRIES;
                case Entries m -> ENTRIES;
                case Recovery m -> RECOVERY;
                case RecoveryResponse m -> RECOVERY_RESPONSE;
                // State sync is state transfer: it shares its kinds, so selective loss reaches it.
                case GetSyncChunk m -> GET_STATE;
                case SyncOffer m -> NEW_STATE_PARTIAL;
                case SyncChunk m -> NEW_STATE_PARTIAL;
            };
        }
    }

    private final Prng prng;
    private final FaultMix.Network faults;
    private final boolean[][] blocked;
    private final boolean[][] isolated;
    /** {@code dropUntil[node][kind]}: messages of that kind to that node are lost before this tick. */
    private final long[][] dropUntil;
    private final PriorityQueue<Packet> inFlight = new PriorityQueue<>(
            (a, b) -> a.deliverTick != b.deliverTick ? Long.compare(a.deliverTick, b.deliverTick)
                    : Long.compare(a.sequence, b.sequence));
    private long sequence;
    private boolean healed;
    /** Directed fault: a message held back for thousands of ticks (off unless {@link #longDelays}). */
    private double longDelayProbability;
    private Prng longDelayPrng;
    long longDelayCount;

    SimNetwork(Prng prng, FaultMix.Network faults, int nodeCount) {
        this.prng = prng;
        this.faults = faults;
        this.blocked = new boolean[nodeCount][nodeCount];
        this.isolated = new boolean[nodeCount][nodeCount];
        this.dropUntil = new long[nodeCount][Kind.values().length];
    }

    /** Queues a message; returns the reason it was dropped, or null. */
    String send(long now, int from, int to, Message message) {
        if (blocked(from, to)) {
            return "partition";
        }
        if (now < dropUntil[to][Kind.of(message).ordinal()]) {
            return "selective";
        }
        if (inFlight.size() >= IN_FLIGHT_MAX) {
            return "congestion";
        }
        if (!healed && prng.chance(faults.lossProbability())) {
            return "loss";
        }
        long deliverTick = now + delay();
        if (!healed && longDelayProbability > 0 && longDelayPrng.chance(longDelayProbability)) {
            deliverTick += longDelayPrng.between(1_000, 5_000);
            longDelayCount++;
        }
        inFlight.add(new Packet(now, deliverTick, sequence++, from, to, message));
        if (!healed && prng.chance(faults.duplicateProbability())) {
            inFlight.add(new Packet(now, now + delay(), sequence++, from, to, message));
        }
        return null;
    }

    /** Holds back a share {@code probability} of messages for 1,000 to 5,000 ticks, drawn from {@code prng}. */
    void longDelays(double probability, Prng prng) {
        longDelayProbability = probability;
        longDelayPrng = prng;
    }

    private long delay() {
        return healed ? faults.delayTicksMin() : prng.between(faults.delayTicksMin(), faults.delayTicksMax());
    }

    /** The next packet due at or before {@code now}, or null. */
    Packet poll(long now) {
        Packet next = inFlight.peek();
        if (next == null || next.deliverTick > now) return null;
        return inFlight.poll();
    }

    boolean blocked(int from, int to) {
        return blocked[from][to] || isolated[from][to];
    }

    void block(int from, int to) {
        blocked[from][to] = true;
    }

    /** Blocks both directions between {@code a} and {@code b}. */
    void cut(int a, int b) {
        blocked[a][b] = true;
        blocked[b][a] = true;
    }

    /**
     * Blocks both ways between the replicas {@code r} with {@code side[r]} true and the others,
     * except replica {@code bridge} (or -1), which reaches both sides.
     */
    void cutSides(boolean[] side, int bridge) {
        for (int a = 0; a < side.length; a++) {
            for (int b = 0; b < side.length; b++) {
                if (a != bridge && b != bridge && side[a] != side[b]) block(a, b);
            }
        }
    }

    /** Cuts {@code node} off from nodes {@code 0..replicaCount-1} until {@link #endIsolation}. */
    void isolate(int node, int replicaCount) {
        for (int n = 0; n < replicaCount; n++) {
            if (n == node) continue;
            isolated[node][n] = true;
            isolated[n][node] = true;
        }
    }

    void endIsolation() {
        for (boolean[] row : isolated) java.util.Arrays.fill(row, false);
    }

    /**
     * Node {@code node} joins the side of node {@code side}: from now on it reaches, and is
     * reached by, whom that node is (in the partition and the isolation alike), and the two reach
     * each other.
     */
    void joinSide(int node, int side) {
        for (boolean[][] links : new boolean[][][] {blocked, isolated}) {
            for (int n = 0; n < links.length; n++) {
                if (n == node || n == side) continue;
                links[node][n] = links[side][n];
                links[n][node] = links[n][side];
            }
            links[node][side] = false;
            links[side][node] = false;
        }
    }

    /** Loses every message of {@code kind} sent to {@code node} until {@code untilTick}. */
    void dropKind(int node, Kind kind, long untilTick) {
        dropUntil[node][kind.ordinal()] = Math.max(dropUntil[node][kind.ordinal()], untilTick);
    }

    void unblockAll() {
        for (boolean[] row : blocked) java.util.Arrays.fill(row, false);
    }

    /** From now on: no loss, no duplication, minimum delay, no partitions (the liveness phase). */
    void heal() {
        healed = true;
        unblockAll();
        endIsolation();
        for (long[] row : dropUntil) java.util.Arrays.fill(row, 0);
    }
}
