package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stale messages (registrations, same-view NewStates): scripted scenarios for bugs a review found
 * by reading the protocol core.
 */
class StaleMessagesTest {

    /**
     * At-most-once across an eviction. Client X's append executes at op 3, but the reply is lost.
     * X's session is then evicted (the table holds two sessions). A duplicated, long-delayed copy
     * of X's old registration request reaches the primary and, finding no session, registers X
     * afresh with request number 0. X's retry of request 1 is then no longer a duplicate: it
     * executes a second time and X gets OK (before the fix: expected "a" but was "aa").
     *
     * <p>Fix: a session's base is one below the op that registers it, the register reply carries
     * it, the client numbers requests above it, and a request at or below the base gets EVICTED.
     */
    @OnEachStorage
    void aStaleRegistrationDoesNotReviveAnEvictedSession(Storage storage) {
        ScenarioCluster c = new ScenarioCluster(ClusterConfig.builder().replicaCount(3).clientTableSessionsMax(2).build(), storage);
        ScenarioCluster.Client x = c.client(); // node 3, id 1000
        assertThat(c.runUntil(x::idle, 1_000)).isTrue();
        ScenarioCluster.Client y = c.client(); // node 4, id 1001
        assertThat(c.runUntil(y::idle, 1_000)).isTrue();

        c.block(0, 3); // the primary's replies to X are lost
        x.submit(KvCommand.append("k", "a"));
        assertThat(c.runUntil(() -> c.replica(0).commit() >= 3, 100)).isTrue();
        y.submit(KvCommand.put("y", "1"));
        assertThat(c.runUntil(y::idle, 100)).isTrue();
        ScenarioCluster.Client z = c.client(); // node 5: registering evicts X, the least recently used
        assertThat(c.runUntil(z::idle, 100)).isTrue();
        assertThat(c.replica(0).clientTableEvictions()).isEqualTo(1);

        // The network delivers a stale copy of X's registration.
        c.inject(3, 0, Request.register(1000));
        c.run(5);
        c.connect(0, 3);
        assertThat(c.runUntil(() -> !x.session().hasOutstanding(), 3_000)).isTrue();
        assertThat(x.results()).as("X learns that its session was evicted; its append's outcome is unknown")
                .containsExactly(new KvResult.Failure("evicted"));

        z.submit(KvCommand.get("k"));
        assertThat(c.runUntil(z::idle, 1_000)).isTrue();
        assertThat(z.results().get(z.results().size() - 1)).as("X's append executed once")
                .isEqualTo(KvResult.value("a"));
    }

    /**
     * A delayed same-view NewState must not cut entries that are committed and executed.
     *
     * <p>Five replicas. Replicas 2, 3, 4 start view 2 and commit ops 11..150 while replica 0
     * (P, primary of view 0) and replica 1 (Q, its backup) stay in view 0. P prepares A at ops
     * 11 and 12; Q misses op 11, sees a gap at op 12 and catches up within view 0. P answers with
     * a complete NewState (fromOp 10: A11, A12), which the network delays. Q's catch-up moves on
     * to replica 2, which sends only committed entries (its log is too long for one message), and
     * Q, still normal in view 0, installs and executes view 2's ops 11..74. Then P's delayed
     * NewState arrives: the same-view branch merges every entry, cuts Q's log back to op 10 below
     * its commit number and installs A (before the fix: "invariant violated: commit <= op
     * (138, 12)", thrown by Q's invariant check).
     *
     * <p>Fix: mergeEntries never cuts an entry this replica knows to be committed.
     */
    @OnEachStorage
    void aDelayedSameViewNewStateDoesNotCutCommittedEntries(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(5, storage);
        ScenarioCluster.Client a = c.client(); // node 5
        ScenarioCluster.Client b = c.client(); // node 6
        ScenarioCluster.Client d = c.client(); // node 7
        assertThat(c.runUntil(() -> a.idle() && b.idle() && d.idle(), 1_000)).isTrue();
        int i = 0;
        while (c.replica(0).commit() < 10) {
            a.submit(KvCommand.put("f", "v" + i++));
            assertThat(c.runUntil(a::idle, 1_000)).isTrue();
        }
        c.run(30);

        // Two sides: {0, 1} stay in view 0; {2, 3, 4} start view 2 and commit ops 11..150.
        for (int r = 2; r <= 4; r++) {
            c.isolate(r);
            c.block(5, r);
            c.block(7, r);
        }
        c.block(6, 0);
        c.block(6, 1);
        for (int r = 2; r <= 4; r++) for (int s = 2; s <= 4; s++) if (r != s) c.connect(r, s);
        assertThat(c.runUntil(() -> c.replica(2).isPrimaryNormal(), 3_000)).isTrue();
        assertThat(c.replica(2).view()).isEqualTo(2);
        while (c.replica(2).commit() < 150) {
            b.submit(KvCommand.put("g", "w" + i++));
            assertThat(c.runUntil(b::idle, 1_000)).isTrue();
        }
        c.run(30);

        // Q hears only GetState answers from view 2's side (no view-2 message tells it of view 2).
        c.drop((to, m) -> to == 1 && m instanceof Commit x && x.view() == 2);
        c.drop((to, m) -> to == 1 && m instanceof Prepare x && x.view() == 2);
        c.drop((to, m) -> to == 1 && (m instanceof StartViewChange || m instanceof DoViewChange || m instanceof StartView));
        c.drop((to, m) -> to >= 2 && to <= 4 && !(m instanceof GetState) && !(m instanceof Request));
        c.drop((to, m) -> to == 1 && m instanceof NewState s && s.replica() >= 2 && s.complete());
        for (int r = 2; r <= 4; r++) c.connect(1, r);

        // P prepares A11 (not to Q) and A12; Q sees a gap and asks P, whose answer is delayed.
        AtomicReference<NewState> delayed = new AtomicReference<>();
        c.drop((to, m) -> to == 1 && m instanceof Prepare p && p.entry().op() == 11);
        AtomicBoolean holdingFromP = new AtomicBoolean(true);
        c.drop((to, m) -> to == 1 && m instanceof NewState s && s.replica() == 0 && holdingFromP.get()
                && (delayed.compareAndSet(null, s) || true));
        a.submit(KvCommand.put("k", "A11"));
        c.run(1);
        d.submit(KvCommand.put("k", "A12"));
        assertThat(c.runUntil(() -> delayed.get() != null, 100)).isTrue();
        assertThat(delayed.get().fromOp()).isEqualTo(10);
        assertThat(delayed.get().complete()).isTrue();

        // Q's catch-up moves on to replica 2 and installs view 2's committed ops.
        assertThat(c.runUntil(() -> c.replica(1).commit() >= 74, 200)).isTrue();
        assertThat(c.replica(1).view()).isZero();

        // P's NewState arrives late (throws on an invariant or agreement violation before the fix).
        holdingFromP.set(false);
        c.inject(0, 1, delayed.get());
        c.run(5);
        assertThat(c.replica(1).commit()).isGreaterThanOrEqualTo(74);

        c.heal();
        assertThat(c.runUntil(() -> a.idle() && d.idle(), 5_000)).isTrue();
        c.run(500);
        c.checkAgreement();
    }
}
