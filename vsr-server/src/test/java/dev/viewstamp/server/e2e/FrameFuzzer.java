package dev.viewstamp.server.e2e;

import dev.viewstamp.codec.Hello;
import dev.viewstamp.codec.WireFormat;
import dev.viewstamp.core.Checksum;
import dev.viewstamp.core.message.Commit;
import dev.viewstamp.core.message.DoViewChange;
import dev.viewstamp.core.message.Entries;
import dev.viewstamp.core.message.Entry;
import dev.viewstamp.core.message.GetEntries;
import dev.viewstamp.core.message.GetState;
import dev.viewstamp.core.message.Message;
import dev.viewstamp.core.message.Prepare;
import dev.viewstamp.core.message.PrepareOk;
import dev.viewstamp.core.message.Recovery;
import dev.viewstamp.core.message.Reply;
import dev.viewstamp.core.message.Request;
import dev.viewstamp.core.message.StartView;
import dev.viewstamp.core.message.StartViewChange;
import dev.viewstamp.core.message.SyncChunk;
import dev.viewstamp.core.replica.ClusterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens connections to one replica and sends each a short script of frames: random bytes, real
 * frames damaged in one way each, Hellos the replica must refuse, messages a client may not send,
 * and Requests with absurd fields. A script ends when it is written or the replica closes the
 * connection (what most of them are for); then the fuzzer half-closes and reads to the replica's
 * end of the stream, so every connection is seen through before the next one starts.
 *
 * <p>It never sends a well-formed protocol message on a connection whose Hello says REPLICA with
 * an index the replica accepts: the protocol trusts its peers, so such a message is not fuzz but
 * an impersonation, which is not what this test is about. Every frame after such a Hello fails
 * one of the wire format's checks (a checksum, the magic, the version, the cluster, the kind or
 * the size), or is a Request or Reply, which a replica link may not carry.
 */
final class FrameFuzzer {

    /** What a script does; the counts in the report are per shape. */
    enum Shape {
        RANDOM_BYTES,
        MESSAGE_BEFORE_HELLO,
        DAMAGED_HELLO,
        REFUSED_REPLICA_HELLO,
        LARGE_BODY_BEFORE_HELLO,
        CLIENT_THEN_DAMAGED,
        CLIENT_THEN_RESEALED_BODY,
        CLIENT_THEN_FORBIDDEN_KIND,
        CLIENT_THEN_ABSURD_REQUESTS,
        REPLICA_THEN_DAMAGED,
        REPLICA_THEN_CLIENT_KIND,
    }

    private static final int HEADER = WireFormat.HEADER_SIZE_BYTES;

    private final long clusterId;
    private final int replicaCount;
    private final int bodySizeBytesMax;
    private final List<Message> messages;
    final LongAdder framesSent = new LongAdder();
    /**
     * Of {@link #framesSent}, the valid Hellos that open the CLIENT_THEN and REPLICA_THEN scripts:
     * well-formed on purpose, so not counted as fuzz.
     */
    final LongAdder openingHellosSent = new LongAdder();
    final LongAdder connections = new LongAdder();
    /** Connections the replica did not end within the read timeout after we half-closed: a hang. */
    final LongAdder stuckConnections = new LongAdder();
    final Map<Shape, AtomicInteger> framesByShape = new ConcurrentHashMap<>();

    FrameFuzzer(long clusterId, int replicaCount, int bodySizeBytesMax) {
        this.clusterId = clusterId;
        this.replicaCount = replicaCount;
        this.bodySizeBytesMax = bodySizeBytesMax;
        this.messages = sampleMessages();
    }

    /** One of each message kind a replica or client sends, with plausible fields. */
    private static List<Message> sampleMessages() {
        Entry entry = Entry.create(0, 3, 0x1234_5678L, 1_000_000L,
                List.of(new Request(77, 5, "put fuzz 1".getBytes(StandardCharsets.UTF_8))));
        Entry next = Entry.create(0, 4, entry.checksum(), 1_000_001L, List.of());
        long[] crash = {0, 1, 0};
        return List.of(
                new Request(0x0102_0304_0506_0708L, 0x1122_3344_5566_7788L, "put key value".getBytes(StandardCharsets.UTF_8)),
                new Reply(0, 77, 5, Reply.Status.OK, "OK".getBytes(StandardCharsets.UTF_8), 1),
                new Prepare(0, 2, 0xFEED, entry, 1, 0, 0),
                new PrepareOk(0, 3, 1, 0),
                new Commit(0, 3, 0xFEED, 1, crash, 0, 0),
                new StartViewChange(1, 2, crash),
                new DoViewChange(1, 0, 4, 2, 2, 0xABCD, List.of(entry, next), 2, 0, crash),
                new StartView(1, 4, 2, 2, 0xABCD, List.of(entry, next), 1),
                new GetState(0, 2, 1, 99),
                new GetEntries(1, 4, next.checksum(), 2),
                new Entries(List.of(entry), 2),
                new Recovery(42, crash, 2),
                new SyncChunk(64, 7, 0, 4096, 0xAA, new byte[512], 0xBB, 1));
    }

