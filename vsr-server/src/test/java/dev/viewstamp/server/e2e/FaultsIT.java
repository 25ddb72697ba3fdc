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
 * Three `vsr server` processes, each dialling its peers through a link proxy, under load from
 * eight sessions through a run of faults: the primary paused (SIGSTOP) and resumed, a backup
 * killed and restarted, the primary cut off from its peers and healed, and the whole cluster
 * killed with SIGKILL and restarted. After each fault the cluster commits again; at the end the
 * history is linearizable and every replica has the same commit and state.
 */
class FaultsIT {

    @TempDir
    Path dir;

    @Test
    void pausesKillsAPartitionAndAWholeClusterCrashKeepTheHistoryLinearizable() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 256, true)) {
            cluster.startAll();
            cluster.primary(Duration.ofSeconds(30));
            List<Operation> history;
            HistoryRecorder load;
            try (KvClient kv = cluster.client(8)) {
                load = new HistoryRecorder(kv, 8, 6);
                load.start();
                progress(load, 2);

                int paused = cluster.primary(Duration.ofSeconds(10));
                cluster.pause(paused, true);
                progress(load, 3);
                cluster.pause(paused, false);
                progress(load, 2);

                int backup = (cluster.primary(Duration.ofSeconds(30)) + 1) % 3;
                cluster.kill(backup);
                progress(load, 2);
                cluster.start(backup);
                progress(load, 2);

                int isolated = cluster.primary(Duration.ofSeconds(30));
                cluster.isolate(isolated, true);
                progress(load, 3);
                cluster.isolate(isolated, false);
                progress(load, 2);

                for (int i = 0; i < 3; i++) cluster.kill(i);
                cluster.startAll();
                progress(load, 4);
                load.stop();
                load.readBack();
                history = load.history();
            }
            cluster.awaitConvergence(1, Duration.ofSeconds(30));
            Result verdict = new LinearizabilityChecker().check(history, null);
            assertThat(verdict.isLinearizable()).as("%s on key %s: %s (%d ops, %d unknown)", verdict.verdict(),
                    verdict.key(), verdict.explanation(), history.size(), load.unknown()).isTrue();
        }
    }

    /** Lets the load run {@code seconds}, and checks it made progress meanwhile (waiting up to 30 s more). */
    private static void progress(HistoryRecorder load, int seconds) throws InterruptedException {
        long before = load.ok();
        TimeUnit.SECONDS.sleep(seconds);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (load.ok() <= before && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(50);
        assertThat(load.ok()).as("operations completed in the phase").isGreaterThan(before);
    }
}
