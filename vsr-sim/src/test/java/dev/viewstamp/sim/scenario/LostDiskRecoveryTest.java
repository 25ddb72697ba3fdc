package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;

/**
 * A replica whose disk is lost rejoins through recovery with crash vectors (DESIGN 2;
 * message.Recovery), built around the lost promise of Michael, Ports et al. (DISC 2017,
 * appendix B): a replica votes for a view change, loses the vote with its state, and must not
 * then help the old view commit an op that the new view, started with its vote, would lack.
 */
class LostDiskRecoveryTest {


    @OnEachStorage
    void aReplicaThatLostItsDiskRejoinsNoLowerThanTheViewItVotedForAndItsOldVoteIsDiscarded(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        long first = 2;
        assertThat(c.runUntil(() -> client.idle() && c.allCommitted(first), 1_000)).isTrue();

        // Replicas 1 and 2 move to view 1 (primary: 1) while 0 stays normal in view 0. Replica 2's
        // vote (DoViewChange) is held back in the network: the promise it is about to lose.
        Message[] heldVote = {null};
        c.drop((to, m) -> {
            if (m instanceof DoViewChange d && d.replica() == 2 && d.view() == 1) {
                if (heldVote[0] == null) heldVote[0] = d;
                return true;
            }
            return to == 0 && m instanceof StartViewChange;
        });
        c.block(0, 2);
        c.block(0, 1);
        assertThat(c.runUntil(() -> heldVote[0] != null, 3_000)).isTrue();
        assertThat(c.replica(1).status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(c.replica(0).isPrimaryNormal()).isTrue();

        // Replica 2 loses its disk and recovers: the answers tell it of view 1, so it never goes
        // back to view 0, where 0 is still primary, and it takes a new incarnation.
        c.crashAndLoseDisk(2);
        c.clearDropRules();
        c.heal();
        c.drop((to, m) -> to == 1 && m instanceof DoViewChange d && d.replica() == 0); // keep 1 waiting
        c.restart(2);
        assertThat(c.replica(2).status()).isEqualTo(Status.RECOVERING);
        assertThat(c.runUntil(() -> c.replica(2).status() != Status.RECOVERING, 1_000)).isTrue();
        assertThat(c.replica(2).incarnation()).isEqualTo(1);
        assertThat(c.replica(2).view()).isGreaterThanOrEqualTo(1);
        assertThat(c.replica(2).logDamaged()).isTrue(); // it may lack anything until a primary's log makes it whole
        assertThat(c.replica(1).crashVector()[2]).as("replica 1 learned the new incarnation").isEqualTo(1);

        // The old incarnation's vote arrives now (as its retransmission for the view 1 is collecting
        // would). Counted, it would start that view at once with 1's own vote; it comes from an
        // incarnation replica 1 knows is gone, so 1 keeps waiting.
        assertThat(c.replica(1).status()).isEqualTo(Status.VIEW_CHANGE);
        long viewOfOne = c.replica(1).view();
        c.inject(2, 1, new DoViewChange(viewOfOne, ((DoViewChange) heldVote[0]).logView(),
                ((DoViewChange) heldVote[0]).op(), 0, ((DoViewChange) heldVote[0]).anchorOp(),
                ((DoViewChange) heldVote[0]).anchorChecksum(), ((DoViewChange) heldVote[0]).suffix(), 2));
        c.settle();
        assertThat(c.replica(1).status()).as("the vote of the lost incarnation does not count")
                .isEqualTo(Status.VIEW_CHANGE);

        // With the network whole again the cluster goes on, the committed op kept, and 2 whole.
        c.clearDropRules();
        client.submit(KvCommand.put("b", "2"));
        assertThat(c.runUntil(() -> client.idle() && c.allCommitted(first + 1), 5_000)).isTrue();
        assertThat(c.replica(2).logDamaged()).isFalse();
        long checksum = c.replica(0).checksumAt(first);
        for (int r = 0; r < 3; r++) assertThat(c.replica(r).checksumAt(first)).isEqualTo(checksum);
        c.checkAgreement();
    }
}
