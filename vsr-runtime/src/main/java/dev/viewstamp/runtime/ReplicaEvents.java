package dev.viewstamp.runtime;

import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import org.slf4j.Logger;

/**
 * One log line per notable change of a replica, found by comparing what it shows after each event
 * with what it showed before (as the simulator's trace does): a view change and the view it
 * entered, catching up by state transfer, a durable checkpoint, a state sync installed, a damaged
 * journal and its repair. Runs on the replica's thread, after every message, tick and completion;
 * it reads a few fields, so it costs nothing worth counting.
 */
final class ReplicaEvents {
    private final Replica replica;
    private final Logger log;
    private final NodeMetrics metrics;
    private long commit;
    private Status status;
    private long view;
    private boolean catchingUp;
    private long checkpointOp;
    private long syncCount;
    private boolean damaged;
    /** The view last seen, for the log lines of other threads (peers up and down). */
    private volatile long viewSeen;

    /** Logs {@code replica}'s notable changes to {@code log}, and counts commits, view changes and syncs for {@code metrics}. */
    ReplicaEvents(Replica replica, Logger log, NodeMetrics metrics) {
        this.replica = replica;
        this.log = log;
        this.metrics = metrics;
        this.commit = replica.commit();
        this.status = replica.status();
        this.view = replica.view();
        this.viewSeen = view;
        this.catchingUp = replica.catchingUp();
        this.checkpointOp = checkpointOp(replica);
        this.syncCount = replica.syncCount();
        this.damaged = replica.logDamaged();
    }

    long viewSeen() {
        return viewSeen;
    }

    void observe() {
        int i = replica.replicaIndex();
        long commitNow = replica.commit();
        if (commitNow > commit) {
            metrics.onCommitted(commitNow - commit);
            commit = commitNow;
        }
        if (replica.view() > view) metrics.onViewChange();
        if (replica.status() != status || replica.view() != view) {
            switch (replica.status()) {
                case VIEW_CHANGE -> log.info("replica {} view {}: view change (was {} in view {})", i, replica.view(),
                        status, view);
                case NORMAL -> log.info("replica {} view {}: normal, {} (op {}, commit {})", i, replica.view(),
                        replica.isPrimaryNormal() ? "primary" : "backup", replica.op(), replica.commit());
                case RECOVERING -> log.info("replica {} view {}: recovering from the cluster", i, replica.view());
            }
            status = replica.status();
            view = replica.view();
            viewSeen = view;
        }
        if (replica.catchingUp() != catchingUp) {
            catchingUp = replica.catchingUp();
            if (catchingUp) {
                log.info("replica {} view {}: catching up by state transfer (op {}, commit {})", i, view, replica.op(),
                        replica.commit());
            } else {
                log.info("replica {} view {}: caught up (op {}, commit {})", i, view, replica.op(), replica.commit());
            }
        }
        long checkpoint = checkpointOp(replica);
        if (replica.syncCount() != syncCount) {
            syncCount = replica.syncCount();
            metrics.onSyncInstalled();
            log.info("replica {} view {}: state sync installed the checkpoint at op {} fetched from a peer", i, view,
                    checkpoint);
        } else if (checkpoint != checkpointOp) {
            log.info("replica {} view {}: checkpoint at op {} durable, log compacted to it", i, view, checkpoint);
        }
        checkpointOp = checkpoint;
        if (replica.logDamaged() != damaged) {
            damaged = replica.logDamaged();
            if (damaged) {
                log.warn("replica {} view {}: journal damaged, ops up to {} may be lost: repairing from peers", i, view,
                        replica.damagedOpMax());
            } else {
                log.info("replica {} view {}: journal repaired ({} entries fetched from peers)", i, view,
                        replica.repairedEntryCount());
            }
        }
    }

    private static long checkpointOp(Replica replica) {
        return replica.checkpointDurable() == null ? 0 : replica.checkpointDurable().op();
    }
}
