package dev.viewstamp.core.replica;

/**
 * One sub-protocol of a {@link Replica}: it works on the replica's shared {@link ProtocolState} and
 * calls the others by name where the protocol crosses from one to another.
 */
abstract class SubProtocol {
    final ProtocolState s;
    NormalOperation normal;
    ViewChange viewChange;
    StateTransfer transfer;
    JournalRepair repairs;
    LostDiskRecovery recovery;
    Incarnations incarnations;
    Checkpoints checkpoints;
    StateSync sync;

    SubProtocol(ProtocolState s) {
        this.s = s;
    }

    /** Gives each sub-protocol the others, once all exist. */
    static void wire(NormalOperation normal, ViewChange viewChange, StateTransfer transfer, JournalRepair repairs,
            LostDiskRecovery recovery, Incarnations incarnations, Checkpoints checkpoints, StateSync sync) {
        for (SubProtocol p : new SubProtocol[] {normal, viewChange, transfer, repairs, recovery, incarnations,
                checkpoints, sync}) {
            p.normal = normal;
            p.viewChange = viewChange;
            p.transfer = transfer;
            p.repairs = repairs;
            p.recovery = recovery;
            p.incarnations = incarnations;
            p.checkpoints = checkpoints;
            p.sync = sync;
        }
    }
}
