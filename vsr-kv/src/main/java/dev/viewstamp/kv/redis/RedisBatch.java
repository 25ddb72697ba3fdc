package dev.viewstamp.kv.redis;

import dev.viewstamp.kv.KvFormatException;
import dev.viewstamp.kv.KvResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The bytes of a request that runs Redis commands in the key-value state machine, and of its
 * reply. One request carries a batch: its commands run in order as one op, so no other request's
 * command runs between them. A command that fails (a wrong type of argument, say) replies an error
 * and the others still run, as in a Redis MULTI/EXEC.
 *
 * <p>Operation, big-endian, lengths and counts as 4-byte signed integers:
 *
 * <pre>
 * 06 | commandCount | commandCount times: argumentCount | argumentCount times: length | bytes
 * </pre>
 *
 * The tag 06 follows the tags of {@code KvCommand} (01 to 05) in the same numbering, so the state
 * machine tells the two apart by the first byte and the older commands keep their encoding. Each
 * command is an argv, its name first, at least one argument.
 *
 * <p>Reply: each command's reply in RESP2, exactly as Redis would send it, length-prefixed:
 *
 * <pre>
 * 07 | replyCount | replyCount times: length | RESP2 bytes
 * </pre>
 *
 * The tag 07 follows the tags of {@code KvResult} (01 to 06). A batch whose bytes do not decode
 * gets no such reply but an encoded {@link KvResult.Failure} (tag 06) that says why, which
 * {@link #decodeReplies} turns into a {@link KvFormatException}. Both formats are canonical:
 * decoding consumes every byte.
 */
public final class RedisBatch {
    private RedisBatch() {}

    /** The first byte of a batch operation. Never renumber it: replicated logs hold it. */
    public static final byte OPERATION_TAG = 6;

    /** The first byte of a batch reply. */
    public static final byte REPLY_TAG = 7;

    private static final int TAG_SIZE_BYTES = 1;
    private static final int LENGTH_SIZE_BYTES = Integer.BYTES;

    /** The operation bytes of one request that executes {@code commands} (each an argv, name first) in order, atomically, as one op. */
    public static byte[] encode(List<List<byte[]>> commands) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(encodedSize(commands)));
        out.put(OPERATION_TAG).putInt(commands.size());
        for (List<byte[]> command : commands) {
            out.putInt(command.size());
            for (byte[] argument : command) out.putInt(argument.length).put(argument);
        }
        return out.array();
    }

    /** The size in bytes {@link #encode} would produce (for the front end's batch limit). */
    public static long encodedSize(List<List<byte[]>> commands) {
        Objects.requireNonNull(commands, "commands");
        long sizeBytes = TAG_SIZE_BYTES + LENGTH_SIZE_BYTES;
        for (List<byte[]> command : commands) {
            if (command.isEmpty()) throw new IllegalArgumentException("a command needs at least its name");
            sizeBytes += LENGTH_SIZE_BYTES;
            for (byte[] argument : command) sizeBytes += LENGTH_SIZE_BYTES + argument.length;
        }
        return sizeBytes;
    }

    /** Whether {@code operation} is a batch by its tag; it may still fail to decode. */
    public static boolean isBatch(byte[] operation) {
        return operation.length > 0 && operation[0] == OPERATION_TAG;
    }

    /**
     * The commands of an operation that {@link #encode} wrote.
     *
     * @throws KvFormatException for a wrong tag, a truncated or negative count or length, an empty
     *     command, or trailing bytes; the message says which and where
     */
    public static List<List<byte[]>> decode(byte[] operation) throws KvFormatException {
        Reader in = new Reader(operation, OPERATION_TAG, "RedisBatch");
        int commandCount = in.count("commandCount");
        List<List<byte[]>> commands = new ArrayList<>(commandCount);
        for (int commandIndex = 0; commandIndex < commandCount; commandIndex++) {
            int argumentCount = in.count("command " + commandIndex + " argumentCount");
            if (argumentCount == 0) throw new KvFormatException("RedisBatch: command " + commandIndex + " is empty");
            List<byte[]> command = new ArrayList<>(argumentCount);
            for (int argumentIndex = 0; argumentIndex < argumentCount; argumentIndex++) {
                command.add(in.bytes("command " + commandIndex + " argument " + argumentIndex));
            }
            commands.add(command);
        }
        in.end();
        return commands;
    }

    /** The reply bytes that list {@code replies}, each one RESP2 reply. */
    public static byte[] encodeReplies(List<byte[]> replies) {
        long sizeBytes = TAG_SIZE_BYTES + LENGTH_SIZE_BYTES;
        for (byte[] reply : replies) sizeBytes += LENGTH_SIZE_BYTES + reply.length;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(sizeBytes));
        out.put(REPLY_TAG).putInt(replies.size());
        for (byte[] reply : replies) out.putInt(reply.length).put(reply);
        return out.array();
    }

    /**
     * The reply of a batch request: one RESP2-encoded reply per command, in order (e.g.
     * {@code "+OK\r\n"}, {@code "$3\r\nbar\r\n"}, {@code "$-1\r\n"}, {@code ":1\r\n"},
     * {@code "-ERR ...\r\n"}, {@code "*2\r\n..."}).
     *
     * @throws KvFormatException if the bytes are not a batch reply, or if the state machine
     *     rejected the whole batch as malformed (the message then carries its reason)
     */
    public static List<byte[]> decodeReplies(byte[] reply) throws KvFormatException {
        Objects.requireNonNull(reply, "reply");
        if (reply.length > 0 && reply[0] != REPLY_TAG) {
            // Most likely the state machine's Failure for a batch it could not decode.
            KvResult result = KvResult.decode(reply);
            if (result instanceof KvResult.Failure failure) {
                throw new KvFormatException("the batch was rejected: " + failure.message());
            }
            throw new KvFormatException("not a RedisBatch reply but " + result);
        }
        Reader in = new Reader(reply, REPLY_TAG, "RedisBatch reply");
        int replyCount = in.count("replyCount");
        List<byte[]> replies = new ArrayList<>(replyCount);
        for (int replyIndex = 0; replyIndex < replyCount; replyIndex++) {
            replies.add(in.bytes("reply " + replyIndex));
        }
        in.end();
        return replies;
    }

    /**
     * Reads untrusted bytes: every count and length is checked against the bytes that remain
     * before anything is allocated, so a claimed count of 2^31 in ten bytes costs nothing.
     */
    private static final class Reader {
        private final ByteBuffer in;
        private final String what;

        Reader(byte[] bytes, byte tag, String what) throws KvFormatException {
            Objects.requireNonNull(bytes, "bytes");
            this.what = what;
            if (bytes.length == 0) throw new KvFormatException(what + ": empty, no tag byte");
            if (bytes[0] != tag) {
                throw new KvFormatException(what + ": tag " + (bytes[0] & 0xFF) + ", expected " + tag);
            }
            this.in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        }

        /** A count of items that each take at least 4 more bytes. */
        int count(String name) throws KvFormatException {
            int count = length(name);
            if (count > in.remaining() / LENGTH_SIZE_BYTES) {
                throw new KvFormatException("truncated " + what + ": " + name + " " + count + " needs more than the "
                        + in.remaining() + " remaining bytes");
            }
            return count;
        }

        byte[] bytes(String name) throws KvFormatException {
            int length = length(name + " length");
            if (length > in.remaining()) {
                throw new KvFormatException(
                        "truncated " + what + ": " + name + " length " + length + " > " + in.remaining() + " remaining bytes");
            }
            byte[] bytes = new byte[length];
            in.get(bytes);
            return bytes;
        }

        void end() throws KvFormatException {
            if (in.hasRemaining()) {
                throw new KvFormatException(what + ": " + in.remaining() + " trailing bytes after the last field");
            }
        }

        private int length(String name) throws KvFormatException {
            if (in.remaining() < LENGTH_SIZE_BYTES) {
                throw new KvFormatException("truncated " + what + ": " + name + " needs " + LENGTH_SIZE_BYTES
                        + " bytes, " + in.remaining() + " remaining");
            }
            int length = in.getInt();
            if (length < 0) throw new KvFormatException(what + ": " + name + " " + length + " is negative");
            return length;
        }
    }
}