    /**
     * Runs scripts against {@code target} until {@code fuzzFramesTarget} fuzz frames are sent in
     * all or {@code deadlineNanos} passes. Safe to call from several threads.
     */
    void run(InetSocketAddress target, int replicaIndex, long fuzzFramesTarget, long deadlineNanos, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        while (fuzzFramesSent() < fuzzFramesTarget && System.nanoTime() < deadlineNanos) {
            Shape shape = pick(random);
            List<byte[]> script = script(shape, replicaIndex, random);
            int sent = play(target, script, random);
            framesSent.add(sent);
            if (sent > 0 && shape.name().contains("_THEN_")) openingHellosSent.increment();
            framesByShape.computeIfAbsent(shape, s -> new AtomicInteger()).addAndGet(sent);
            connections.increment();
        }
    }

    /** Frames sent that are random, damaged, refused or absurd: all but the opening Hellos. */
    long fuzzFramesSent() {
        return framesSent.sum() - openingHellosSent.sum();
    }

    private static Shape pick(SplittableRandom random) {
        int r = random.nextInt(100);
        if (r < 10) return Shape.RANDOM_BYTES;
        if (r < 15) return Shape.MESSAGE_BEFORE_HELLO;
        if (r < 25) return Shape.DAMAGED_HELLO;
        if (r < 30) return Shape.REFUSED_REPLICA_HELLO;
        if (r < 31) return Shape.LARGE_BODY_BEFORE_HELLO;
        if (r < 50) return Shape.CLIENT_THEN_DAMAGED;
        if (r < 62) return Shape.CLIENT_THEN_RESEALED_BODY;
        if (r < 70) return Shape.CLIENT_THEN_FORBIDDEN_KIND;
        if (r < 75) return Shape.CLIENT_THEN_ABSURD_REQUESTS;
        if (r < 92) return Shape.REPLICA_THEN_DAMAGED;
        return Shape.REPLICA_THEN_CLIENT_KIND;
    }

