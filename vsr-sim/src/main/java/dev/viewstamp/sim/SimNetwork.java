package dev.viewstamp.sim;

import dev.viewstamp.core.Prng;
import dev.viewstamp.core.message.Message;
import java.util.PriorityQueue;

/**
 * The simulated network: every message is a packet with a delivery tick, drawn from the fault
 * mix. Loss, duplication, delay spread (and with it reordering) and partitions are all decided by
 * the seed's generator. Nodes are replicas {@code 0..n-1} and clients {@code n..}.
 *
 * <p>Partitions are a matrix of blocked links, so they can be one-way: {@code blocked[a][b]}
 * drops what a sends to b and nothing else.
 */
final class SimNetwork {

    record Packet(long deliverTick, long sequence, int from, int to, Message message) {}

    private final Prng prng;
    private final FaultMix mix;
    private final boolean[][] blocked;
    private final PriorityQueue<Packet> inFlight = new PriorityQueue<>(
            (a, b) -> a.deliverTick != b.deliverTick ? Long.compare(a.deliverTick, b.deliverTick)
                    : Long.compare(a.sequence, b.sequence));
    private long sequence;
    private boolean healed;
    long sentCount;
    long droppedCount;

    SimNetwork(Prng prng, FaultMix mix, int nodeCount) {
        this.prng = prng;
        this.mix = mix;
        this.blocked = new boolean[nodeCount][nodeCount];
    }

    /** Queues a message; returns the reason it was dropped, or null. */
    String send(long now, int from, int to, Message message) {
        sentCount++;
        if (blocked[from][to]) {
            droppedCount++;
            return "partition";
        }
        if (!healed && prng.chance(mix.lossProbability())) {
            droppedCount++;
            return "loss";
        }
        inFlight.add(new Packet(now + delay(), sequence++, from, to, message));
        if (!healed && prng.chance(mix.duplicateProbability())) {
            inFlight.add(new Packet(now + delay(), sequence++, from, to, message));
        }
        return null;
    }

    private long delay() {
        return healed ? mix.delayTicksMin() : prng.between(mix.delayTicksMin(), mix.delayTicksMax());
    }

    /** The next packet due at or before {@code now}, or null. */
    Packet poll(long now) {
        Packet next = inFlight.peek();
        if (next == null || next.deliverTick > now) return null;
        return inFlight.poll();
    }

    boolean blocked(int from, int to) {
        return blocked[from][to];
    }

    void block(int from, int to) {
        blocked[from][to] = true;
    }

    void unblockAll() {
        for (boolean[] row : blocked) java.util.Arrays.fill(row, false);
    }

    /** From now on: no loss, no duplication, minimum delay, no partitions (the liveness phase). */
    void heal() {
        healed = true;
        unblockAll();
    }
}
