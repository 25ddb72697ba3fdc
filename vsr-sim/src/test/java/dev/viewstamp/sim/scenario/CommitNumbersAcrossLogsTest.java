package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Commit numbers across logs: scripted scenarios for bugs a review found by reading the protocol core. */
class CommitNumbersAcrossLogsTest {

    /** The view a replica-to-replica message speaks for; -1 for client messages. */
    static long viewOf(Message m) {
        return switch (m) {
            case StartViewChange x -> x.view();
            case DoViewChange x -> x.view();
            case StartView x -> x.view();
            case Prepare x -> x.view();
            case Commit x -> x.view();
            case NewState x -> x.view();
            case GetState x -> x.view();
            default -> -1;
        };
    }

    /**
     * A DoViewChange's commit number may speak about a log the new view does not choose.
     *
     * <p>Replica 2 (S, log view 0) is in view change for view 4 and catches up towards view 5,
     * which already committed a different op 61 than the one replica 4 (P, log view 1) holds.
     * Installing view 5's committed entries raises S's commitMax to 64, and S's retransmitted
     * DoViewChange for view 4 carries commit 64. P, primary-elect of the stale view 4, chooses its
     * own log (log view 1 beats 0), sets commitMax to the largest DoViewChange commit (64) and
     * executes its uncommitted op 61 (before the fix: "agreement: replica 4 committed a different
     * entry at op 61"; the client also got OK for a put that no committed log holds).
     *
     * <p>View 4's third DoViewChange is a stale one, from replica 1, which voted for view 4 and
     * then moved on to view 5. P and S keep view 4 alive by the back-off they grew while cut off.
     */
    @OnEachStorage
    void staleViewPrimaryDoesNotTrustACommitNumberFromANewerView(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(5, storage);
        ScenarioCluster.Client a = c.client(); // node 5
        ScenarioCluster.Client b = c.client(); // node 6
        assertThat(c.runUntil(() -> a.idle() && b.idle(), 1_000)).isTrue();
        c.run(20);
        c.crash(2); // S: its log stays short, with log view 0
        int i = 0;
        while (c.replica(0).op() < 60) {
            a.submit(KvCommand.put("f", "v" + i++));
            assertThat(c.runUntil(a::idle, 1_000)).isTrue();
        }
        c.run(30);

        // View 1 (primary 1) with 1, 3 and 4; replica 0 stays the isolated primary of view 0.
        c.isolate(0);
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal() && c.replica(1).view() == 1, 1_000)).isTrue();
        c.run(5);

        // Primary 1 prepares op 61 (E1); only replica 4 (P) holds it durably. Then 1 and 3 crash.
        c.block(5, 0);
        c.holdWrites(1, true);
        c.drop((to, m) -> to == 3 && m instanceof Prepare);
        a.submit(KvCommand.put("k", "E1"));
        assertThat(c.runUntil(() -> c.replica(4).op() == 61, 1_000)).isTrue();
        c.run(2);
        c.crash(1);
        c.crash(3);
        c.clearDropRules();

        // S and P each go through view changes alone, and their view-change back-off grows.
        c.restart(2);
        c.isolate(2);
        c.isolate(4);
        assertThat(c.runUntil(() -> c.replica(4).view() == 4 && c.replica(2).view() == 3, 3_000)).isTrue();
        c.connect(2, 4);
        assertThat(c.runUntil(() -> c.replica(2).view() == 4, 100)).isTrue();

        // Replicas 0, 1 and 3 join view 4 (only 1's DoViewChange reaches P), then start view 5
        // without P and S.
        AtomicBoolean sMayCatchUp = new AtomicBoolean(false);
        AtomicBoolean sDoViewChangeToP = new AtomicBoolean(false);
        c.heal();
        c.block(5, 0);
        c.drop((to, m) -> (to == 2 || to == 4) && viewOf(m) >= 5 && !(m instanceof NewState) && !(m instanceof GetState)
                && !(to == 2 && sMayCatchUp.get() && (m instanceof Prepare || m instanceof Commit)));
        c.drop((to, m) -> to == 4 && m instanceof DoViewChange d && d.replica() != 1
                && !(d.replica() == 2 && sDoViewChangeToP.get()));
        c.drop((to, m) -> to == 2 && m instanceof NewState s && s.complete());
        c.drop((to, m) -> to == 4 && m instanceof GetState);
        c.run(1);
        c.restart(1);
        c.restart(3);
        assertThat(c.runUntil(() -> c.replica(0).isPrimaryNormal() && c.replica(0).view() == 5, 1_000)).isTrue();
        assertThat(c.replica(4).status()).isEqualTo(Status.VIEW_CHANGE);
        assertThat(c.replica(2).status()).isEqualTo(Status.VIEW_CHANGE);

        // View 5 commits ops 61..65 (op 61 differs from P's E1).
        for (int j = 0; j < 5; j++) {
            b.submit(KvCommand.put("g", "w" + j));
            assertThat(c.runUntil(b::idle, 200)).isTrue();
        }

        // S, still in view change for view 4, installs view 5's committed ops up to 64.
        sMayCatchUp.set(true);
        assertThat(c.runUntil(() -> c.replica(2).commitMax() >= 61, 100)).isTrue();
        assertThat(c.replica(2).view()).isEqualTo(4);
        assertThat(c.replica(2).logView()).isZero();

        // S's retransmitted DoViewChange (log view 0, commit 64) completes P's quorum for view 4.
        int resultsBefore = a.results().size();
        sDoViewChangeToP.set(true);
        c.run(60); // throws on an agreement violation
        assertThat(a.results()).as("E1 was not acknowledged by the stale view").hasSize(resultsBefore);

        // Healed, the put completes once and is visible.
        c.heal();
        assertThat(c.runUntil(a::idle, 3_000)).isTrue();
        b.submit(KvCommand.get("k"));
        assertThat(c.runUntil(b::idle, 3_000)).isTrue();
        assertThat(b.results().get(b.results().size() - 1)).isEqualTo(KvResult.value("E1"));
        c.run(500);
        c.checkAgreement();
    }

    /**
     * Same-view catch-up must not take the sender's commit number beyond the entries it sent.
     *
     * <p>Seven replicas. Replica 0 (A), primary of view 0, prepared X at op 71, held only by A and
     * replica 2 (B). Replicas 3..6 start view 3 without them and commit different ops 71..135.
     * A, still normal in view 0 (a primary has no normal timeout), learns of view 3 and installs
     * its committed ops 71..134, so A's commit number 134 now speaks about view 3's log. Replica 1
     * (R), a backup of view 0 far behind, catches up within view 0: A (not serving its view) sends
     * the committed entries 3..66, and before the fix R also took A's commit number 134, in the
     * branch that assumes both logs are prefixes of view 0's primary's log. R then fetched the
     * rest of view 0's log from B, X included, and executed X as committed (before the fix:
     * "agreement: replica 1 committed a different entry at op 71").
     */
    @OnEachStorage
    void sameViewCatchUpTakesNoCommitNumberBeyondTheEntriesItReceived(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(7, storage);
        ScenarioCluster.Client a = c.client(); // node 7
        ScenarioCluster.Client b = c.client(); // node 8
        assertThat(c.runUntil(() -> a.idle() && b.idle(), 1_000)).isTrue();
        c.run(20);
        c.crash(1); // R falls far behind
        int i = 0;
        while (c.replica(0).op() < 70) {
            a.submit(KvCommand.put("f", "v" + i++));
            assertThat(c.runUntil(a::idle, 1_000)).isTrue();
        }
        c.run(30);

        // A prepares X at op 71, held by A and B only; 3..6 are cut off from A and B.
        int[] newView = {3, 4, 5, 6};
        for (int r : newView) {
            c.block(0, r);
            c.block(r, 0);
            c.block(2, r);
            c.block(r, 2);
            c.block(7, r); // client a never reaches view 3
        }
        c.block(8, 0);
        c.block(8, 2);
        a.submit(KvCommand.put("k", "X"));
        assertThat(c.runUntil(() -> c.replica(2).op() == 71, 200)).isTrue();

        // 3..6 move on to view 3 (primary 3) and commit ops 71..135.
        assertThat(c.runUntil(() -> c.replica(3).isPrimaryNormal() && c.replica(3).view() == 3, 3_000)).isTrue();
        while (c.replica(3).commit() < 135) {
            b.submit(KvCommand.put("g", "w" + i++));
            assertThat(c.runUntil(b::idle, 2_000)).isTrue();
        }

        // R restarts as a backup of view 0 and starts catching up within view 0; its GetStates go
        // nowhere for now, and no replica of view 3 reaches it.
        AtomicInteger phase = new AtomicInteger(0);
        AtomicInteger lastGetStateTo = new AtomicInteger(-1);
        AtomicInteger newStatesFromA = new AtomicInteger(0);
        for (int r : newView) c.block(r, 1);
        c.drop((to, m) -> {
            if (m instanceof GetState g && g.replica() == 1) {
                lastGetStateTo.set(to);
                return !((phase.get() == 1 && to == 0) || (phase.get() == 2 && to == 2));
            }
            return false;
        });
        c.drop((to, m) -> to == 1 && m instanceof NewState s && s.replica() == 0 && newStatesFromA.incrementAndGet() > 1);
        c.drop((to, m) -> to == 0 && m instanceof NewState s && s.complete());
        c.restart(1);
        assertThat(c.runUntil(() -> c.replica(1).catchingUp(), 100)).isTrue();

        // Just after R asked replica 6 (A is next), A learns of view 3 and installs its committed
        // ops 71..134 while staying normal in view 0.
        assertThat(c.runUntil(() -> lastGetStateTo.get() == 6, 300)).isTrue();
        c.connect(0, 3);
        c.drop((to, m) -> to == 3 && m instanceof Prepare);
        assertThat(c.runUntil(() -> c.replica(0).commitMax() >= 134, 20)).isTrue();
        assertThat(c.replica(0).view()).isZero();

        // R installs entries 3..66 from A (committed in view 0 too); before the fix it also took
        // A's commit number 134. Then R fetches the rest of view 0's log, X included, from B.
        phase.set(1);
        assertThat(c.runUntil(() -> c.replica(1).op() >= 66, 40)).isTrue();
        phase.set(2);
        c.run(60); // throws on an agreement violation
        assertThat(c.replica(1).commit()).isLessThanOrEqualTo(70);

        c.heal();
        c.run(2_000);
        c.checkAgreement();
    }
}
