package dev.viewstamp.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.net.NettyClientTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client over real sockets: the wire format, the handshake, reconnection. */
class NettyClientTransportTest {

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
    }

    private WireServer server(int helloAs, boolean primary) throws Exception {
        WireServer server = new WireServer(helloAs, primary);
        closing.add(server);
        return server;
    }

    private KvClient client(List<WireServer> servers, Duration timeout) {
        NettyClientTransport transport = new NettyClientTransport(WireServer.CLUSTER,
                servers.stream().map(WireServer::address).toList(), 1 << 20);
        KvClient kv = new KvClient(VsrClient.builder(transport).sessions(8).tickMillis(5).retryTicks(10, 40)
                .requestTimeout(timeout).unavailableAfter(Duration.ofSeconds(3)).build());
        closing.add(kv);
        return kv;
    }

    @Test
    void concurrentSessionsWriteAndReadBackThroughTheWireFormat() throws Exception {
        KvClient kv = client(List.of(server(0, true), server(1, false), server(2, false)), Duration.ofSeconds(10));
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 500; i++) puts.add(kv.put("k" + i, "v" + i));
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < 500; i += 50) assertThat(kv.get("k" + i).get(10, TimeUnit.SECONDS)).isEqualTo("v" + i);
    }

    @Test
    void aDroppedConnectionIsReopenedAndTheSessionsRetryOverIt() throws Exception {
        WireServer primary = server(0, true);
        KvClient kv = client(List.of(primary, server(1, false), server(2, false)), Duration.ofSeconds(10));
        kv.put("a", "1").get(10, TimeUnit.SECONDS);
        primary.dropConnections();
        kv.append("a", "2").get(10, TimeUnit.SECONDS);
        assertThat(kv.get("a").get(10, TimeUnit.SECONDS)).isEqualTo("12");
    }

    @Test
    void aReplicaThatAnswersAsAnotherIndexIsNotUsedAndTheClusterCountsAsUnreachable() throws Exception {
        // Addresses in another order than the cluster's: each answers as the wrong replica.
        KvClient kv = client(List.of(server(1, true), server(0, false)), Duration.ofSeconds(10));
        try {
            kv.put("a", "1").get(10, TimeUnit.SECONDS);
            throw new AssertionError("the put completed");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(VsrClientException.Unavailable.class);
        }
    }
}
