package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's sessions, retries, timeouts and typed failures, against a stand-in primary. */
class VsrClientTest {

    private final FakePrimary cluster = new FakePrimary(3);
    private KvClient kv;

    private KvClient client(int sessions, Duration timeout) {
        kv = new KvClient(VsrClient.builder(cluster).sessions(sessions).tickMillis(2).retryTicks(5, 20)
                .requestTimeout(timeout).unavailableAfter(Duration.ofMillis(100)).seed(7).build());
        return kv;
    }

    @AfterEach
    void close() {
        if (kv != null) kv.close();
        cluster.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the operation completed");
    }

    @Test
    void manySessionsCarryConcurrentOperationsAndEachExecutesOnce() throws Exception {
        KvClient kv = client(16, Duration.ofSeconds(10));
        List<CompletableFuture<Void>> appends = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) appends.add(kv.append("k" + (i % 4), "x"));
        CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        int total = 0;
        for (int k = 0; k < 4; k++) total += await(kv.get("k" + k)).length();
        assertThat(total).isEqualTo(2_000);
        assertThat(cluster.executed.get()).isEqualTo(2_000 + 4);
    }

    @Test
    void lostRequestsAreRetriedAndExecuteOnce() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        await(kv.put("a", "1"));
        cluster.loseNext.set(3);
        await(kv.append("a", "2"));
        assertThat(await(kv.get("a"))).isEqualTo("12");
        assertThat(cluster.executed.get()).isEqualTo(3);
    }

    @Test
    void aNewPrimaryIsFoundByAskingEveryReplicaAndThenAskedFirst() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        await(kv.put("a", "1"));
        cluster.primary = 1;
        cluster.view = 4; // replica 1 leads view 4 of 3 replicas
        await(kv.put("a", "2"));
        assertThat(kv.client().view()).isEqualTo(4);

        int before = cluster.received.get();
        await(kv.put("a", "3"));
        assertThat(cluster.received.get() - before).as("one send, to the primary it now knows").isEqualTo(1);
    }

    @Test
    void anEvictedSessionFailsItsOperationWithAnUnknownOutcomeAndTheClientGoesOnWithANewOne() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        await(kv.put("a", "1"));
        cluster.evictAtNext(sessionOf(kv));

        Throwable evicted = failure(kv.put("a", "2"));
        assertThat(evicted).isInstanceOf(VsrClientException.Evicted.class);
        assertThat(((VsrClientException) evicted).outcomeKnown()).isFalse();
        await(kv.put("a", "3"));
        assertThat(await(kv.get("a"))).isEqualTo("3");
    }

    /** The id of the client's only session, as the stand-in primary saw it register. */
    private long sessionOf(KvClient kv) throws Exception {
        CompletableFuture<byte[]> probe = kv.client().submit(dev.viewstamp.kv.KvCommand.get("probe").encode());
        await(probe);
        return cluster.lastClientId();
    }

    @Test
    void anOperationTooLargeForABatchFailsAsNeverExecutedAndTheSessionGoesOn() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        cluster.tooLargeBytes = 100;
        Throwable tooLarge = failure(kv.put("a", "x".repeat(200)));
        assertThat(tooLarge).isInstanceOf(VsrClientException.TooLarge.class);
        assertThat(((VsrClientException) tooLarge).outcomeKnown()).isTrue();
        await(kv.put("a", "small"));
        assertThat(await(kv.get("a"))).isEqualTo("small");
    }

    @Test
    void noReplyWithinTheRequestTimeoutFailsAsTimeoutWithAnUnknownOutcome() throws Exception {
        KvClient kv = client(1, Duration.ofMillis(300));
        await(kv.put("a", "1"));
        cluster.primary = 7; // nobody answers
        Throwable timeout = failure(kv.put("a", "2"));
        assertThat(timeout).isInstanceOf(VsrClientException.Timeout.class).hasMessageContaining("may have executed");
    }

    @Test
    void aClusterOutOfReachFailsWaitingOperationsAsUnavailable() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        await(kv.put("a", "1"));
        cluster.connected = false;
        assertThat(failure(kv.put("a", "2"))).isInstanceOf(VsrClientException.Unavailable.class);
    }

    @Test
    void closingTheClientFailsWhatIsPendingAndRefusesNewOperations() throws Exception {
        KvClient kv = client(1, Duration.ofSeconds(10));
        await(kv.put("a", "1"));
        cluster.primary = 7;
        int sent = cluster.received.get();
        CompletableFuture<Void> inFlight = kv.put("a", "2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cluster.received.get() == sent && System.nanoTime() < deadline) Thread.onSpinWait();
        CompletableFuture<Void> waiting = kv.put("a", "3");
        kv.close();
        assertThat(failure(inFlight)).isInstanceOf(VsrClientException.Closed.class);
        assertThat(((VsrClientException) failure(inFlight)).outcomeKnown()).isFalse();
        assertThat(((VsrClientException) failure(waiting)).outcomeKnown()).isTrue();
        assertThat(failure(kv.put("a", "4"))).isInstanceOf(VsrClientException.Closed.class);
    }

    @Test
    void theKeyValueClientReadsBackWhatItWroteAndReportsRefusals() throws Exception {
        KvClient kv = client(2, Duration.ofSeconds(10));
        assertThat(await(kv.get("missing"))).isNull();
        await(kv.put("k", "v1"));
        assertThat(await(kv.compareAndSet("k", "other", "v2"))).isFalse();
        assertThat(await(kv.compareAndSet("k", "v1", "v2"))).isTrue();
        assertThat(await(kv.compareAndSet("new", null, "n"))).isTrue();
        await(kv.append("k", "+"));
        assertThat(await(kv.get("k"))).isEqualTo("v2+");
        assertThat(await(kv.delete("k"))).isTrue();
        assertThat(await(kv.delete("k"))).isFalse();
        assertThat(await(kv.get("k".getBytes(StandardCharsets.UTF_8)))).isNull();
        byte[] hugeKey = new byte[10_000];
        assertThat(failure(kv.put(hugeKey, new byte[1]))).isInstanceOf(KvClient.Rejected.class);
    }
}
