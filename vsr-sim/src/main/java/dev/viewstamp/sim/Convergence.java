package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;

/**
 * The goal of the liveness phase: once every fault has healed, all replicas are up and normal in
 * one view, with equal op, commit and state, every checkpoint they took durable (its log compacted),
 * and no client waits for a reply. Equal op and commit with a different state is a safety failure,
 * not a slow convergence.
 */
final class Convergence {

    private Convergence() {}

    /** Whether the cluster has converged; throws when converged replicas hold different states. */
    static boolean reached(Replica[] replicas, SimClient[] clients) {
        for (SimClient client : clients) if (client.busy()) return false;
        Replica first = replicas[0];
        if (first == null) return false;
        for (Replica r : replicas) {
            if (r == null || r.status() != Status.NORMAL || r.view() != first.view() || r.op() != first.op()
                    || r.commit() != r.op() || r.commit() != first.commit() || !checkpointDurable(r)) {
                return false;
            }
        }
        for (Replica r : replicas) {
            if (r.stateChecksum() != first.stateChecksum()) {
                throw new AssertionError("convergence: replica " + r.replicaIndex() + " state differs at commit "
                        + r.commit());
            }
        }
        return true;
    }

    /** Whether the newest checkpoint {@code r} took (or installed) is durable, so its log is compacted to it. */
    private static boolean checkpointDurable(Replica r) {
        return r.checkpoint() == null || r.checkpointDurable() != null && r.checkpointDurable().op() == r.checkpoint().op();
    }

    /** Where each replica (null: down) and each waiting client is, for a liveness failure. */
    static String describe(Replica[] replicas, SimClient[] clients) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < replicas.length; i++) {
            if (i > 0) s.append("; ");
            s.append(replicas[i] == null ? "replica " + i + " down" : replicas[i].toString());
            if (replicas[i] != null && !checkpointDurable(replicas[i])) {
                s.append(" checkpoint ").append(replicas[i].checkpoint().op()).append(" not durable");
            }
        }
        for (SimClient client : clients) {
            if (client.busy()) s.append("; client ").append(client.clientId()).append(" waiting");
        }
        return s.toString();
    }
}
