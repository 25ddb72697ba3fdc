package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.RecoveryResponse;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import org.junit.jupiter.api.Test;

/** Fourth review: scripted scenarios for bugs found by reading the protocol core. */
class Review4ScenariosTest {

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
    @Test
    void aBackupThatMissedItsOwnHigherIncarnationStillCountsTowardsAQuorum() {
        final int r = 6;
        ScenarioCluster c = ScenarioCluster.of(7);
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
        assertThat(c.replica(r).incarnation()).isEqualTo(1);
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
        assertThat(c.replica(1).crashVector()[r]).as("view 1's primary knows R as incarnation 2").isEqualTo(2);
        assertThat(c.replica(r).incarnation()).as("R still thinks it is incarnation 1").isEqualTo(1);
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
}
