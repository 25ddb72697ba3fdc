package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Output;
import dev.viewstamp.core.replica.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulator keeps for one replica besides the replica itself (which a crash replaces):
 * its disk and the port its outputs go through, and the faults and observations that concern it.
 */
final class SimReplica {
    final SimReplicaDisk disk;
    final Output output;
    /** A crashed replica restarts at this tick. */
    long downUntil;
    /** The tick it last restarted: what was sent to it before is lost with its connections. */
    long restartTick;
    /** Its disk completes no write before this tick. */
    long diskStallUntil;
    /** The tick space returns to its full disk, or 0. */
    long diskFullUntil;
    /** A crash scheduled (after a transition, or around a resume), or 0. */
    long crashAt;
    /** A crash planned for when its disk gets space back and resumes. */
    boolean crashOnResume;
    /** While paused it completes nothing and hears nothing before this tick; what is sent to it waits here. */
    long pausedUntil;
    final List<SimNetwork.Packet> backlog = new ArrayList<>();
    // Its state as last traced, and its status, view and catching-up as last observed, to see them change.
    String lastState;
    Status lastStatus;
    long lastView;
    boolean lastCatchingUp;

    SimReplica(SimReplicaDisk disk, Output output) {
        this.disk = disk;
        this.output = output;
    }
}