    /** The frames of one connection, in order; each element counts as one frame sent. */
    List<byte[]> script(Shape shape, int replicaIndex, SplittableRandom random) {
        List<byte[]> frames = new ArrayList<>();
        switch (shape) {
            case RANDOM_BYTES -> frames.add(randomBytes(random, 1 + random.nextInt(random.nextBoolean() ? 64 : 4096)));
            case MESSAGE_BEFORE_HELLO -> frames.add(WireFormat.encode(clusterId, anyMessage(random)));
            case DAMAGED_HELLO -> frames.add(damage(clientHello(random), random, true));
            case REFUSED_REPLICA_HELLO -> frames.add(refusedReplicaHello(replicaIndex, random));
            case LARGE_BODY_BEFORE_HELLO -> {
                // A Hello's header that declares a body far larger than a Hello's (within the
                // message limit), then 1 MiB of that body: refused at the header, so the replica
                // buffers none of it (it used to buffer all of it, up to the message limit).
                byte[] frame = java.util.Arrays.copyOf(clientHello(random), HEADER + (1 << 20));
                resealHeader(frame, 8 << 20);
                System.arraycopy(randomBytes(random, 1 << 20), 0, frame, HEADER, 1 << 20);
                frames.add(frame);
            }
            case CLIENT_THEN_DAMAGED -> {
                frames.add(clientHello(random));
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) frames.add(damage(WireFormat.encode(clusterId, anyMessage(random)), random, true));
            }
            case CLIENT_THEN_RESEALED_BODY -> {
                frames.add(clientHello(random));
                int count = 1 + random.nextInt(4);
                for (int i = 0; i < count; i++) frames.add(resealedBody(random));
            }
            case CLIENT_THEN_FORBIDDEN_KIND -> {
                frames.add(clientHello(random));
                Message message;
                do {
                    message = anyMessage(random);
                } while (message instanceof Request);
                frames.add(WireFormat.encode(clusterId, message));
            }
            case CLIENT_THEN_ABSURD_REQUESTS -> {
                frames.add(clientHello(random));
                int count = 1 + random.nextInt(6);
                for (int i = 0; i < count; i++) frames.add(WireFormat.encode(clusterId, absurdRequest(random)));
            }
            case REPLICA_THEN_DAMAGED -> {
                frames.add(acceptedReplicaHello(replicaIndex, random));
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) frames.add(damage(WireFormat.encode(clusterId, anyMessage(random)), random, false));
            }
            case REPLICA_THEN_CLIENT_KIND -> {
                frames.add(acceptedReplicaHello(replicaIndex, random));
                Message message = random.nextBoolean() ? absurdRequest(random) : messages.get(1);
                frames.add(WireFormat.encode(clusterId, message));
            }
        }
        return frames;
    }

    /**
     * Writes the frames until one fails (the replica closed the connection), then half-closes and
     * reads to the end of the stream. Returns how many frames were written.
     */
    private int play(InetSocketAddress target, List<byte[]> frames, SplittableRandom random) {
        int sent = 0;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5_000);
            socket.connect(target, 2_000);
            OutputStream out = socket.getOutputStream();
            try {
                for (byte[] frame : frames) {
                    out.write(frame);
                    sent++;
                }
                out.flush();
                socket.shutdownOutput();
            } catch (IOException refused) {
                // The replica closed the connection on a frame it refused: what these are for.
            }
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            try {
                while (in.read(sink) >= 0) {
                    // The replica's Hello, and the replies to accepted Requests.
                }
            } catch (SocketTimeoutException e) {
                stuckConnections.increment();
            } catch (IOException reset) {
                // Reset after the replica closed on unread bytes of ours: also an end.
            }
        } catch (IOException e) {
            throw new AssertionError("cannot connect to " + target + ": " + e, e);
        }
        return sent;
    }

    /**
     * Whether the replica ends, within 5 s and without our half-close, a connection whose first
     * frame is a Hello header that declares an 8 MiB body: a replica that waits for that body
     * would buffer it, and as much again for every other such connection.
     */
    boolean closesOnLargeHelloHeader(InetSocketAddress target) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(5_000);
            socket.connect(target, 2_000);
            byte[] header = java.util.Arrays.copyOf(clientHello(new SplittableRandom(1)), HEADER);
            resealHeader(header, 8 << 20);
            socket.getOutputStream().write(header);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            try {
                while (in.read(sink) >= 0) {
                    // The replica's Hello.
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
    }

    private Message anyMessage(SplittableRandom random) {
        return messages.get(random.nextInt(messages.size()));
    }

    private byte[] clientHello(SplittableRandom random) {
        return WireFormat.encodeHello(new Hello(clusterId, Hello.Role.CLIENT, random.nextLong()));
    }

    /** A REPLICA Hello the transport accepts: another replica's index. */
    private byte[] acceptedReplicaHello(int replicaIndex, SplittableRandom random) {
        int index = (replicaIndex + 1 + random.nextInt(replicaCount - 1)) % replicaCount;
        return WireFormat.encodeHello(new Hello(clusterId, Hello.Role.REPLICA, index));
    }

    /**
     * A REPLICA Hello the replica must refuse: its own index, an index of no replica of this
     * cluster, or one outside what the wire format allows (forged, since Hello refuses to build it).
     */
    private byte[] refusedReplicaHello(int replicaIndex, SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> WireFormat.encodeHello(new Hello(clusterId, Hello.Role.REPLICA, replicaIndex));
            case 1 -> WireFormat.encodeHello(new Hello(clusterId, Hello.Role.REPLICA,
                    replicaCount + random.nextInt(ClusterConfig.REPLICAS_MAX - replicaCount)));
            default -> {
                byte[] frame = clientHello(random);
                frame[HEADER] = 0; // role REPLICA
                long id = random.nextBoolean() ? ClusterConfig.REPLICAS_MAX + random.nextInt(1_000) : -1 - random.nextInt(10);
                le(frame).putLong(HEADER + 1, id);
                resealBody(frame);
                yield frame;
            }
        };
    }

    /**
     * A Request the codec accepts but no client would send: a client id nobody registered
     * (including 0, -1 and the extremes), a request number far ahead (never 0, which would
     * register a session and could evict a real client's), and an operation of garbage, empty,
     * or larger than a batch.
     */
    private Request absurdRequest(SplittableRandom random) {
        long clientId = switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MIN_VALUE;
            case 3 -> Long.MAX_VALUE;
            default -> random.nextLong();
        };
        long requestNumber = switch (random.nextInt(3)) {
            case 0 -> Long.MAX_VALUE;
            case 1 -> 1;
            default -> 1 + (random.nextLong() >>> 1) % (Long.MAX_VALUE - 1);
        };
        byte[] operation = switch (random.nextInt(8)) {
            case 0 -> new byte[0];
            case 1 -> randomBytes(random, 300 << 10); // over a batch: the primary answers TOO_LARGE
            case 2 -> "put stolen value".getBytes(StandardCharsets.UTF_8);
            default -> randomBytes(random, random.nextInt(2_048));
        };
        return new Request(clientId, requestNumber, operation);
    }

    /**
     * A real frame damaged in one way. {@code resealAllowed}: whether the damage may also rewrite
     * the checksums over a changed body (never after an accepted REPLICA Hello, see the class
     * comment); header-only reseals always leave a check that fails.
     */
    private byte[] damage(byte[] frame, SplittableRandom random, boolean resealAllowed) {
        byte[] f = frame.clone();
        int choice = random.nextInt(resealAllowed ? 11 : 9);
        switch (choice) {
            case 0 -> { // bit flips anywhere, checksums left alone
                int flips = 1 + random.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    int bit = random.nextInt(f.length * 8);
                    f[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 1 -> f = java.util.Arrays.copyOf(f, random.nextInt(f.length)); // truncated
            case 2 -> { // another declared size, header resealed: the body checksum or its length fails
                int size;
                do {
                    size = random.nextInt(f.length + 64);
                } while (size == f.length - HEADER);
                resealHeader(f, size);
            }
            case 3 -> { // a huge declared size, header resealed: refused before any body is read
                int[] sizes = {-1, Integer.MAX_VALUE, bodySizeBytesMax + 1, 1 << 30, Integer.MIN_VALUE};
                resealHeader(f, sizes[random.nextInt(sizes.length)]);
            }
            case 4 -> { // another cluster
                le(f).putLong(24, clusterId + 1 + random.nextInt(1_000));
                resealHeader(f, f.length - HEADER);
            }
            case 5 -> { // an unknown kind: 0, or past the last code
                le(f).putShort(22, (short) (random.nextBoolean() ? 0 : 19 + random.nextInt(65_536 - 19)));
                resealHeader(f, f.length - HEADER);
            }
            case 6 -> { // another version
                le(f).putShort(20, (short) (WireFormat.VERSION + 1 + random.nextInt(100)));
                resealHeader(f, f.length - HEADER);
            }
            case 7 -> { // another magic, or a reserved field that is not 0
                if (random.nextBoolean()) le(f).putInt(16, random.nextInt());
                else le(f).putInt(36, 1 + random.nextInt(1_000));
                resealHeader(f, f.length - HEADER);
            }
            case 8 -> f = randomBytes(random, HEADER + random.nextInt(256)); // frame-sized garbage
            case 9 -> { // body bits flipped, both checksums resealed: the body decoder sees them
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips && f.length > HEADER; i++) {
                    int bit = HEADER * 8 + random.nextInt((f.length - HEADER) * 8);
                    f[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                resealBody(f);
            }
            default -> { // trailing or missing body bytes, resealed: the body decodes short or long
                int size = Math.max(0, f.length - HEADER + random.nextInt(-16, 17));
                byte[] g = java.util.Arrays.copyOf(f, HEADER + size);
                resealBody(g);
                f = g;
            }
        }
        return f;
    }

    /** A sealed frame of a real kind whose body is random bytes, or a real body's prefix. */
    private byte[] resealedBody(SplittableRandom random) {
        byte[] real = WireFormat.encode(clusterId, anyMessage(random));
        if (random.nextBoolean()) return damage(real, random, true);
        byte[] f = java.util.Arrays.copyOf(real, HEADER + random.nextInt(Math.min(4_096, 2 * (real.length - HEADER) + 1)));
        for (int i = HEADER; i < f.length; i++) f[i] = (byte) random.nextInt(256);
        // Some kinds lead with counts and lengths: make a few of them huge, not just random.
        if (f.length >= HEADER + 4 && random.nextBoolean()) le(f).putInt(HEADER + random.nextInt(f.length - HEADER - 3), -1);
        resealBody(f);
        return f;
    }

    private static byte[] randomBytes(SplittableRandom random, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i += 8) {
            long word = random.nextLong();
            for (int j = i; j < Math.min(size, i + 8); j++) {
                bytes[j] = (byte) word;
                word >>>= 8;
            }
        }
        return bytes;
    }

    private static ByteBuffer le(byte[] frame) {
        return ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes {@code bodySizeBytes} into the header and its checksum, as a sender would. */
    private static void resealHeader(byte[] frame, int bodySizeBytes) {
        le(frame).putInt(32, bodySizeBytes);
        le(frame).putLong(0, Checksum.of(frame, 8, HEADER - 8));
    }

    /** Seals a frame whose body is all that follows the header: size and both checksums. */
    private static void resealBody(byte[] frame) {
        le(frame).putLong(8, Checksum.of(frame, HEADER, frame.length - HEADER));
        resealHeader(frame, frame.length - HEADER);
    }
}
