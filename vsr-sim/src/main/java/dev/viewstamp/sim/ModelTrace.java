package dev.viewstamp.sim;

import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run projected onto the variables of the TLA+ model (vsr-spec's {@code Viewstamp.tla}) that
 * mean the same in the code and in the model, for trace validation: each replica's status, view,
 * log view, log (the view that prepared each entry, the model's name for an entry), known-committed
 * op, catch-up target and durable op (unless a state write is in flight). A line is recorded each
 * time one replica's projection changes, and at every restart, naming the replica that stepped and
 * counting the restarts so far. vsr-spec's
 * {@code ViewstampTrace.tla} asks TLC for a behaviour of the model that passes through these lines
 * in order.
 *
 * <p>A replica that is down keeps its last projection: the model crashes and restarts a replica in
 * one step, taken at the line of the restart.
 */
public final class ModelTrace {

    /** One replica's projection. */
    public record Projection(Status status, long view, long logView, List<Long> log, long commitMax, long catchUp,
            long opDurable) {

        static Projection of(Replica r) {
            Long[] views = new Long[(int) r.op()];
            for (int op = 1; op <= r.op(); op++) views[op - 1] = r.entry(op).view();
            // The model takes a state write as durable when issued; the code, when it completes. While one is
            // in flight the two durable ops differ, and the line says -1: any.
            return new Projection(r.status(), r.view(), r.logView(), List.of(views), r.commitMax(), r.catchUpView(),
                    r.stateWriteInFlight() ? -1 : r.opDurable());
        }

        String toTla() {
            StringBuilder log = new StringBuilder("<<");
            for (int k = 0; k < this.log.size(); k++) log.append(k == 0 ? "" : ",").append(this.log.get(k));
            log.append(">>");
            return "[st |-> \"" + modelStatus(status) + "\", v |-> " + view + ", lv |-> " + logView + ", log |-> " + log
                    + ", cm |-> " + commitMax + ", cu |-> " + catchUp + ", od |-> " + opDurable + "]";
        }
    }

    /** The cluster after replica {@code replica} stepped ({@code -1} on the first line), with {@code restarts} so far. */
    public record Line(int replica, int restarts, List<Projection> replicas) {}

    private final List<Line> lines = new ArrayList<>();
    private Projection[] last;
    private int restarts;
    private int pipeline;

    /** Records the first line: the cluster as created, whose pipeline holds {@code pipeline} prepares. */
    void start(Replica[] replicas, int pipeline) {
        this.pipeline = pipeline;
        last = new Projection[replicas.length];
        for (int i = 0; i < replicas.length; i++) last[i] = Projection.of(replicas[i]);
        lines.add(new Line(-1, 0, List.of(last.clone())));
    }

    /** After replica {@code i} stepped: a line if its projection changed. */
    void observe(int i, Replica replica) {
        Projection now = Projection.of(replica);
        if (now.equals(last[i])) return;
        last[i] = now;
        lines.add(new Line(i, restarts, List.of(last.clone())));
    }

    /** Replica {@code i} restarted from its disk: always a line, so the model restarts it there. */
    void restarted(int i, Replica replica) {
        restarts++;
        last[i] = Projection.of(replica);
        lines.add(new Line(i, restarts, List.of(last.clone())));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public int replicaCount() {
        return last.length;
    }

    /** The cluster's pipelinePrepareCountMax: the model's P. */
    public int pipeline() {
        return pipeline;
    }

    public int restarts() {
        return restarts;
    }

    /** The highest view any line names (a catch-up target included). */
    public long viewMax() {
        long max = 0;
        for (Line line : lines) {
            for (Projection p : line.replicas()) max = Math.max(max, Math.max(p.view(), p.catchUp()));
        }
        return max;
    }

    /** The highest op any line's log reaches. */
    public long opMax() {
        long max = 0;
        for (Line line : lines) for (Projection p : line.replicas()) max = Math.max(max, p.log().size());
        return max;
    }

    /**
     * The trace as a TLA+ module {@code moduleName} defining {@code Trace}: a sequence of records
     * {@code [r, crashes, obs]}, {@code obs[k]} the projection of replica {@code k - 1}.
     */
    public String toTla(String moduleName, String comment) {
        StringBuilder out = new StringBuilder();
        out.append("---- MODULE ").append(moduleName).append(" ----\n").append("EXTENDS Integers, Sequences\n");
        for (String l : comment.split("\n")) out.append("\\* ").append(l).append('\n');
        out.append("Trace == <<\n");
        for (int k = 0; k < lines.size(); k++) {
            Line line = lines.get(k);
            out.append("  [r |-> ").append(line.replica()).append(", crashes |-> ").append(line.restarts())
                    .append(", obs |-> <<");
            for (int i = 0; i < line.replicas().size(); i++) {
                out.append(i == 0 ? "" : ", ").append(line.replicas().get(i).toTla());
            }
            out.append(">>]").append(k + 1 < lines.size() ? ",\n" : "\n");
        }
        out.append(">>\n====\n");
        return out.toString();
    }

    static String modelStatus(Status status) {
        return switch (status) {
            case NORMAL -> "normal";
            case VIEW_CHANGE -> "viewchange";
            case RECOVERING -> "recovering";
        };
    }

    @Override
    public String toString() {
        return lines.size() + " lines, " + restarts + " restarts, views to " + viewMax() + ", ops to " + opMax()
                + (last == null ? "" : " " + Arrays.toString(last));
    }
}
