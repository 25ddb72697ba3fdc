package dev.viewstamp.client;

import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import java.util.function.Consumer;

/**
 * How a {@link VsrClient} reaches the replicas: the network client dials every replica of the
 * cluster; a test may connect to replicas in the same process. A transport is best effort, as VR
 * expects of a network: a request may be lost, and the sessions retry.
 */
public interface ClientTransport extends AutoCloseable {

    /** The number of replicas, in the cluster's order: replica {@code i} is the {@code i}-th address. */
    int replicaCount();

    /** Starts the transport; every reply that arrives from now on goes to {@code replies}, from any thread. */
    void start(Consumer<Reply> replies);

    /** Sends {@code request} to replica {@code replica} if it can; never blocks, and may drop it. */
    void send(int replica, Request request);

    /** True when a connection to at least one replica is up now. */
    boolean anyConnected();

    /** Closes every connection; sends after this are dropped. */
    @Override
    void close();
}
