package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.runtime.EmbeddedReplica;
import dev.viewstamp.runtime.NodeStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service other than the key-value store, embedded: three {@link EmbeddedReplica}s of a
 * {@link Ledger} in this process on loopback, and a {@link VsrClient} moving money between
 * accounts from eight sessions while a backup, and then the primary, stop and come back. No
 * transfer creates or destroys money, so whatever the failures, the ledger's total must be the
 * pool it started with, and every replica must end in the same state.
 */
class EmbeddedLedgerTest {

    private static final long CLUSTER = 31;
    private static final int ACCOUNTS = 16;
    private static final int TRANSFERS = 2_000;
    private static final int MESSAGE_SIZE_MAX = 16 << 20;

    @TempDir
    Path root;
    private final EmbeddedReplica[] replicas = new EmbeddedReplica[3];
    private VsrClient client;

    @AfterEach
    void stop() {
        if (client != null) client.close();
        for (EmbeddedReplica replica : replicas) if (replica != null) replica.close();
    }

    private static List<InetSocketAddress> freeAddresses(int count) throws IOException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()));
            }
        }
        return addresses;
    }

    /** Builds a replica on its directory, with the members recorded at format time, as a restarting program does. */
    private void start(int i) throws Exception {
        replicas[i] = EmbeddedReplica.builder().dataDirectory(root.resolve("r" + i)).service(Ledger::new).build();
        replicas[i].start();
    }

    private void stop(int i) {
        replicas[i].close();
        replicas[i] = null;
    }

    private int primaryIndex() {
        for (EmbeddedReplica replica : replicas) if (replica != null && replica.status().primary()) return replica.replicaIndex();
        return (int) (client.view() % replicas.length);
    }

    /** Submits {@code count} transfers of random amounts between random accounts; some overdraw and are refused. */
    private List<CompletableFuture<byte[]>> transfers(Random random, int count) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int from = random.nextInt(ACCOUNTS);
            int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            futures.add(client.submit(Ledger.transfer(from, to, 1 + random.nextInt(40_000))));
        }
        return futures;
    }

    /** Waits for every reply; each must be OK or REFUSED. Returns how many were OK. */
    private static int await(List<CompletableFuture<byte[]>> futures) throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        int ok = 0;
        for (CompletableFuture<byte[]> future : futures) {
            byte[] reply = future.join();
            assertThat(Ledger.ok(reply) || Ledger.refused(reply)).as("reply %s", new String(reply)).isTrue();
            if (Ledger.ok(reply)) ok++;
        }
        return ok;
    }

    /** Waits until every running replica has the same commit, at least {@code commitMin}, and the same state checksum. */
    private List<NodeStatus> awaitConvergence(long commitMin) throws InterruptedException {
        return Convergence.await(() -> {
            List<NodeStatus> statuses = new ArrayList<>();
            for (EmbeddedReplica replica : replicas) if (replica != null) statuses.add(replica.status());
            return statuses;
        }, commitMin, java.time.Duration.ofSeconds(20));
    }

    private long commitMax() {
        long max = 0;
        for (EmbeddedReplica replica : replicas) if (replica != null) max = Math.max(max, replica.status().commit());
        return max;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void transfersNeverChangeTheTotalWhileABackupAndThenThePrimaryRestart() throws Exception {
        // A journal of 64 slots with a checkpoint every 16 ops: 2,000 transfers wrap the ring many
        // times, so every restart starts from a checkpoint file (restore), and a replica that was
        // down longer than the ring fetches a peer's checkpoint.
        Ledger.RESTORES.set(0);
        List<InetSocketAddress> addresses = freeAddresses(3);
        EmbeddedReplica.Format format = EmbeddedReplica.format(CLUSTER, addresses).journalSlotCount(64)
                .checkpointIntervalOps(16).journalBodySizeBytesMax(16 * 1024);
        for (int i = 0; i < 3; i++) format.write(root.resolve("r" + i), i);
        for (int i = 0; i < 3; i++) start(i);
        client = VsrClient.builder(new NettyClientTransport(CLUSTER, addresses, MESSAGE_SIZE_MAX)).sessions(8)
                .requestTimeout(Duration.ofSeconds(20)).seed(10).build();

        List<CompletableFuture<byte[]>> opens = new ArrayList<>();
        for (int a = 0; a < ACCOUNTS; a++) opens.add(client.submit(Ledger.open(a, Ledger.POOL / ACCOUNTS)));
        assertThat(await(opens)).as("accounts opened").isEqualTo(ACCOUNTS);

        Random random = new Random(10);
        int ok = await(transfers(random, TRANSFERS / 4));

        // A backup stops with a quarter of the transfers in flight, and comes back after them.
        int backup = (primaryIndex() + 1) % 3;
        List<CompletableFuture<byte[]>> inFlight = transfers(random, TRANSFERS / 4);
        stop(backup);
        ok += await(inFlight);
        start(backup);
        awaitConvergence(commitMax());

        // Then the primary, never two at once: the other two change view and go on.
        int primary = primaryIndex();
        inFlight = transfers(random, TRANSFERS / 4);
        stop(primary);
        ok += await(inFlight);
        start(primary);
        ok += await(transfers(random, TRANSFERS / 4));

        // The total, read through the log: executed by every replica at the same op.
        Ledger.Total total = Ledger.Total.decode(client.submit(Ledger.total()).get(20, TimeUnit.SECONDS));
        assertThat(total.accounts()).isEqualTo(ACCOUNTS);
        assertThat(total.pool()).as("the pool is distributed").isZero();
        assertThat(total.balances()).as("the total of the balances").isEqualTo(Ledger.POOL);

        List<NodeStatus> statuses = awaitConvergence(commitMax());
        assertThat(ok).as("transfers that moved money").isBetween(TRANSFERS / 2, TRANSFERS);
        assertThat(client.view()).as("the primary's stop changed the view").isGreaterThan(1);
        for (NodeStatus status : statuses) assertThat(status.checkpointOp()).as("replica %d checkpoint", status.replicaIndex()).isPositive();
        assertThat(Ledger.RESTORES.get()).as("restores from checkpoints").isPositive();
    }
}
