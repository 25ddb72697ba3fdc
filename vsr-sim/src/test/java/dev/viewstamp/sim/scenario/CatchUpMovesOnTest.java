package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Review of every place where a commit number meets a log change: scripted scenarios for what the
 * review found.
 */
class CatchUpMovesOnTest {

    /** Commits one put and waits for its reply. */
    private static void put(ScenarioCluster c, ScenarioCluster.Client client, int i) {
        client.submit(KvCommand.put("k", "v" + i));
        assertThat(c.runUntil(client::idle, 1_000)).as("put %d completes", i).isTrue();
    }

    /**
     * A catch-up answer that brings nothing usable must not be asked for again at once.
     *
     * <p>Three replicas, pipeline 8. Replica 1 (R) crashes at op 5; replicas 0 and 2 commit up to
     * op 16; replica 2 (Y) crashes; replica 0, alone, prepares ops 17..20 and crashes. All three
     * restart. Replica 0, a restarted primary, moves to view 1; R joins it and, as view 1's
     * primary-elect, chooses replica 0's log (anchor 12, by fact 2), which it lacks, so it catches
     * up. Replica 0's first answer is lost, and R's retransmission asks Y, still normal in view 0
     * (its view-change messages are lost) and so serving its view: Y answers with its whole log,
     * 1..16, but knows only ops up to 8 committed (fact 2 after its restart). R installs 1..8 and,
     * because the answer had entries, asks Y again at once, from op 8. Y answers with 9..16 again,
     * none of them committed as far as Y knows, so R installs nothing, and asks again at once: the
     * two replicas exchange GetState and NewState for ever without time passing (before a fix:
     * "scenario: messages keep flowing without time passing"). On a real network the retransmission
     * timer is re-armed by every request, so R never moves on to replica 0, which has what R needs.
     */
    @OnEachStorage
    void aCatchUpAnswerWithNothingCommittedBeyondTheRequestIsNotAskedForAgainAtOnce(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = c.client();
        ScenarioCluster.Client[] lone = {c.client(), c.client(), c.client(), c.client()}; // nodes 4..7
        assertThat(c.runUntil(() -> client.idle() && java.util.Arrays.stream(lone).allMatch(ScenarioCluster.Client::idle),
                1_000)).isTrue();
        int i = 0;
        while (c.replica(0).op() < 5) put(c, client, i++);
        assertThat(c.runUntil(() -> c.allCommitted(5), 500)).isTrue();

        c.crash(1); // R stays behind at op 5
        while (c.replica(0).op() < 16) put(c, client, i++);
        assertThat(c.runUntil(() -> c.replica(2).op() == 16 && c.replica(0).commit() == 16, 500)).isTrue();
        c.crash(2); // Y: its log ends at op 16
        for (ScenarioCluster.Client x : lone) {
            x.submit(KvCommand.put("lone", "v" + i++)); // prepared by replica 0 alone, never committed
            c.run(1);
        }
        assertThat(c.replica(0).op()).isEqualTo(20);
        assertThat(c.replica(0).commit()).isEqualTo(16);
        c.crash(0);
        for (int node = 3; node <= 7; node++) for (int r = 0; r < 3; r++) c.block(node, r);

        // Y hears nothing of view 1, and replica 0's first answer to R is lost.
        c.drop((to, m) -> to == 2 && (m instanceof StartViewChange || m instanceof DoViewChange || m instanceof StartView));
        AtomicInteger newStatesFrom0 = new AtomicInteger();
        c.drop((to, m) -> to == 1 && m instanceof NewState s && s.replica() == 0 && newStatesFrom0.incrementAndGet() == 1);
        c.restart(0);
        c.restart(1);
        c.restart(2);
        assertThat(c.replica(0).status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(c.replica(2).commitMax()).as("Y knows only what fact 2 proves").isEqualTo(8);

        // View 1 starts once R has caught up from replica 0 (throws while R and Y exchange state for ever).
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal() && c.replica(1).view() == 1, 1_000)).isTrue();
        assertThat(c.replica(1).op()).isEqualTo(20);
        c.checkAgreement();
    }
}
