package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.List;

/**
 * A commit number speaks about one chain of entries. A replica restarted with a damaged journal
 * holds only the intact prefix of that chain; if it kept the journal's commit number as a bare
 * number, and its log were then completed from another chain, the other chain's uncommitted
 * entries would execute as committed (issue 7, bug 3).
 */
class CommitKnowledgeNamesItsChainTest {
    private static final int REPLICAS = 5;

    private static void commitPuts(ScenarioCluster cluster, ScenarioCluster.Client client, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(cluster.runUntil(client::idle, 2_000)).as("client idle before put %d", i).isTrue();
            client.submit(KvCommand.put(prefix + i, "v" + i));
        }
        assertThat(cluster.runUntil(client::idle, 2_000)).isTrue();
    }

    private static void split(ScenarioCluster cluster, int[] a, int[] b) {
        for (int x : a) {
            for (int y : b) {
                cluster.block(x, y);
                cluster.block(y, x);
            }
        }
    }

    /**
     * Ops up to {@code shared} are committed everywhere. Replicas 2, 3 and 4 start view 2 and commit
     * many more ops, while replica 0, still primary of view 0, prepares two ops no one else
     * commits. Replica 1, a backup of view 0, catches up within view 0: replica 0's answers are
     * lost and replica 2 answers with view 2's committed entries, so replica 1 holds view 2's
     * chain in log view 0, and knows a commit number far beyond {@code shared} about it. It
     * crashes; the body of op {@code shared + 1} comes back corrupt, so it restarts damaged with
     * the prefix up to {@code shared}. View 2's replicas are out of reach, repair gives up, and
     * replica 0's whole log completes replica 1's log with view 0's two ops, which are not committed.
     */
    @OnEachStorage
    void aDamagedRestartDoesNotExecuteAnotherChainsEntriesUnderItsJournalsCommitNumber(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(REPLICAS)
                .pipelinePrepareCountMax(4).stateTransferOpsMax(8).build(), storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, "shared", 9);
        long shared = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(shared), 1_000)).isTrue();

        // View 2 starts among 2, 3 and 4 (view 1's primary, replica 1, is on the other side).
        split(cluster, new int[] {0, 1}, new int[] {2, 3, 4});
        int clientNode = REPLICAS;
        cluster.block(clientNode, 0);
        cluster.block(clientNode, 1);
        assertThat(cluster.runUntil(() -> cluster.replica(2).isPrimaryNormal() && cluster.replica(2).view() == 2, 3_000))
                .isTrue();
        commitPuts(cluster, client, "view2-", 40);
        long view2Committed = cluster.replica(2).commit();
        assertThat(view2Committed).isGreaterThan(shared + 30);

        // Replica 0 prepares two ops in view 0; replica 1 misses the first, so it catches up.
        ScenarioCluster.Client stale1 = cluster.client();
        ScenarioCluster.Client stale2 = cluster.client();
        for (int replica = 1; replica < REPLICAS; replica++) {
            cluster.block(REPLICAS + 1, replica);
            cluster.block(REPLICAS + 2, replica);
        }
        cluster.drop((to, m) -> to == 1 && m instanceof Prepare p && p.entry().op() == shared + 1);
        // Replica 1 reaches replica 2 for state only: no view-change or normal-case message of
        // view 2, no complete NewState (which would make it adopt view 2), no answer from replica 0.
        cluster.drop((to, m) -> to == 1 && (m instanceof StartViewChange || m instanceof DoViewChange
                || m instanceof StartView || (m instanceof Prepare p && p.replica() != 0)
                || (m instanceof Commit c && c.replica() != 0)
                || (m instanceof NewState s && (s.complete() || s.replica() == 0))));
        cluster.connect(1, 2);
        assertThat(cluster.runUntil(() -> cluster.replica(1).op() >= shared + 30, 3_000)).isTrue();
        Replica mixed = cluster.replica(1);
        assertThat(mixed.logView()).isZero();
        assertThat(mixed.checksumAt(shared + 1)).isEqualTo(cluster.replica(2).checksumAt(shared + 1));
        assertThat(cluster.replica(0).op()).isEqualTo(shared + 2);
        long staleOp = shared + 1;
        long staleChecksum = cluster.replica(0).checksumAt(staleOp);
        assertThat(staleChecksum).isNotEqualTo(cluster.replica(2).checksumAt(staleOp));

        // The crash: op shared + 1's body is corrupt under an intact redundant header.
        cluster.crash(1);
        Replica.Durable durable = cluster.durable(1);
        List<Entry> log = durable.log();
        long[] checksums = new long[log.size()];
        Entry[] entries = log.toArray(Entry[]::new);
        for (int i = 0; i < log.size(); i++) checksums[i] = log.get(i).checksum();
        entries[(int) (staleOp - 1)] = null;
        cluster.restartWith(1, durable.toBuilder().log(List.of())
                .damage(new Replica.Damage(log.size(), 1, checksums, entries, log.size())).build());
        assertThat(cluster.replica(1).op()).isEqualTo(shared);

        // Only replica 0 is in reach: repair gives up, and its whole log clears the damage.
        cluster.heal();
        split(cluster, new int[] {0, 1}, new int[] {2, 3, 4});
        assertThat(cluster.runUntil(() -> !cluster.replica(1).logDamaged(), 5_000)).isTrue();
        cluster.run(200);
        assertThat(cluster.replica(1).checksumAt(staleOp)).isEqualTo(staleChecksum);
        assertThat(cluster.replica(1).commit()).as("view 0's op %d is not committed", staleOp).isLessThan(staleOp);

        // Once the partition heals, replica 1 takes view 2's log and commits what view 2 committed.
        cluster.heal();
        assertThat(cluster.runUntil(() -> cluster.replica(1).commit() >= view2Committed, 5_000)).isTrue();
        assertThat(cluster.replica(1).checksumAt(staleOp)).isEqualTo(cluster.replica(2).checksumAt(staleOp));
        cluster.checkAgreement();
    }
}
