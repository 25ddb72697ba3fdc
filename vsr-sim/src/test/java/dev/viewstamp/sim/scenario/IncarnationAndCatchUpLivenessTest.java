package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Liveness after an unfinished recovery and in catch-up: scripted scenarios for bugs a review found. */
class IncarnationAndCatchUpLivenessTest {

    /**
     * A backup whose incarnation the primary knows higher than the backup itself does is ignored
     * for good in normal operation.
     *
     * <p>Seven replicas. Replica 6 (R) loses its disk three times; as in
     * {@link RecoveryIncarnationReuseTest}, its finished recovery takes incarnation 1 while
     * replica 1 learned incarnation 2 from an attempt cut short. R becomes whole in view 0. Then
     * view 1 starts with replica 1 as its primary, which knows R as incarnation 2; every
     * StartViewChange and DoViewChange to R is lost, so R never hears of incarnation 2, and it
     * joins view 1 through the StartView (which carries no crash vector). From then on every
     * PrepareOk of R (incarnation 1) is discarded by the primary as coming from an older
     * incarnation, and in normal status nothing tells R otherwise: Prepare, Commit, StartView and
     * NewState carry no crash vector. With three replicas down (f = 3) the four that are up and
     * connected need R's acknowledgement, so no request ever commits, and no one times out
     * either (the primary's Commit heartbeats keep every backup in view 1).
     */
    @OnEachStorage
    void aBackupThatMissedItsOwnHigherIncarnationStillCountsTowardsAQuorum(Storage storage) {
        final int r = 6;
        ScenarioCluster c = ScenarioCluster.of(7, storage);
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        assertThat(c.runUntil(() -> client.idle() && c.allCommitted(2), 1_000)).isTrue();

        // Attempt A: takes incarnation 1; only replica 0 hears the announcing round; then it crashes.
        c.crashAndLoseDisk(r);
        c.drop((to, m) -> m instanceof Recovery rec && rec.crashVector()[r] == 1 && to != 0);
        c.drop((to, m) -> to == r && m instanceof RecoveryResponse resp && resp.crashVector()[r] == 1);
        c.restart(r);
        assertThat(c.runUntil(() -> c.replica(0).crashVector()[r] == 1, 200)).isTrue();
        c.run(5);
        assertThat(c.replica(r).status()).isEqualTo(Status.RECOVERING);
        c.crashAndLoseDisk(r);
        c.clearDropRules();

        // Attempt B: its first round reaches replica 0, so it takes 2; only replica 1 hears it.
        c.drop((to, m) -> m instanceof Recovery rec && rec.crashVector()[r] == 2 && to != 1);
        c.drop((to, m) -> to == r && m instanceof RecoveryResponse resp && resp.crashVector()[r] == 2);
        c.restart(r);
        assertThat(c.runUntil(() -> c.replica(1).crashVector()[r] == 2, 200)).isTrue();
        c.run(5);
        assertThat(c.replica(r).status()).isEqualTo(Status.RECOVERING);
        c.crashAndLoseDisk(r);
        c.clearDropRules();

        // Attempt C: replicas 0 and 1 are unreachable for a while; 2..5 answer both rounds.
        c.isolate(0);
        c.isolate(1);
        c.connect(0, 1);
        for (int x = 2; x < 7; x++) {
            c.connect(0, x);
            c.connect(1, x);
        }
        c.isolate(r);
        for (int x = 2; x < 6; x++) c.connect(r, x);
        c.restart(r);
        assertThat(c.runUntil(() -> c.replica(r).status() != Status.RECOVERING, 200)).isTrue();
        // Before the fix R took incarnation 1 here; now the replicas that answer it may have
        // learned 1 from replica 0's Commits, and R takes 2. Either way the ending must be live.
        c.heal();

        // R is made whole by view 0's primary (which knows it as incarnation 1) and acknowledges.
        assertThat(c.runUntil(() -> !c.replica(r).logDamaged(), 2_000)).isTrue();
        client.submit(KvCommand.put("b", "2"));
        assertThat(c.runUntil(() -> client.idle() && c.allCommitted(3), 2_000)).isTrue();

        // View 1 (primary 1) starts without replica 0; no StartViewChange or DoViewChange reaches R.
        c.drop((to, m) -> to == r && (m instanceof StartViewChange || m instanceof DoViewChange));
        c.isolate(0);
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal() && c.replica(r).status() == Status.NORMAL
                && c.replica(r).view() == 1, 3_000)).isTrue();
        assertThat(c.replica(1).crashVector()[r]).as("view 1's primary knows R as incarnation 2 or later")
                .isGreaterThanOrEqualTo(2);
        c.clearDropRules();

        // Three replicas down (f = 3): replicas 1, 4, 5 and R are up and connected, a quorum.
        c.crash(0);
        c.crash(2);
        c.crash(3);
        c.run(50);
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("c", "3"));
        assertThat(c.runUntil(client::idle, 20_000))
                .as("a quorum of four is up and connected, yet the put never commits").isTrue();
        c.checkAgreement();
    }

    /**
     * A catch-up that gets an answer it cannot use asks the same replica again at once, for ever.
     *
     * <p>Three replicas. Replica 0 (R) stays the primary of view 0, cut off from replica 1, and
     * prepares op k+1 that no one else holds. Replicas 1 and 2 (D) start view 1 and commit k+1'
     * and k+2'. D crashes and its journal comes back broken after op k, with redundant headers
     * up to k+2' (it acknowledged them): it is damaged, and only the whole log of view 1's primary
     * (or a newer view's log) can make it whole, so it catches up from replica 1. That one
     * GetState is lost; the retransmission timer moves D on to R, which serves its view 0 and
     * answers with a complete NewState holding its uncommitted op k+1. D can use none of it (only
     * the committed prefix of another view's answer is merged, here nothing), yet onNewState asks
     * again because the answer carried entries, and requestState restarts the retransmission
     * timer. So D and R exchange GetState and NewState without end and D never asks replica 1
     * again: in the scenario cluster the exchange never lets time pass ("messages keep flowing
     * without time passing"); with network latency it is a storm at the speed of the network that
     * keeps the timer from ever firing. D stays damaged and never acknowledges (a damaged replica
     * appends no prepares), replica 1's Commits keep D's normal timeout from firing, and view 1,
     * which needs D, never commits again, though every link but 0-1 is whole.
     */
    @OnEachStorage
    void aCatchUpThatGetsNothingUsableMovesOnInsteadOfAskingTheSameReplicaForEver(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client a = c.client(); // node 3: reaches only replica 0 later
        ScenarioCluster.Client b = c.client(); // node 4
        assertThat(c.runUntil(() -> a.idle() && b.idle(), 1_000)).isTrue();
        b.submit(KvCommand.put("k", "0"));
        assertThat(c.runUntil(() -> b.idle() && c.allCommitted(3), 1_000)).isTrue();
        long k = c.replica(0).op();

        // View 1 starts among 1 and 2; replica 0 stays primary of view 0 and prepares op k+1 alone.
        c.isolate(0);
        c.block(4, 0);
        c.block(3, 1);
        c.block(3, 2);
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal() && c.replica(1).view() == 1
                && c.replica(2).view() == 1, 2_000)).isTrue();
        a.submit(KvCommand.put("k", "stale"));
        assertThat(c.runUntil(() -> c.replica(0).op() == k + 1, 100)).isTrue();

        // View 1 commits k+1' and k+2' (replica 2 acknowledged both).
        for (int i = 0; i < 2; i++) {
            b.submit(KvCommand.put("x", "" + i));
            assertThat(c.runUntil(b::idle, 1_000)).isTrue();
        }
        assertThat(c.runUntil(() -> c.replica(2).opDurable() == k + 2 && c.replica(1).commit() == k + 2, 100)).isTrue();

        // D's journal comes back broken after op k; headers beyond say it wrote up to k + 2.
        c.crash(2);
        Replica.Durable durable = c.durable(2);
        List<Entry> log = durable.log();
        long[] checksums = new long[(int) k];
        for (int i = 0; i < k; i++) checksums[i] = log.get(i).checksum();
        c.connect(0, 2); // 0 still hears nothing of view 1
        AtomicBoolean firstGetStateLost = new AtomicBoolean(false);
        c.drop((to, m) -> to == 1 && m instanceof GetState && firstGetStateLost.compareAndSet(false, true));
        c.restartWith(2, durable.toBuilder().log(List.of())
                .damage(new Replica.Damage(k, 1, checksums, log.subList(0, (int) k).toArray(Entry[]::new), k + 2))
                .build());
        assertThat(c.replica(2).logDamaged()).isTrue();

        // D should become whole from replica 1's log (after one lost GetState) and view 1 should
        // commit the next put (before the fix, once D's retransmission timer moves it on to R:
        // "messages keep flowing without time passing").
        b.submit(KvCommand.put("z", "after"));
        assertThat(c.runUntil(() -> b.idle() && !c.replica(2).logDamaged(), 3_000)).isTrue();
        assertThat(firstGetStateLost.get()).isTrue();
        c.checkAgreement();
    }
}
