package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;

/**
 * A replica that crashes while RECOVERING forgets the incarnation it chose (nothing is persisted
 * before the announcing round). With f >= 3 a later try's first round can miss every replica that
 * learned a higher incarnation, so the replica finishes with an incarnation lower than one a peer
 * knows of it. When it learns that, it takes the next incarnation above (the higher one never
 * voted or acknowledged), so the peer does not discard its votes for good. (Found by review:
 * before, the replica failed an invariant check on every message from that peer.)
 */
class RecoveryIncarnationReuseTest {
    private static final int R = 6;


    @OnEachStorage
    void aRecoveryAttemptCutShortMustNotLeaveAPeerKnowingAHigherIncarnation(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(7, storage);
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        assertThat(c.runUntil(() -> client.idle() && c.allCommitted(2), 1_000)).isTrue();

        // Attempt A: takes incarnation 1; only replica 0 hears the announcing round; then it crashes.
        c.crashAndLoseDisk(R);
        c.drop((to, m) -> m instanceof Recovery rec && rec.crashVector()[R] == 1 && to != 0);
        c.drop((to, m) -> to == R && m instanceof RecoveryResponse resp && resp.crashVector()[R] == 1);
        c.restart(R);
        assertThat(c.runUntil(() -> c.replica(0).crashVector()[R] == 1, 200)).isTrue();
        c.run(5);
        assertThat(c.replica(R).status()).isEqualTo(Status.RECOVERING);
        c.crashAndLoseDisk(R);
        c.clearDropRules();

        // Attempt B: its first round reaches replica 0, so it takes 2; only replica 1 hears it.
        c.drop((to, m) -> m instanceof Recovery rec && rec.crashVector()[R] == 2 && to != 1);
        c.drop((to, m) -> to == R && m instanceof RecoveryResponse resp && resp.crashVector()[R] == 2);
        c.restart(R);
        assertThat(c.runUntil(() -> c.replica(1).crashVector()[R] == 2, 200)).isTrue();
        c.run(5);
        assertThat(c.replica(R).status()).isEqualTo(Status.RECOVERING);
        c.crashAndLoseDisk(R);
        c.clearDropRules();

        // Attempt C: replicas 0 and 1 are unreachable for a while; f + 1 = 4 others answer both rounds.
        c.isolate(0);
        c.isolate(1);
        c.connect(0, 1);
        for (int r = 2; r < 7; r++) { c.connect(0, r); c.connect(1, r); }
        c.isolate(R);
        for (int r = 2; r < 6; r++) c.connect(R, r);
        c.restart(R);
        assertThat(c.runUntil(() -> c.replica(R).status() != Status.RECOVERING, 200)).isTrue();
        c.heal();

        // The cluster goes on with every replica up; a view change makes replica 1's vote reach R.
        assertThatCode(() -> {
            c.isolate(0);
            c.run(400);
            c.heal();
            client.submit(KvCommand.put("b", "2"));
            assertThat(c.runUntil(() -> client.idle() && c.allCommitted(3), 5_000)).isTrue();
        }).doesNotThrowAnyException();
        assertThat(c.replica(1).crashVector()[R]).isLessThanOrEqualTo(c.replica(R).incarnation());
    }
}
