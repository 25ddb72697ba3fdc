package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.check.LinearizabilityChecker;
import dev.viewstamp.check.Operation;
import dev.viewstamp.check.Result;
import dev.viewstamp.client.KvClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `vsr server` processes under load from eight client sessions while the primary is killed
 * with SIGKILL and restarted: the clients' history is linearizable (vsr-check's checker, with
 * unknown outcomes for operations that timed out), and every replica ends at the same commit
 * number with the same state checksum. The journals hold 64 slots (a checkpoint every 16 ops):
 * the cluster runs past ten times that, and the old primary comes back by state sync.
 */
class FailoverIT {

    @TempDir
    Path dir;

    @Test
    void killingThePrimaryUnderLoadKeepsTheHistoryLinearizableAndTheReplicasEqual() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 64)) {
            cluster.startAll();
            int first = cluster.primary(Duration.ofSeconds(30));
            List<Operation> history;
            HistoryRecorder load;
            try (KvClient kv = cluster.client(8)) {
                load = new HistoryRecorder(kv, 8, 6);
                load.start();
                TimeUnit.SECONDS.sleep(3);
                long before = load.ok();
                cluster.kill(first);
                int second = cluster.primary(Duration.ofSeconds(30));
                assertThat(second).isNotEqualTo(first);
                TimeUnit.SECONDS.sleep(3);
                assertThat(load.ok()).as("operations after the failover").isGreaterThan(before);
                cluster.start(first);
                TimeUnit.SECONDS.sleep(3);
                // Past ten times the journal's slots, in ops (a busy primary packs several requests into each).
                cluster.awaitCommit(10 * 64, Duration.ofSeconds(60));
                load.stop();
                load.readBack();
                history = load.history();
            }
            List<ProcessCluster.Status> statuses = cluster.awaitConvergence(10 * 64, Duration.ofSeconds(30));
            assertThat(statuses.get(first).syncs()).as("the old primary caught up by state sync").isPositive();
            Result verdict = new LinearizabilityChecker().check(history, null);
            assertThat(verdict.isLinearizable()).as("%s on key %s: %s (%d ops, %d unknown)", verdict.verdict(),
                    verdict.key(), verdict.explanation(), history.size(), load.unknown()).isTrue();
            assertThat(load.ok()).isGreaterThan(300);
            System.out.printf("failover: %d ops (%d unknown), converged at %s%n", history.size(), load.unknown(),
                    statuses);
        }
    }
}
