package dev.viewstamp.client;

import dev.viewstamp.runtime.NodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Waits for replicas in this process to agree: the tests' end-of-run check. */
final class Convergence {

    private Convergence() {}

    /**
     * Waits until every status {@code statuses} gives has the same commit, at least
     * {@code commitMin}, and the same state checksum; fails with the last statuses after {@code timeout}.
     */
    static List<NodeStatus> await(Supplier<List<NodeStatus>> statuses, long commitMin, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<NodeStatus> now = statuses.get();
            NodeStatus first = now.get(0);
            if (first.commit() >= commitMin && now.stream()
                    .allMatch(s -> s.commit() == first.commit() && s.stateChecksum() == first.stateChecksum())) {
                return now;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no convergence within " + timeout + ": " + now);
            Thread.sleep(20); // polling replicas on real threads: there is no simulated time here
        }
    }
}
