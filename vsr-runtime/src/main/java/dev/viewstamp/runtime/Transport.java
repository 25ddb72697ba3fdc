package dev.viewstamp.runtime;

import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Reply;

/**
 * How a {@link ReplicaNode} reaches its peers and its clients, and how they reach it. The node
 * never sees a socket: {@link LoopbackTransport} connects nodes inside one JVM (the tests), and a
 * network transport (Netty, with the wire codec of vsr-codec) connects processes. Delivery is
 * never guaranteed in either direction; the protocol retransmits what matters.
 *
 * <p>Threads: {@link #send} and {@link #reply} are called on the node's replica thread only, and
 * must not block it (queue the bytes, or drop them when a peer's queue is full). {@link #start}
 * and {@link #close} are called once each, by the thread that starts or closes the node. The
 * transport calls the {@link Inbound} from any thread of its own.
 */
public interface Transport {

    /**
     * Starts delivering what arrives for this replica to {@code inbound}: messages from peers, and
     * requests from clients (whose connection the transport remembers by client id, for
     * {@link #reply}). Called once the node has opened its storage, before its first tick.
     */
    void start(Inbound inbound);

    /** Sends {@code message} to replica {@code replica}; dropped when it cannot be sent now. */
    void send(int replica, Message message);

    /** Sends {@code reply} to the client {@code clientId}, if it is connected here; else drops it. */
    void reply(long clientId, Reply reply);

    /**
     * Tells every connected peer this replica's {@code status} (about twice a second), for their
     * admin endpoints; never reaches a peer's core. Replica thread only; a transport without peers
     * to tell ignores it.
     */
    default void publishStatus(NodeStatus status) {}

    /** Stops delivering and releases what the transport holds; no call to {@code inbound} follows its return. */
    void close();

    /** The node's side: where the transport hands over what arrived. Safe to call from any thread. */
    interface Inbound {

        /**
         * A message for this replica, from a peer or a client. Returns false when the node's
         * bounded inbound queue is full, or the node is not running: the message is dropped
         * (back-pressure: a transport may stop reading the connection for a while).
         */
        boolean deliver(Message message);

        /** The transport has a working connection to replica {@code replica} (for the log). */
        default void peerUp(int replica) {}

        /** The transport lost its connection to replica {@code replica} (for the log). */
        default void peerDown(int replica) {}
    }
}
