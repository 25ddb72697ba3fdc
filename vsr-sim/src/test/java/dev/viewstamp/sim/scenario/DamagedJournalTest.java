package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.replica.ClusterConfig;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.List;

/**
 * A replica whose journal comes back damaged from a crash (docs/STORAGE.md): it repairs by op and
 * checksum from its peers, and until its log is whole it neither acknowledges nor votes, so it
 * can never help a view change drop a committed op. Each scenario builds the damage by hand: the
 * replica restarts from a {@link Replica.Damage} derived from what its storage held. On the real
 * storage the disk itself stays whole: the damage is handed to the restart, and what the replica
 * writes from then on (its repairs, its log changes) goes through the real journal.
 */
class DamagedJournalTest {


    private static boolean clientIdle(ScenarioCluster cluster) {
        return lastClient != null && lastClient.idle();
    }

    private static ScenarioCluster.Client lastClient;

    /** Writes {@code count} keys, one request at a time, and waits until every replica executed them. */
    private static void commitPuts(ScenarioCluster cluster, ScenarioCluster.Client client, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
            client.submit(KvCommand.put("k" + i, "v" + i));
            assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        }
    }

    /** The damage a journal reports when the bodies of {@code missing} ops are lost but their headers survived. */
    private static Replica.Durable withBodiesLost(Replica.Durable durable, long... missing) {
        List<Entry> log = durable.log();
        long[] checksums = new long[log.size()];
        Entry[] entries = log.toArray(Entry[]::new);
        for (int i = 0; i < log.size(); i++) checksums[i] = log.get(i).checksum();
        for (long op : missing) entries[(int) (op - 1)] = null;
        return new Replica.Durable(durable.view(), durable.logView(), List.of(),
                new Replica.Damage(log.size(), 1, checksums, entries, log.size()));
    }

    /**
     * The damage a journal reports when it broke after op {@code kept}, with redundant headers
     * beyond the break naming ops up to {@code opMax}: ops the replica may have acknowledged.
     */
    private static Replica.Durable cutAfter(List<Entry> log, long kept, long opMax) {
        long[] checksums = new long[(int) kept];
        for (int i = 0; i < kept; i++) checksums[i] = log.get(i).checksum();
        return new Replica.Durable(0, 0, List.of(),
                new Replica.Damage(kept, 1, checksums, log.subList(0, (int) kept).toArray(Entry[]::new), opMax));
    }

    @OnEachStorage
    void lostBodiesAreFetchedByChecksumAndTheReplicaAcknowledgesOnlyOnceWhole(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, 8);
        long head = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(head), 500)).isTrue();

        cluster.crash(2);
        boolean[] ackedWhileDamaged = {false};
        cluster.drop((to, m) -> {
            if (m instanceof PrepareOk ok && ok.replica() == 2 && cluster.replica(2) != null
                    && cluster.replica(2).logDamaged()) {
                ackedWhileDamaged[0] = true;
            }
            return false;
        });
        cluster.restartWith(2, withBodiesLost(cluster.durable(2), 3, 4, 5));
        assertThat(cluster.replica(2).logDamaged()).isTrue();
        assertThat(cluster.replica(2).op()).isEqualTo(2); // the intact prefix

        assertThat(cluster.runUntil(() -> !cluster.replica(2).logDamaged(), 1_000)).isTrue();
        assertThat(cluster.replica(2).repairedEntryCount()).isEqualTo(3);
        assertThat(cluster.replica(2).view()).isZero(); // no view change was needed

        commitPuts(cluster, client, 3);
        long last = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(last), 1_000)).isTrue();
        assertThat(ackedWhileDamaged[0]).isFalse();
        cluster.checkAgreement();
    }

    /**
     * The same repair with the damage on the disk instead of handed to the restart: the sectors
     * holding the prepares of ops 3..5 become unreadable while the replica is down, their redundant
     * headers intact. The restart's read (journal recovery, on the real storage) reports the three
     * ops to repair.
     */
    @OnEachStorage
    void unreadablePreparesOnTheDiskAreRepairedFromPeersAfterARestart(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, 8);
        long head = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(head), 500)).isTrue();

        cluster.crash(2);
        for (long op = 3; op <= 5; op++) cluster.decayPrepare(2, op);
        Replica.Damage damage = cluster.durable(2).damage();
        assertThat(damage).isNotNull();
        assertThat(damage.headOp()).isEqualTo(head);
        assertThat(java.util.Arrays.stream(damage.entries()).filter(java.util.Objects::isNull).count()).isEqualTo(3);
        cluster.restart(2);
        assertThat(cluster.replica(2).logDamaged()).isTrue();
        assertThat(cluster.replica(2).op()).isEqualTo(2); // the intact prefix

        assertThat(cluster.runUntil(() -> !cluster.replica(2).logDamaged(), 1_000)).isTrue();
        assertThat(cluster.replica(2).repairedEntryCount()).isEqualTo(3);
        assertThat(cluster.replica(2).view()).isZero();
        commitPuts(cluster, client, 3);
        long last = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(last), 1_000)).isTrue();

        // The repairs were written: the next restart reads a whole log.
        cluster.crash(2);
        assertThat(cluster.durable(2).damage()).isNull();
        assertThat(cluster.durable(2).log()).hasSize((int) last);
        cluster.restart(2);
        assertThat(cluster.runUntil(() -> cluster.replica(2).commit() == last, 1_000)).isTrue();
        cluster.checkAgreement();
    }

    @OnEachStorage
    void aBrokenChainIsRebuiltDownwardsFromTheLastKnownChecksum(Storage storage) {
        ScenarioCluster cluster = new ScenarioCluster(ClusterConfig.builder().replicaCount(3).pipelinePrepareCountMax(2)
                .stateTransferOpsMax(4).build(), storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, 20);
        long head = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(head), 500)).isTrue();

        cluster.crash(1);
        List<Entry> log = cluster.durable(1).log();
        long broken = 15; // the slot of op 15 is unreadable and nothing below it can be trusted
        long[] checksums = new long[log.size()];
        Entry[] entries = new Entry[log.size()];
        for (long op = broken; op <= log.size(); op++) {
            checksums[(int) (op - 1)] = log.get((int) (op - 1)).checksum();
            if (op > broken) entries[(int) (op - 1)] = log.get((int) (op - 1));
        }
        cluster.restartWith(1, new Replica.Durable(0, 0, List.of(),
                new Replica.Damage(log.size(), broken, checksums, entries, log.size())));
        assertThat(cluster.replica(1).op()).isZero();

        assertThat(cluster.runUntil(() -> !cluster.replica(1).logDamaged(), 2_000)).isTrue();
        assertThat(cluster.replica(1).repairedEntryCount()).isEqualTo(broken);
        for (long op = 1; op <= head; op++) assertThat(cluster.replica(1).checksumAt(op)).isEqualTo(log.get((int) (op - 1)).checksum());
        commitPuts(cluster, client, 2);
        long last = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(last), 1_000)).isTrue();
        cluster.checkAgreement();
    }

    @OnEachStorage
    void damageBeyondTheJournalsHeadIsClearedByTheWholeLogOfTheViewsPrimary(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, 6);
        long head = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(head), 500)).isTrue();

        cluster.crash(2);
        List<Entry> log = cluster.durable(2).log();
        // The journal broke after op 3, and records beyond the break say ops up to the head were written.
        cluster.restartWith(2, cutAfter(log, 3, head));

        assertThat(cluster.runUntil(() -> !cluster.replica(2).logDamaged(), 1_000)).isTrue();
        assertThat(cluster.replica(2).view()).isZero();
        assertThat(cluster.replica(2).op()).isEqualTo(head);
        commitPuts(cluster, client, 2);
        long last = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(last), 1_000)).isTrue();
        cluster.checkAgreement();
    }

    // ---------------------------------------------------------------------------------------------
    // The case the rule exists for.

    /**
     * Ops {@code shared + 1 ..} are committed by replicas 0 and 1 while replica 2 is cut off. Then 0
     * goes down, and 1 restarts with a journal that lost those ops beyond a break. Replicas 1 and 2
     * are a quorum: if 1 voted with what its journal still holds, their view change would pick a
     * log without the committed ops, and the next request would take their place. Its damaged vote
     * counts only where a whole log covers what it may have lost, and 2's does not.
     */
    private static long[] lostSuffixScenario(ScenarioCluster cluster, boolean restartAsIfClean) {
        ScenarioCluster.Client client = cluster.client();
        lastClient = client;
        commitPuts(cluster, client, 1);
        long shared = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(shared), 500)).isTrue();
        cluster.isolate(2);
        commitPuts(cluster, client, 2);
        long committed = cluster.replica(0).commit();
        assertThat(committed).isGreaterThan(shared);
        assertThat(cluster.runUntil(() -> cluster.replica(1).op() == committed, 500)).isTrue();
        long[] original = new long[(int) committed + 1];
        for (long op = 1; op <= committed; op++) original[(int) op] = cluster.replica(0).checksumAt(op);

        cluster.crash(0);
        cluster.crash(1);
        List<Entry> log = cluster.durable(1).log();
        if (restartAsIfClean) {
            // What a journal that silently treats a damaged suffix as a torn tail would hand back.
            cluster.restartWith(1, new Replica.Durable(0, 0, log.subList(0, (int) shared)));
        } else {
            cluster.restartWith(1, cutAfter(log, shared, committed));
        }
        cluster.heal();
        assertThat(client.idle()).isTrue();
        client.submit(KvCommand.put("after", "crash"));
        cluster.run(3_000);
        return original;
    }

    @OnEachStorage
    void aDamagedVoteThatNoWholeLogCoversDoesNotCountSoTheCommittedOpsItLostSurvive(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        long[] original = lostSuffixScenario(cluster, false);
        long committed = original.length - 1;

        // Replicas 1 and 2 alone cannot start a view: 1 votes as damaged up to the lost ops, and
        // 2's log of the same view does not reach them, so 1's vote does not count.
        for (int r = 1; r <= 2; r++) {
            Replica replica = cluster.replica(r);
            assertThat(replica.status() == Status.NORMAL && replica.view() > 0).as("replica %d in a new view", r).isFalse();
            assertThat(replica.commit()).isLessThanOrEqualTo(committed);
        }
        assertThat(cluster.replica(1).logDamaged()).isTrue();

        cluster.restart(0);
        assertThat(cluster.runUntil(() -> clientIdle(cluster) && cluster.allCommitted(committed + 1), 5_000)).isTrue();
        for (int r = 0; r < 3; r++) {
            for (long op = 1; op <= committed; op++) {
                assertThat(cluster.replica(r).checksumAt(op)).as("replica %d op %d", r, op).isEqualTo(original[(int) op]);
            }
        }
        assertThat(cluster.replica(1).logDamaged()).isFalse();
        cluster.checkAgreement();
    }

    @OnEachStorage
    void aDamagedVoteCountsWhereAWholeLogOfItsViewCoversEveryOpItMayHaveLost(Storage storage) {
        // Everyone holds every op; then the primary is gone for good and replica 1 restarts with
        // a journal that lost its last two ops. Replica 2's whole log of the same view reaches
        // every op replica 1 may have acknowledged, so the two of them can start view 1, whose
        // primary is the damaged replica itself: it takes replica 2's log and is whole again.
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        commitPuts(cluster, client, 4);
        long head = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.allCommitted(head), 500)).isTrue();

        cluster.crash(0);
        cluster.crash(1);
        List<Entry> log = cluster.durable(1).log();
        cluster.restartWith(1, cutAfter(log, head - 2, head));

        assertThat(cluster.runUntil(() -> cluster.replica(1).isPrimaryNormal(), 3_000)).isTrue();
        assertThat(cluster.replica(1).logDamaged()).isFalse();
        assertThat(cluster.replica(1).view()).isEqualTo(1);
        for (long op = 1; op <= head; op++) assertThat(cluster.replica(1).checksumAt(op)).isEqualTo(log.get((int) (op - 1)).checksum());
        assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("view", "1"));
        assertThat(cluster.runUntil(() -> client.idle() && cluster.replica(2).commit() == head + 1, 2_000)).isTrue();
        cluster.checkAgreement();
    }

    @OnEachStorage
    void votingWithWhatADamagedJournalStillHoldsLosesACommittedOp(Storage storage) {
        // The same run with the damage hidden (the replica restarts as if its log were clean).
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        assertThatThrownBy(() -> {
            long[] original = lostSuffixScenario(cluster, true);
            cluster.checkAgreement();
            // Even if no new op committed yet, the view 1 and 2 started has a different log.
            long shared = 2;
            for (int r = 1; r <= 2; r++) {
                Replica replica = cluster.replica(r);
                if (replica.status() == Status.NORMAL && replica.view() > 0 && replica.op() > shared
                        && replica.checksumAt(shared + 1) != original[(int) shared + 1]) {
                    throw new AssertionError("replica " + r + " holds a different op " + (shared + 1));
                }
                if (replica.status() == Status.NORMAL && replica.view() > 0 && replica.op() <= shared) {
                    throw new AssertionError("replica " + r + " started view " + replica.view() + " without committed ops");
                }
            }
        }).isInstanceOf(AssertionError.class).message().matches("agreement: .*|replica . holds a different op .*|replica . started view .*");
    }
}
