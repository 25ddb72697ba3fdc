package dev.viewstamp.client;

import dev.viewstamp.kv.KvCommand;
import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.KvResult;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A client of the replicated key-value service (vsr-kv) over a {@link VsrClient}: get, put,
 * delete, compare-and-set and append, on byte arrays or UTF-8 strings. Every operation goes
 * through the log, so reads are linearizable. A command the store refuses (a key or value over
 * its limits) completes exceptionally with {@link Rejected}; the failures of the client itself are
 * {@link VsrClientException}s.
 */
public final class KvClient implements AutoCloseable {

    /** The store refused the command and changed nothing: the message says why. */
    public static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message);
        }
    }

    private final VsrClient client;

    public KvClient(VsrClient client) {
        this.client = client;
    }

    /** The client this one sends through. */
    public VsrClient client() {
        return client;
    }

    /** The value of {@code key}, or null when it is missing. */
    public CompletableFuture<byte[]> get(byte[] key) {
        return send(new KvCommand.Get(key)).thenApply(result -> as(result, KvResult.Value.class).value());
    }

    public CompletableFuture<String> get(String key) {
        return get(utf8(key)).thenApply(value -> value == null ? null : new String(value, StandardCharsets.UTF_8));
    }

    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return send(new KvCommand.Put(key, value)).thenAccept(result -> as(result, KvResult.Ok.class));
    }

    public CompletableFuture<Void> put(String key, String value) {
        return put(utf8(key), utf8(value));
    }

    /** Appends to the value of {@code key}; a missing key counts as empty. */
    public CompletableFuture<Void> append(byte[] key, byte[] value) {
        return send(new KvCommand.Append(key, value)).thenAccept(result -> as(result, KvResult.Ok.class));
    }

    public CompletableFuture<Void> append(String key, String value) {
        return append(utf8(key), utf8(value));
    }

    /** Deletes {@code key}; true when it existed. */
    public CompletableFuture<Boolean> delete(byte[] key) {
        return send(new KvCommand.Delete(key)).thenApply(result -> as(result, KvResult.Deleted.class).existed());
    }

    public CompletableFuture<Boolean> delete(String key) {
        return delete(utf8(key));
    }

    /**
     * Sets {@code key} to {@code value} if it holds {@code expected} (null: if it is missing);
     * true when it did.
     */
    public CompletableFuture<Boolean> compareAndSet(byte[] key, byte[] expected, byte[] value) {
        return send(new KvCommand.CompareAndSet(key, expected, value)).thenApply(result -> {
            if (result instanceof KvResult.CasOk) return true;
            as(result, KvResult.CasFailed.class);
            return false;
        });
    }

    public CompletableFuture<Boolean> compareAndSet(String key, String expected, String value) {
        return compareAndSet(utf8(key), expected == null ? null : utf8(expected), utf8(value));
    }

    private CompletableFuture<KvResult> send(KvCommand command) {
        return client.submit(command.encode()).thenApply(KvClient::decode);
    }

    private static KvResult decode(byte[] reply) {
        try {
            return KvResult.decode(reply);
        } catch (KvFormatException e) {
            throw new IllegalStateException("the key-value service replied with bytes that are not a result: "
                    + e.getMessage(), e);
        }
    }

    /** The result as the type the command replies with; a refusal is {@link Rejected}. */
    private static <T extends KvResult> T as(KvResult result, Class<T> type) {
        if (result instanceof KvResult.Failure failure) throw new Rejected(failure.message());
        if (!type.isInstance(result)) {
            throw new IllegalStateException("the key-value service replied " + result + " where "
                    + type.getSimpleName() + " was due");
        }
        return type.cast(result);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Closes the underlying client. */
    @Override
    public void close() {
        client.close();
    }
}
