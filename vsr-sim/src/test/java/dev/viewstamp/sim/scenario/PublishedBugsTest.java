package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.replica.Canary;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvResult;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.Set;

/**
 * The two published bugs of VR Revisited (DESIGN.md section 2), each built by hand: once with our
 * rules, where no committed op is lost, and once with a canary that plants the paper's rule as
 * written, where the new view's log loses a committed op.
 */
class PublishedBugsTest {

    private static ScenarioCluster cluster(Storage storage, Canary... canaries) {
        return new ScenarioCluster(ClusterConfig.builder().replicaCount(3).canariesForTesting(Set.of(canaries)).build(), storage);
    }


    // ---------------------------------------------------------------------------------------------
    // State transfer's truncation (VRR 5.2; Vanlightly, 2022).

    /**
     * Replica 2 misses op 2 (committed by 0 and 1 in view 0), then learns of view 1 from a Commit
     * while every StartView, Prepare and NewState to it is lost. Under VRR 5.2 as written it cuts its log back
     * to its commit number and takes view 1 as its log view; with replica 1 gone, it and replica 0
     * form view 2, and its empty view-1 log beats replica 0's view-0 log that holds op 2.
     */
    private static ScenarioCluster truncationScenario(ScenarioCluster cluster) {
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(() -> client.idle() && cluster.allCommitted(1), 100)).isTrue();
        cluster.crash(2);
        client.submit(KvCommand.put("a", "1"));
        assertThat(cluster.runUntil(() -> cluster.replica(1).commit() == 2, 100)).isTrue();
        assertThat(client.results()).containsExactly(new KvResult.Ok());

        cluster.isolate(0);
        cluster.restart(2);
        cluster.dropTo(2, StartView.class);
        cluster.dropTo(2, Prepare.class);
        cluster.dropTo(2, NewState.class);
        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 2_000)).isTrue();
        cluster.run(50); // replica 2 hears view 1's Commit heartbeats

        cluster.isolate(1);
        cluster.connect(0, 2);
        return cluster;
    }

    @OnEachStorage
    void learningOfANewerViewNeverTruncatesACommittedOp(Storage storage) {
        ScenarioCluster cluster = truncationScenario(cluster(storage));
        // Replica 2 kept view 0 as its log view while it lacked view 1's log, so no view it leads
        // can choose its short log over replica 0's, which holds op 2. It cannot start such a view
        // until state transfer brings it op 2, so while NewState is lost it waits, safely.
        cluster.run(3_000);
        assertThat(cluster.replica(2).isPrimaryNormal()).as("view 2 waits for the committed op").isFalse();
        cluster.clearDropRules();
        assertThat(cluster.runUntil(() -> cluster.replica(2).isPrimaryNormal(), 3_000)).isTrue();
        assertThat(cluster.replica(2).op()).isGreaterThanOrEqualTo(2);
        assertThat(cluster.replica(2).checksumAt(2)).isEqualTo(cluster.replica(1).checksumAt(2));

        cluster.heal();
        ScenarioCluster.Client reader = cluster.client();
        assertThat(cluster.runUntil(reader::idle, 2_000)).isTrue();
        reader.submit(KvCommand.get("a"));
        assertThat(cluster.runUntil(() -> !reader.results().isEmpty(), 2_000)).isTrue();
        assertThat(reader.results()).containsExactly(KvResult.value("1"));
    }

    @OnEachStorage
    void truncatingOnANewerViewAsPublishedLosesACommittedOp(Storage storage) {
        ScenarioCluster cluster = truncationScenario(cluster(storage, Canary.TRUNCATE_ON_NEWER_VIEW));
        assertThat(cluster.runUntil(() -> cluster.replica(2).isPrimaryNormal(), 3_000)).isTrue();
        // View 2's log, chosen from replica 2's truncated view-1 log, lacks committed op 2.
        assertThat(cluster.replica(2).view()).isEqualTo(2);
        assertThat(cluster.replica(2).op()).isLessThan(2);
    }

    // ---------------------------------------------------------------------------------------------
    // Recovery's lost promise (VRR 4.3; Michael et al., DISC 2017, appendix B).

    /**
     * Replicas 1 and 2 start view 1 without the cut-off primary 0; replica 2 votes for it but
     * misses its StartView, then crashes and restarts. Replica 0, still primary of view 0, asks
     * replica 2 to accept a new op X. A replica that forgot its vote accepts, so X commits in
     * view 0 although view 1 already started without it.
     */
    private static ScenarioCluster.Client recoveryScenario(ScenarioCluster cluster) {
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(() -> client.idle() && cluster.allCommitted(1), 100)).isTrue();
        cluster.isolate(0);
        cluster.dropTo(2, StartView.class);
        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 2_000)).isTrue();
        assertThat(cluster.replica(2).status()).isEqualTo(Status.VIEW_CHANGE);
        cluster.block(1, 2);
        cluster.block(2, 1);

        cluster.crash(2);
        cluster.restart(2);
        cluster.connect(0, 2);
        client.submit(KvCommand.put("a", "X"));
        cluster.run(5);
        return client;
    }

    @OnEachStorage
    void aVoteSurvivesARestartSoTheOldPrimaryCannotCommit(Storage storage) {
        ScenarioCluster cluster = cluster(storage);
        ScenarioCluster.Client client = recoveryScenario(cluster);
        assertThat(cluster.replica(2).view()).isEqualTo(1);
        assertThat(client.results()).as("X was not acknowledged in view 0").isEmpty();
        assertThat(cluster.replica(0).commit()).isEqualTo(1);

        // Once the network heals the put completes exactly once, in the new view.
        cluster.heal();
        assertThat(cluster.runUntil(() -> client.results().size() == 1, 3_000)).isTrue();
        client.submit(KvCommand.get("a"));
        assertThat(cluster.runUntil(() -> client.results().size() == 2, 3_000)).isTrue();
        assertThat(client.results()).containsExactly(new KvResult.Ok(), KvResult.value("X"));
    }

    @OnEachStorage
    void forgettingTheVoteOnRestartLetsACommittedOpMissTheNewView(Storage storage) {
        ScenarioCluster cluster = cluster(storage, Canary.FORGET_VIEW_ON_RESTART);
        ScenarioCluster.Client client = recoveryScenario(cluster);
        // X is acknowledged to the client, yet view 1, already started, does not hold it.
        assertThat(client.results()).containsExactly(new KvResult.Ok());
        assertThat(cluster.replica(1).isPrimaryNormal()).isTrue();
        assertThat(cluster.replica(1).op()).isEqualTo(1);
    }
}
