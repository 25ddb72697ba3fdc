package dev.viewstamp.core.replica;

import dev.viewstamp.core.message.Entry;
import java.util.List;

/** Builds a {@link Replica.Durable} ({@link Replica.Durable#builder}); {@link #build} checks the components together. */
public final class DurableBuilder {
    private long view;
    private long logView;
    private List<Entry> log = List.of();
    private Replica.Damage damage;
    private long[] crashVector;
    private boolean recovering;
    private long commitMax;
    private long commitChecksum;
    private int pipelinePrepareCountMax = Replica.Durable.PIPELINE_UNRECORDED;
    private Checkpoint checkpoint;
    private boolean checkpointLost;

    DurableBuilder() {}

    /** The view the replica last voted for or entered, and the view of its log. */
    public DurableBuilder views(long view, long logView) {
        this.view = view;
        this.logView = logView;
        return this;
    }

    /** The intact log (after the checkpoint, if any). */
    public DurableBuilder log(List<Entry> log) {
        this.log = log;
        return this;
    }

    /** The damaged log, instead of an intact one; null for none. */
    public DurableBuilder damage(Replica.Damage damage) {
        this.damage = damage;
        return this;
    }

    public DurableBuilder crashVector(long[] crashVector) {
        this.crashVector = crashVector;
        return this;
    }

    /** The disk was lost or formatted for recovery: the replica recovers from the cluster. */
    public DurableBuilder recovering() {
        this.recovering = true;
        return this;
    }

    /** The last write's claim: ops up to {@code commitMax} are committed, in the chain whose entry there has {@code commitChecksum}. */
    public DurableBuilder commit(long commitMax, long commitChecksum) {
        this.commitMax = commitMax;
        this.commitChecksum = commitChecksum;
        return this;
    }

    public DurableBuilder pipelinePrepareCountMax(int pipelinePrepareCountMax) {
        this.pipelinePrepareCountMax = pipelinePrepareCountMax;
        return this;
    }

    /** The newest durable checkpoint, whose snapshot the driver restored the service from; null for none. */
    public DurableBuilder checkpoint(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        return this;
    }

    /** The superblock names {@code named}, but its file is missing or damaged: the state is fetched from a peer. */
    public DurableBuilder checkpointLost(Checkpoint named) {
        this.checkpoint = named;
        this.checkpointLost = true;
        return this;
    }

    public Replica.Durable build() {
        return new Replica.Durable(view, logView, log, damage, crashVector, recovering, commitMax, commitChecksum,
                pipelinePrepareCountMax, checkpoint, checkpointLost);
    }
}
