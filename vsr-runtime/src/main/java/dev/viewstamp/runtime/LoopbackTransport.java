package dev.viewstamp.runtime;

import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * A network inside one JVM: the {@link Transport} of each replica ({@link #endpoint}) hands
 * messages straight to the addressee's inbound queue, and clients ({@link #connectClient},
 * {@link #request}) reach replicas the same way. Nothing is serialized: the messages are immutable
 * records, shared. A message to a replica whose node is not running, or whose queue is full, is
 * dropped, as a network would; a reply to a client that is not connected too.
 *
 * <p>Used by tests (several nodes in one process, no sockets) and usable by a demo.
 */
public final class LoopbackTransport {
    private final int replicaCount;
    private final AtomicReferenceArray<Transport.Inbound> inbounds;
    private final Map<Long, Consumer<Reply>> clients = new ConcurrentHashMap<>();

    public LoopbackTransport(int replicaCount) {
        if (replicaCount < 1) throw new IllegalArgumentException("replicaCount must be positive");
        this.replicaCount = replicaCount;
        this.inbounds = new AtomicReferenceArray<>(replicaCount);
    }

    public int replicaCount() {
        return replicaCount;
    }

    /** The transport of replica {@code replica}'s node; a new one for each node started (a restart). */
    public Transport endpoint(int replica) {
        if (replica < 0 || replica >= replicaCount) throw new IllegalArgumentException("no replica " + replica);
        return new Endpoint(replica);
    }

    /** Routes the replies for {@code clientId} to {@code replies}, which runs on a replica's thread: keep it short. */
    public void connectClient(long clientId, Consumer<Reply> replies) {
        clients.put(clientId, replies);
    }

    public void disconnectClient(long clientId) {
        clients.remove(clientId);
    }

    /** A client's request to replica {@code replica}; false when dropped (the node is down or its queue full). */
    public boolean request(int replica, Request request) {
        return deliver(replica, request);
    }

    private boolean deliver(int replica, Message message) {
        if (replica < 0 || replica >= replicaCount) return false;
        Transport.Inbound inbound = inbounds.get(replica);
        return inbound != null && inbound.deliver(message);
    }

    private final class Endpoint implements Transport {
        private final int replica;
        private volatile Inbound inbound;

        Endpoint(int replica) {
            this.replica = replica;
        }

        @Override
        public void start(Inbound inbound) {
            this.inbound = inbound;
            if (!inbounds.compareAndSet(replica, null, inbound)) {
                throw new IllegalStateException("replica " + replica + " already has a running node on this network");
            }
            for (int peer = 0; peer < replicaCount; peer++) {
                Inbound other = inbounds.get(peer);
                if (peer == replica || other == null) continue;
                other.peerUp(replica);
                inbound.peerUp(peer);
            }
        }

        @Override
        public void send(int to, Message message) {
            if (inbound != null) deliver(to, message);
        }

        @Override
        public void reply(long clientId, Reply reply) {
            if (inbound == null) return;
            Consumer<Reply> client = clients.get(clientId);
            if (client != null) client.accept(reply);
        }

        @Override
        public void close() {
            Inbound closing = inbound;
            if (closing == null) return;
            inbound = null;
            inbounds.compareAndSet(replica, closing, null);
            for (int peer = 0; peer < replicaCount; peer++) {
                Inbound other = inbounds.get(peer);
                if (peer != replica && other != null) other.peerDown(replica);
            }
        }
    }
}
