package dev.viewstamp.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.NewState;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.function.BiPredicate;

/**
 * Safety bugs found by reviewing the code against the protocol, each as the scripted 5-replica
 * scenario that broke agreement before its fix. Random seeds did not reach either.
 */
class CommittedEntriesAcrossViewChangesTest {

    private static BiPredicate<Integer, Message> to(int replica, Class<? extends Message> kind) {
        return (destination, message) -> destination == replica && kind.isInstance(message);
    }

    /**
     * A replica restarts (commit 0, commitMax a pipeline below its last op) holding committed
     * entries it installed from a later view, while its view and log view stayed old. Connected
     * only to a stale primary, it must not adopt that primary's StartView over entries it knows
     * are committed (before the fix: "agreement: replica 4 committed a different entry at op 5").
     */
    @OnEachStorage
    void restartedReplicaKeepsCommittedEntriesAgainstAStaleStartView(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(5, storage);
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        for (int i = 0; i < 3; i++) {
            client.submit(KvCommand.put("k", "a" + i));
            assertThat(c.runUntil(client::idle, 1_000)).isTrue();
        }
        c.run(30);

        c.crash(4);
        c.crash(0);
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal(), 2_000)).isTrue();
        c.run(5);
        c.isolate(1); // replica 1 keeps view 1 alive alone and prepares the client's retry there
        client.submit(KvCommand.put("k", "E-view1"));
        c.run(200);

        c.restart(0);
        assertThat(c.runUntil(client::idle, 5_000)).isTrue(); // a later view commits the put
        for (int i = 0; i < 150; i++) {
            client.submit(KvCommand.put("k", "u" + i));
            assertThat(c.runUntil(client::idle, 2_000)).isTrue();
        }
        c.run(30);

        // Replica 4 returns, installs committed entries chunk by chunk (complete NewStates are
        // lost), so its view and log view stay 0; then it crashes again.
        c.drop((destination, message) -> destination == 4 && message instanceof NewState state && state.complete());
        c.block(1, 4);
        c.block(4, 1);
        c.restart(4);
        c.run(40);
        c.crash(4);

        // It restarts connected only to replica 1, the stale primary of view 1.
        c.heal();
        c.isolate(4);
        c.isolate(1);
        c.connect(1, 4);
        c.restart(4);
        c.run(400); // throws on an agreement violation
        c.heal();
        c.run(2_000);
        c.checkAgreement();
    }

    /**
     * The primary-elect of view 1 must not hand out its chosen log (a complete NewState) before
     * that choice is durable: it may crash, restart still in view change for view 1, and choose a
     * different log, leaving two logs with the same log view (before the fix: "agreement:
     * replica 2 committed a different entry at op 5").
     */
    @OnEachStorage
    void primaryElectDoesNotLeakItsLogBeforeItIsDurable(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(5, storage);
        ScenarioCluster.Client a = c.client();
        ScenarioCluster.Client b = c.client();
        assertThat(c.runUntil(() -> a.idle() && b.idle(), 1_000)).isTrue();
        a.submit(KvCommand.put("k", "3"));
        assertThat(c.runUntil(a::idle, 1_000)).isTrue();

        // Replica 4 misses op 4 and every later prepare; its GetStates go nowhere for now.
        c.drop(to(4, Prepare.class));
        for (int r = 0; r < 4; r++) c.drop(to(r, GetState.class));
        a.submit(KvCommand.put("k", "4"));
        assertThat(c.runUntil(a::idle, 1_000)).isTrue();
        c.run(20);

        // Replica 0 prepares ops 5 and 6 that reach only replica 2; its own writes never complete.
        c.holdWrites(0, true);
        c.block(0, 1);
        c.block(0, 3);
        a.submit(KvCommand.put("k", "5-view0"));
        c.run(1);
        b.submit(KvCommand.put("k", "6-view0"));
        c.run(1);
        for (int r : new int[] {0, 4}) {
            c.drop(to(r, StartViewChange.class));
            c.drop(to(r, DoViewChange.class));
        }
        BiPredicate<Integer, Message> holdDoViewChange = to(1, DoViewChange.class);
        c.drop(holdDoViewChange);
        assertThat(c.runUntil(() -> c.replica(1).status() == Status.VIEW_CHANGE && c.replica(1).view() == 1, 1_000))
                .isTrue();
        c.run(3);

        // Replica 1 picks its log for view 1, but the write stays pending; replica 4 may now ask
        // replica 1 for state.
        c.holdWrites(1, true);
        c.clearDropRules();
        c.drop(to(4, Prepare.class));
        for (int r : new int[] {0, 2, 3}) c.drop(to(r, GetState.class));
        for (int r : new int[] {0, 4}) {
            c.drop(to(r, StartViewChange.class));
            c.drop(to(r, DoViewChange.class));
        }
        assertThat(c.runUntil(() -> c.replica(1).status() == Status.NORMAL, 200)).isTrue();
        // Before the fix replica 4 adopted view 1 here, from a NewState built on the pending choice.
        c.runUntil(() -> c.replica(4).view() == 1, 400);
        c.run(2);

        c.crash(2);
        c.crash(1);
        c.crash(0); // 0 and 1 lose their pending writes
        c.heal();
        c.block(6, 1); // client b cannot reach replica 1
        c.drop(to(4, StartViewChange.class));
        c.drop(to(4, DoViewChange.class));
        c.restart(0);
        c.restart(1);
        c.block(2, 1);
        c.block(1, 2);
        c.run(1_500);
        c.isolate(1);
        c.isolate(3);
        c.restart(2);
        c.run(1_500); // throws on an agreement violation
        c.heal();
        c.run(2_000);
        c.checkAgreement();
    }
}
