package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.replica.Replica;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.sim.ScenarioCluster.Storage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A script runs the same on both storages of {@link ScenarioCluster}: the in-memory model and the
 * real storage write order complete writes under the script's control alike, so the replicas
 * exchange the same messages and restart from the same state. (A scenario that passes on one
 * and not the other then points at the storage, not at the script's timing.)
 */
class ScenarioClusterTest {

    /**
     * A view change, a prepare whose write is held and then lost in a crash, a restart, and a
     * crash of every replica at the end.
     */
    private static ScenarioCluster script(Storage storage) {
        ScenarioCluster c = ScenarioCluster.of(3, storage);
        ScenarioCluster.Client client = c.client();
        assertThat(c.runUntil(client::idle, 100)).isTrue();
        for (int i = 0; i < 4; i++) {
            client.submit(KvCommand.put("k" + i, "v" + i));
            assertThat(c.runUntil(client::idle, 100)).isTrue();
        }
        c.isolate(0);
        assertThat(c.runUntil(() -> c.replica(1).isPrimaryNormal(), 1_000)).isTrue();

        // Without replica 0, view 1 needs replica 2's PrepareOk, which waits for its held write.
        c.holdWrites(2, true);
        client.submit(KvCommand.put("held", "x"));
        c.run(20);
        assertThat(client.idle()).isFalse();
        assertThat(c.replica(2).op()).isGreaterThan(c.replica(2).opDurable());
        c.crash(2);
        c.heal();
        c.restart(2);
        assertThat(c.runUntil(client::idle, 2_000)).isTrue();
        c.run(50);
        for (int r = 0; r < 3; r++) c.crash(r);
        return c;
    }

    @Test
    void aScriptExchangesTheSameMessagesOnBothStorages() {
        List<String> model = script(Storage.MODEL).delivered();
        List<String> real = script(Storage.REAL).delivered();
        assertThat(real).isNotEmpty().isEqualTo(model);
    }

    @Test
    void aRestartReadsTheSameStateFromBothStorages() {
        ScenarioCluster model = script(Storage.MODEL);
        ScenarioCluster real = script(Storage.REAL);
        for (int r = 0; r < 3; r++) {
            Replica.Durable expected = model.durable(r);
            Replica.Durable actual = real.durable(r);
            assertThat(actual.damage()).as("replica %d damage", r).isNull();
            assertThat(actual.recovering()).isFalse();
            assertThat(actual.view()).as("replica %d view", r).isEqualTo(expected.view()).isEqualTo(1);
            assertThat(actual.logView()).as("replica %d log view", r).isEqualTo(expected.logView());
            assertThat(checksums(actual.log())).as("replica %d log", r).isEqualTo(checksums(expected.log()));
            assertThat(actual.crashVector()).isEqualTo(expected.crashVector());
            assertThat(actual.commitMax()).as("replica %d commitMax", r).isEqualTo(expected.commitMax());
            assertThat(actual.commitChecksum()).isEqualTo(expected.commitChecksum());
            assertThat(actual.pipelinePrepareCountMax()).isEqualTo(expected.pipelinePrepareCountMax());
        }
    }

    @Test
    void aLostDiskRestartsRecoveringOnBothStorages() {
        for (Storage storage : Storage.values()) {
            ScenarioCluster c = ScenarioCluster.of(3, storage);
            ScenarioCluster.Client client = c.client();
            assertThat(c.runUntil(client::idle, 100)).isTrue();
            client.submit(KvCommand.put("a", "1"));
            assertThat(c.runUntil(() -> client.idle() && c.allCommitted(2), 1_000)).isTrue();
            c.crashAndLoseDisk(2);
            assertThat(c.durable(2).recovering()).as("%s", storage).isTrue();
            c.restart(2);
            assertThat(c.replica(2).status()).isEqualTo(Status.RECOVERING);
            assertThat(c.runUntil(() -> c.replica(2).status() == Status.NORMAL && !c.replica(2).logDamaged(), 1_000))
                    .as("%s", storage).isTrue();
        }
    }

    private static List<Long> checksums(List<Entry> log) {
        return log.stream().map(Entry::checksum).toList();
    }
}
