package dev.viewstamp.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.VsrClientException;
import dev.viewstamp.core.replica.Status;
import dev.viewstamp.kv.KvStateMachine;
import dev.viewstamp.kv.redis.RedisBatch;
import dev.viewstamp.runtime.NodeStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * One connection of the Redis front end in an embedded channel, in front of a key-value state
 * machine that executes each request at once (or of requests held back, to see what is in
 * flight): the replies' order, pipelines as one request, MULTI/EXEC, the local commands, and
 * what closes a connection.
 */
class RespConnectionTest {

    /** Executes each request on a state machine at once, one op per request; or holds them, when asked. */
    private static final class FakeCluster implements RespFrontEnd.Service {
        final KvStateMachine kv = new KvStateMachine();
        final List<List<List<byte[]>>> requests = new ArrayList<>();
        final List<CompletableFuture<byte[]>> held = new ArrayList<>();
        final List<byte[]> heldOperations = new ArrayList<>();
        boolean hold;
        long op;
        long now = 1_000_000;

        @Override
        public CompletableFuture<byte[]> submit(byte[] operation) {
            requests.add(null);
            if (hold) {
                CompletableFuture<byte[]> future = new CompletableFuture<>();
                held.add(future);
                heldOperations.add(operation);
                return future;
            }
            return CompletableFuture.completedFuture(kv.execute(++op, now, operation));
        }

        void releaseOldest() {
            held.remove(0).complete(kv.execute(++op, now, heldOperations.remove(0)));
        }

        @Override
        public void close() {}
    }

    private final FakeCluster cluster = new FakeCluster();
    private final RespFrontEnd front = new RespFrontEnd(cluster,
            () -> new NodeStatus(1, Status.NORMAL, 4, false, 10, 10, 10, 0, 0, 0, "ok", 0), 3, 4096);
    private final EmbeddedChannel channel = new EmbeddedChannel();

    RespConnectionTest() {
        front.initConnection(channel);
    }

    private void send(String commands) {
        channel.writeInbound(Unpooled.copiedBuffer(commands, StandardCharsets.UTF_8));
        channel.runPendingTasks();
    }

    /** Everything written to the client so far. */
    private String received() {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    private static String command(String... argv) {
        StringBuilder out = new StringBuilder("*" + argv.length + "\r\n");
        for (String arg : argv) {
            out.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        return out.toString();
    }

    @Test
    void pipelinedLocalAndReplicatedCommandsAreAnsweredInTheOrderSent() {
        send(command("PING") + command("SET", "a", "1") + command("ECHO", "x") + command("GET", "a")
                + command("NOSUCH", "y") + command("GET"));
        assertThat(received()).isEqualTo("+PONG\r\n+OK\r\n$1\r\nx\r\n$1\r\n1\r\n"
                + "-ERR unknown command 'nosuch', with args beginning with: 'y' \r\n"
                + "-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(cluster.requests).as("one read, one request").hasSize(1);
    }

    @Test
    void aConnectionKeepsOneRequestInFlightAndSendsWhatArrivedMeanwhileAsTheNext() {
        cluster.hold = true;
        send(command("SET", "a", "1"));
        send(command("INCR", "b") + command("PING"));
        send(command("GET", "a"));
        assertThat(cluster.held).as("requests in flight").hasSize(1);
        assertThat(received()).as("nothing before the first reply").isEmpty();

        cluster.releaseOldest();
        assertThat(received()).isEqualTo("+OK\r\n");
        assertThat(cluster.held).as("INCR and GET together, the next request").hasSize(1);
        assertThat(RedisBatchView.count(cluster.heldOperations.get(0))).isEqualTo(2);

        cluster.releaseOldest();
        assertThat(received()).isEqualTo(":1\r\n+PONG\r\n$1\r\n1\r\n");
    }

    @Test
    void multiExecRunsTheTransactionAsOneRequestWithAnArrayReply() {
        send(command("MULTI") + command("SET", "t", "1") + command("INCR", "t") + command("GET", "t") + command("EXEC"));
        assertThat(received()).isEqualTo("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
        assertThat(cluster.requests).hasSize(1);
    }

    @Test
    void anErrorWhileQueueingAbortsTheTransaction() {
        send(command("MULTI") + command("SET", "t", "1") + command("BOGUS") + command("EXEC") + command("GET", "t"));
        assertThat(received()).isEqualTo("+OK\r\n+QUEUED\r\n-ERR unknown command 'bogus', with args beginning with: \r\n"
                + "-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n");
    }

    @Test
    void execAndDiscardWithoutMultiAreErrors() {
        send(command("EXEC") + command("DISCARD") + command("MULTI") + command("MULTI"));
        assertThat(received()).isEqualTo("-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n+OK\r\n"
                + "-ERR MULTI calls can not be nested\r\n");
    }

    @Test
    void helloTwoIsAnsweredAndHelloThreeRefusedSoClientsFallBackToResp2() {
        send(command("HELLO", "3"));
        assertThat(received()).isEqualTo("-NOPROTO unsupported protocol version\r\n");
        send(command("HELLO", "2"));
        assertThat(received()).startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n").contains("$5\r\nproto\r\n:2\r\n");
    }

    @Test
    void infoReplicationNamesTheRoleAsRedisDoes() {
        send(command("INFO", "replication"));
        assertThat(received()).contains("role:slave\r\n", "vsr_view:4\r\n", "vsr_status:normal\r\n", "vsr_commit:10\r\n",
                "vsr_primary:1\r\n");
    }

    @Test
    void aFailedRequestIsAnErrorReplyThatSaysTheOutcomeIsUnknown() {
        cluster.hold = true;
        send(command("SET", "a", "1"));
        cluster.held.remove(0).completeExceptionally(new VsrClientException.Timeout("no reply within 10 s"));
        assertThat(received()).startsWith("-ERR no reply within 10 s").contains("may or may not have executed");
    }

    @Test
    void aCommandOverTheSizeLimitClosesTheConnection() {
        send("*2\r\n$3\r\nGET\r\n$100000\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void malformedRespClosesTheConnection() {
        send("*x\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void quitAnswersOkAndCloses() {
        send(command("QUIT") + command("PING"));
        assertThat(received()).isEqualTo("+OK\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    /** Counts the commands in a request's operation, by decoding the replies it executes to. */
    private static final class RedisBatchView {
        static int count(byte[] operation) {
            try {
                return RedisBatch.decodeReplies(new KvStateMachine().execute(1, 1, operation)).size();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }
}
