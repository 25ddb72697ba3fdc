package dev.viewstamp.core.replica;

import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.check.Check;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * VRR 4: the client table, part of the replicated state. For each session it keeps the latest
 * executed request number and its reply, which gives at-most-once semantics: an older request is
 * dropped, a duplicate of the latest gets the cached reply.
 *
 * <p>Its size is bounded by {@code clientTableSessionsMax}. When a new session registers into a
 * full table, the least recently used session (the one whose latest request executed longest ago)
 * is evicted. Every replica executes the same ops in the same order, so every replica evicts the
 * same session. The map is kept in execution order (entries are re-inserted when they execute),
 * so the eldest entry is the one to evict; lookups never reorder it.
 */
final class ClientTable {

    static final class Session {
        final long clientId;
        /**
         * One below the op that registered this session. Request numbers of this session are above
         * it, and every request of an earlier, evicted session of the same client that executed has
         * a number at or below it.
         */
        final long base;
        long requestNumber;
        byte[] reply;
        long op;

        Session(long clientId, long requestNumber, byte[] reply, long op) {
            this(clientId, requestNumber, requestNumber, reply, op);
        }

        private Session(long clientId, long base, long requestNumber, byte[] reply, long op) {
            this.clientId = clientId;
            this.base = base;
            this.requestNumber = requestNumber;
            this.reply = reply;
            this.op = op;
        }
    }

    private final int sessionsMax;
    private final LinkedHashMap<Long, Session> sessions = new LinkedHashMap<>();
    private long evictions;

    ClientTable(int sessionsMax) {
        this.sessionsMax = sessionsMax;
    }

    Session get(long clientId) {
        return sessions.get(clientId);
    }

    int size() {
        return sessions.size();
    }

    long evictions() {
        return evictions;
    }

    /** Records that {@code clientId} executed {@code requestNumber} at {@code op}. */
    void update(long clientId, long requestNumber, byte[] reply, long op) {
        Session session = sessions.remove(clientId);
        if (session == null) {
            if (sessions.size() == sessionsMax) evictEldest();
            session = new Session(clientId, requestNumber, reply, op);
        } else {
            Check.that(requestNumber > session.requestNumber, "request numbers increase");
            session.requestNumber = requestNumber;
            session.reply = reply;
            session.op = op;
        }
        sessions.put(clientId, session);
        Check.that(sessions.size() <= sessionsMax, "client table within sessionsMax");
    }

    private void evictEldest() {
        Iterator<Session> eldest = sessions.values().iterator();
        eldest.next();
        eldest.remove();
        evictions++;
    }

    /** A checksum of the table, in its (deterministic) order. */
    long checksum() {
        Checksum c = new Checksum().add(sessions.size());
        for (Session s : sessions.values()) c.add(s.clientId).add(s.base).add(s.requestNumber).add(s.op).add(s.reply);
        return c.value();
    }

    /** Bytes of one encoded session besides its reply: client id, base, request number, op, reply length. */
    private static final int SESSION_FIXED_BYTES = 4 * Long.BYTES + Integer.BYTES;

    /**
     * The table as bytes, for a checkpoint: the session count, then each session in execution
     * order (which decides the next eviction), with its reply. Little-endian.
     */
    byte[] encode() {
        int size = Integer.BYTES;
        for (Session session : sessions.values()) size += SESSION_FIXED_BYTES + session.reply.length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(sessions.size());
        for (Session session : sessions.values()) {
            b.putLong(session.clientId).putLong(session.base).putLong(session.requestNumber).putLong(session.op)
                    .putInt(session.reply.length).put(session.reply);
        }
        return b.array();
    }

    /**
     * The table {@link #encode} wrote, for a replica that restores a checkpoint.
     *
     * @throws IllegalArgumentException naming the first thing wrong with the bytes; nothing is
     *     restored then
     */
    static ClientTable decode(byte[] bytes, int sessionsMax) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < Integer.BYTES) throw new IllegalArgumentException("client table: no session count");
        int count = b.getInt();
        if (count < 0 || count > sessionsMax) {
            throw new IllegalArgumentException("client table: " + count + " sessions, more than clientTableSessionsMax "
                    + sessionsMax);
        }
        ClientTable table = new ClientTable(sessionsMax);
        for (int i = 0; i < count; i++) {
            if (b.remaining() < SESSION_FIXED_BYTES) {
                throw new IllegalArgumentException("client table: session " + i + " cut short");
            }
            long clientId = b.getLong();
            long base = b.getLong();
            long requestNumber = b.getLong();
            long op = b.getLong();
            int replyLength = b.getInt();
            if (replyLength < 0 || replyLength > b.remaining()) {
                throw new IllegalArgumentException("client table: session " + i + " has a reply of " + replyLength
                        + " bytes, " + b.remaining() + " left");
            }
            if (requestNumber < base || op < 1) {
                throw new IllegalArgumentException("client table: session " + i + " (client " + clientId
                        + ") has request number " + requestNumber + " below its base " + base + " or op " + op);
            }
            byte[] reply = new byte[replyLength];
            b.get(reply);
            if (table.sessions.put(clientId, new Session(clientId, base, requestNumber, reply, op)) != null) {
                throw new IllegalArgumentException("client table: client " + clientId + " has two sessions");
            }
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("client table: " + b.remaining() + " bytes after the last session");
        }
        return table;
    }
}
