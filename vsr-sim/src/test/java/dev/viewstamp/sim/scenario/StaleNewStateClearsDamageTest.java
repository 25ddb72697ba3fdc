package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.List;

/**
 * Rule 6 (b) of docs/STORAGE.md clears a damaged replica on a complete same-view NewState from its
 * view's primary. A copy the primary sent BEFORE the replica acknowledged later ops (the answer to
 * a GetState of the replica's previous run, delayed in the network) must not count: it would
 * declare the replica whole with a log that lacks ops it acknowledged, and a view change it then
 * votes in would drop committed ops. GetState carries a nonce of the asking process, and only an
 * answer echoing it clears damage. (Found by review; before the nonce this run broke agreement.)
 */
class StaleNewStateClearsDamageTest {

    @OnEachStorage
    void aDelayedCompleteNewStateFromBeforeTheCrashDoesNotClearTheDamage(Storage storage) {
        ScenarioCluster cluster = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = cluster.client();
        assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("a", "1"));
        assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        long shared = cluster.replica(0).op();
        assertThat(cluster.runUntil(() -> cluster.replica(1).op() == shared && cluster.replica(2).op() == shared, 500)).isTrue();

        // Replica 1 misses the prepare of the next op, catches up from the primary, and the
        // primary's complete NewState is delayed in the network (captured here, delivered later).
        NewState[] captured = {null};
        boolean[] capturing = {true};
        cluster.drop((to, m) -> {
            if (!capturing[0] || to != 1) return false;
            if (m instanceof Prepare p && p.entry().op() == shared + 1) return true;
            if (m instanceof NewState ns) {
                if (ns.replica() == 0 && ns.complete() && captured[0] == null) captured[0] = ns;
                return true;
            }
            return false;
        });
        client.submit(KvCommand.put("b", "2"));
        assertThat(cluster.runUntil(() -> captured[0] != null, 1_000)).isTrue();
        assertThat(captured[0].op()).isEqualTo(shared + 1);
        capturing[0] = false;
        assertThat(cluster.runUntil(() -> client.idle() && cluster.replica(1).op() == shared + 1, 1_000)).isTrue();

        // Ops after that are committed by replicas 0 and 1 only (2 is cut off); 1 acknowledged them.
        cluster.isolate(2);
        for (int i = 0; i < 2; i++) {
            client.submit(KvCommand.put("c" + i, "x"));
            assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        }
        long committed = cluster.replica(0).commit();
        assertThat(committed).isGreaterThan(shared + 1);
        assertThat(cluster.runUntil(() -> cluster.replica(1).opDurable() == committed, 500)).isTrue();

        // 1 crashes; its journal comes back with only ops 1..shared, and evidence that it may have
        // acknowledged up to `committed` (a damaged suffix). The primary goes down too.
        cluster.crash(1);
        cluster.crash(0);
        List<Entry> log = cluster.durable(1).log();
        List<Entry> kept = log.subList(0, (int) shared);
        long[] checksums = new long[(int) shared];
        for (int i = 0; i < shared; i++) checksums[i] = kept.get(i).checksum();
        cluster.restartWith(1, new Replica.Durable(0, 0, List.of(),
                new Replica.Damage(shared, 1, checksums, kept.toArray(Entry[]::new), committed)));
        assertThat(cluster.replica(1).damagedOpMax()).isEqualTo(committed);

        // Its repair finds the chain whole up to the journal's head and asks the primary for its
        // whole log; the delayed NewState from the primary arrives now.
        assertThat(cluster.runUntil(() -> cluster.replica(1).catchingUp(), 200)).isTrue();
        cluster.inject(0, 1, captured[0]);
        cluster.settle();
        assertThat(cluster.replica(1).logDamaged()).as("damage cleared by a stale NewState").isTrue();

        // 1 and 2 alone cannot start a view that drops the committed ops; once 0 is back they do.
        cluster.heal();
        assertThat(cluster.runUntil(client::idle, 1_000)).isTrue();
        client.submit(KvCommand.put("after", "crash"));
        cluster.run(3_000); // checkAgreement runs at every step
        assertThat(client.idle()).as("nothing commits without the ops 1 lost").isFalse();
        cluster.restart(0);
        assertThat(cluster.runUntil(() -> client.idle() && cluster.replica(1).commit() > committed
                && cluster.replica(2).commit() > committed, 10_000)).isTrue();
        for (long op = 1; op <= committed; op++) {
            assertThat(cluster.replica(2).checksumAt(op)).isEqualTo(log.get((int) (op - 1)).checksum());
        }
        cluster.checkAgreement();
    }
}
