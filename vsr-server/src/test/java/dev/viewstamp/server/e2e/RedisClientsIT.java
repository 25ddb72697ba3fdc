package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;

/**
 * Jedis and Lettuce, the Java Redis clients, against three `vsr server --resp` processes: each
 * pipelines a thousand writes through a backup, runs a MULTI/EXEC transaction, and reads back
 * what it wrote through another replica.
 */
class RedisClientsIT {

    private static final int KEYS = 1_000;

    @TempDir
    Path dir;

    @Test
    void jedisAndLettucePipelineAndRunTransactionsAndReadBackWhatTheyWrote() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 1024).withResp()) {
            cluster.startAllServing();
            int primary = cluster.primary(Duration.ofSeconds(30));
            int backup = (primary + 1) % 3;
            int other = (primary + 2) % 3;
            jedis(cluster.respPort(backup), cluster.respPort(other));
            lettuce(cluster.respPort(backup), cluster.respPort(other));
        }
    }

    private static void jedis(int writePort, int readPort) {
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().socketTimeoutMillis(20_000).build();
        try (Jedis writer = new Jedis(new HostAndPort("127.0.0.1", writePort), config);
                Jedis reader = new Jedis(new HostAndPort("127.0.0.1", readPort), config)) {
            assertThat(writer.ping()).isEqualTo("PONG");
            Pipeline pipeline = writer.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) sets.add(pipeline.set("jedis:" + i, "value-" + i));
            Response<Long> counter = pipeline.incrBy("jedis:counter", KEYS);
            pipeline.sync();
            assertThat(sets).allSatisfy(set -> assertThat(set.get()).isEqualTo("OK"));
            assertThat(counter.get()).isEqualTo(KEYS);

            Transaction transaction = writer.multi();
            transaction.set("jedis:tx", "1");
            transaction.incr("jedis:tx");
            transaction.append("jedis:tx", "0");
            transaction.get("jedis:tx");
            assertThat(transaction.exec()).containsExactly("OK", 2L, 2L, "20");

            for (int i = 0; i < KEYS; i += 97) assertThat(reader.get("jedis:" + i)).isEqualTo("value-" + i);
            String[] keys = {"jedis:0", "jedis:999", "jedis:missing", "jedis:tx"};
            assertThat(reader.mget(keys)).containsExactly("value-0", "value-999", null, "20");
            assertThat(reader.get("jedis:counter")).isEqualTo("" + KEYS);
        }
    }

    private static void lettuce(int writePort, int readPort) throws Exception {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + writePort);
        RedisClient readerClient = RedisClient.create("redis://127.0.0.1:" + readPort);
        try (StatefulRedisConnection<String, String> connection = client.connect();
                StatefulRedisConnection<String, String> readerConnection = readerClient.connect()) {
            RedisAsyncCommands<String, String> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<String>> sets = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) sets.add(async.set("lettuce:" + i, "value-" + i));
            RedisFuture<Long> counter = async.incrby("lettuce:counter", KEYS);
            connection.flushCommands();
            connection.setAutoFlushCommands(true);
            for (RedisFuture<String> set : sets) assertThat(set.get(20, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(counter.get(20, TimeUnit.SECONDS)).isEqualTo(KEYS);

            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.multi()).isEqualTo("OK");
            sync.set("lettuce:tx", "1");
            sync.incr("lettuce:tx");
            sync.get("lettuce:tx");
            TransactionResult result = sync.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(new ArrayList<Object>(result.stream().toList())).containsExactly("OK", 2L, "2");

            RedisCommands<String, String> reader = readerConnection.sync();
            for (int i = 0; i < KEYS; i += 97) assertThat(reader.get("lettuce:" + i)).isEqualTo("value-" + i);
            assertThat(reader.get("lettuce:counter")).isEqualTo("" + KEYS);
            assertThat(reader.exists("lettuce:0", "lettuce:1", "lettuce:missing")).isEqualTo(2L);
        } finally {
            client.shutdown();
            readerClient.shutdown();
        }
    }
}
