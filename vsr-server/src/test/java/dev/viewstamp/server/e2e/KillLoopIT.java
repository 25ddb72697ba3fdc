package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.check.LinearizabilityChecker;
import dev.viewstamp.check.Operation;
import dev.viewstamp.check.Result;
import dev.viewstamp.client.KvClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at any moment loses no acknowledged write. Three `vsr server` processes with journals of
 * 64 slots (a checkpoint every 16 ops, so under load some replica is nearly always writing a
 * checkpoint, and a restarted one fetches one by state sync), under load from eight sessions,
 * while replicas are killed with SIGKILL at random moments and restarted after random pauses:
 * one at a time, and every fourth round all three at once. The random times come from one seed,
 * printed, so a failing run names it. At the end every key is read back, the history with those
 * reads is linearizable, and every replica has the same commit number and state.
 */
class KillLoopIT {

    private static final int ROUNDS = 12;

    @TempDir
    Path dir;

    @Test
    void killingReplicasAtRandomMomentsLosesNoAcknowledgedWrite() throws Exception {
        long seed = Long.getLong("vsr.killloop.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("kill loop: seed " + seed + " (-Dvsr.killloop.seed=" + seed + " repeats the kill times)");
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 64)) {
            cluster.startAll();
            cluster.primary(Duration.ofSeconds(30));
            List<Operation> history;
            HistoryRecorder load;
            int installsInterrupted = 0;
            try (KvClient kv = cluster.client(8)) {
                load = new HistoryRecorder(kv, 8, 6);
                load.start();
                for (int round = 1; round <= ROUNDS; round++) {
                    TimeUnit.MILLISECONDS.sleep(200 + random.nextInt(1_300));
                    boolean all = round % 4 == 0;
                    int victim = random.nextInt(3);
                    for (int i = 0; i < 3; i++) {
                        if (!all && i != victim) continue;
                        if (installing(cluster, i)) installsInterrupted++;
                        cluster.kill(i);
                    }
                    TimeUnit.MILLISECONDS.sleep(100 + random.nextInt(900));
                    for (int i = 0; i < 3; i++) if (!cluster.running(i)) cluster.start(i);
                    awaitProgress(load, load.ok());
                }
                load.stop();
                load.readBack();
                history = load.history();
            }
            List<ProcessCluster.Status> statuses = cluster.awaitConvergence(1, Duration.ofSeconds(60));
            Result verdict = new LinearizabilityChecker().check(history, null);
            assertThat(verdict.isLinearizable()).as("%s on key %s: %s (%d ops, %d unknown; seed %d)", verdict.verdict(),
                    verdict.key(), verdict.explanation(), history.size(), load.unknown(), seed).isTrue();
            System.out.printf("kill loop: %d rounds, %d ops (%d unknown), %d kills during a state sync's install, "
                    + "converged at %s%n", ROUNDS, history.size(), load.unknown(), installsInterrupted, statuses);
        }
    }

    /** True when replica {@code i}'s log says it is installing a fetched checkpoint and not yet done. */
    private static boolean installing(ProcessCluster cluster, int i) throws Exception {
        String output = cluster.output(i);
        int started = output.lastIndexOf("installing the checkpoint");
        return started >= 0 && output.indexOf("installed the checkpoint", started) < 0;
    }

    /** The load completes more operations after the round's faults (waiting up to 60 s). */
    private static void awaitProgress(HistoryRecorder load, long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (load.ok() <= before && System.nanoTime() < deadline) TimeUnit.MILLISECONDS.sleep(50);
        assertThat(load.ok()).as("operations completed after the round's restarts").isGreaterThan(before);
    }
}
