package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.net.NettyClientTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of `vsr server` processes on loopback, each in its own process group, formatted in a
 * test's directory: start, kill -9, stop and restart replicas, and read what each says of itself
 * from the status lines it prints ({@code --status-interval}).
 */
final class ProcessCluster implements AutoCloseable {

    /** The cluster id every ProcessCluster is formatted with. */
    static final long CLUSTER_ID = 11;

    private static final Pattern STATUS = Pattern.compile("status replica=(\\d+) status=(\\S+) view=(\\d+) primary=(\\S+) "
            + "op=(\\d+) commit=(\\d+) checkpoint=(\\d+) checksum=(\\S+) syncs=(\\d+)");

    /** A replica's last status line. */
    record Status(int replica, String status, long view, boolean primary, long op, long commit, long checkpoint,
            String checksum, long syncs) {}

    private final Path dir;
    /** Where the data directories are (the test's directory, or a file system of a test's own). */
    private final Path dataRoot;
    private final int size;
    private final List<String> addresses = new ArrayList<>();
    private final VsrProcess[] processes;
    private final Path[] outputs;
    private final int[] incarnations;
    /** Where each replica serves the Redis protocol, once {@link #withResp} asked for it; else null. */
    private int[] respPorts;
    /** {@code links[i][j]}: the proxy replica {@code i} dials replica {@code j} through, or null without proxies. */
    private final LinkProxy[][] links;
    /** Each replica's admin endpoint port ({@code --admin}), or null when the replicas serve none. */
    private int[] adminPorts;

    /** Formats {@code size} replicas with journals of {@code journalSlots} slots (checkpoints as `vsr format` derives them). */
    ProcessCluster(Path dir, int size, int journalSlots) throws Exception {
        this(dir, size, journalSlots, false);
    }

    /**
     * As {@link #ProcessCluster(Path, int, int)}; with {@code proxied}, every replica dials each peer
     * through a {@link LinkProxy} of its own ({@code --cluster} names the proxies, {@code --listen}
     * the replica's own address), so a test can cut any link.
     */
    ProcessCluster(Path dir, int size, int journalSlots, boolean proxied) throws Exception {
        this(dir, dir, size, journalSlots, proxied);
    }

    /**
     * As {@link #ProcessCluster(Path, int, int, boolean)}, with the data directories in
     * {@code dataRoot} (the output files stay in {@code dir}) and {@code formatArgs} added to each
     * `vsr format`.
     */
    ProcessCluster(Path dir, Path dataRoot, int size, int journalSlots, boolean proxied, String... formatArgs)
            throws Exception {
        this.dir = dir;
        this.dataRoot = dataRoot;
        this.size = size;
        this.processes = new VsrProcess[size];
        this.outputs = new Path[size];
        this.incarnations = new int[size];
        this.links = proxied ? new LinkProxy[size][size] : null;
        for (int i = 0; i < size; i++) addresses.add("127.0.0.1:" + freePort());
        if (proxied) {
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < size; j++) {
                    if (i != j) links[i][j] = LinkProxy.start(new InetSocketAddress("127.0.0.1", port(j)));
                }
            }
        }
        for (int i = 0; i < size; i++) {
            List<String> args = new ArrayList<>(List.of("format", "--cluster-id", "" + CLUSTER_ID, "--cluster", cluster(),
                    "--replica", "" + i, "--data", data(i).toString(), "--journal-slots", "" + journalSlots));
            args.addAll(List.of(formatArgs));
            VsrProcess.Result format = VsrProcess.run(dir, 60, args.toArray(String[]::new));
            assertThat(format.exit()).as(format.output()).isZero();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Gives every replica an admin endpoint on a free loopback port ({@code --admin}), from its next start. */
    ProcessCluster withAdmin() throws IOException {
        adminPorts = new int[size];
        for (int i = 0; i < size; i++) adminPorts[i] = freePort();
        return this;
    }

    /** The base URL of replica {@code i}'s admin endpoint, without a trailing slash ({@link #withAdmin}). */
    String adminUrl(int i) {
        return "http://127.0.0.1:" + adminPorts[i];
    }

    String cluster() {
        return String.join(",", addresses);
    }

    /** The replicas' own addresses, in replica order (where clients dial them). */
    List<InetSocketAddress> addresses() {
        List<InetSocketAddress> parsed = new ArrayList<>();
        for (int i = 0; i < size; i++) parsed.add(new InetSocketAddress("127.0.0.1", port(i)));
        return parsed;
    }

    /** Everything replica {@code i}'s current process wrote. */
    String output(int i) throws IOException {
        return Files.readString(outputs[i]);
    }

    private int port(int i) {
        String a = addresses.get(i);
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** The addresses replica {@code i} dials its peers at: the proxies of its links, when there are. */
    private String clusterSeenBy(int i) {
        if (links == null) return cluster();
        List<String> seen = new ArrayList<>();
        for (int j = 0; j < size; j++) seen.add(j == i ? addresses.get(i) : "127.0.0.1:" + links[i][j].port());
        return String.join(",", seen);
    }

    /** Replicas started from now on also serve the Redis protocol, each on a free port of its own. */
    ProcessCluster withResp() throws IOException {
        if (respPorts == null) {
            respPorts = new int[size];
            for (int i = 0; i < size; i++) respPorts[i] = freePort();
        }
        return this;
    }

    /** The port replica {@code i} serves the Redis protocol on ({@link #withResp}). */
    int respPort(int i) {
        return respPorts[i];
    }

    /** Cuts ({@code cut}) or heals every link to and from replica {@code i}: it is partitioned from its peers. */
    void isolate(int i, boolean cut) {
        for (int j = 0; j < size; j++) {
            if (j == i) continue;
            links[i][j].mode(cut ? LinkProxy.Mode.CUT : LinkProxy.Mode.PASS);
            links[j][i].mode(cut ? LinkProxy.Mode.CUT : LinkProxy.Mode.PASS);
        }
    }

    /** SIGSTOP ({@code paused}) or SIGCONT to replica {@code i}. */
    void pause(int i, boolean paused) {
        if (paused) processes[i].pause();
        else processes[i].resume();
    }

    private Path data(int i) {
        return dataRoot.resolve("replica-" + i);
    }

    void startAll() throws IOException {
        for (int i = 0; i < size; i++) start(i);
    }

    /**
     * Starts every replica and waits until each has said its status, which it does once its
     * front ends (--resp, --admin) listen: a test may then dial any of them.
     */
    void startAllServing() throws Exception {
        startAll();
        awaitConvergence(0, Duration.ofSeconds(30));
    }

    /** Starts replica {@code i} from its data directory; its output goes to a file of this incarnation. */
    void start(int i) throws IOException {
        outputs[i] = dir.resolve("replica-" + i + "." + (incarnations[i]++) + ".log");
        List<String> args = new ArrayList<>(List.of("server", "--data", data(i).toString(), "--status-interval", "50",
                "--cluster", clusterSeenBy(i), "--listen", addresses.get(i)));
        if (respPorts != null) args.addAll(List.of("--resp", "127.0.0.1:" + respPorts[i]));
        if (adminPorts != null) args.addAll(List.of("--admin", "127.0.0.1:" + adminPorts[i]));
        processes[i] = VsrProcess.start(outputs[i], args.toArray(String[]::new));
    }

    /** SIGTERM: the replica shuts down; returns its exit code (-1: still running after 10 s, then killed). */
    int terminate(int i) throws InterruptedException {
        int exit = processes[i].terminate();
        if (exit == -1) processes[i].kill();
        processes[i] = null;
        return exit;
    }

    /** SIGKILL: the replica stops at once, mid-write. */
    void kill(int i) throws InterruptedException {
        processes[i].kill();
        processes[i] = null;
    }

    boolean running(int i) {
        return processes[i] != null && processes[i].process.isAlive();
    }

    /** What replica {@code i} last said of itself, or null when it said nothing yet. */
    Status status(int i) throws IOException {
        if (outputs[i] == null || !Files.exists(outputs[i])) return null;
        Status last = null;
        for (String line : Files.readAllLines(outputs[i])) {
            Matcher m = STATUS.matcher(line);
            if (m.matches()) {
                last = new Status(i, m.group(2), Long.parseLong(m.group(3)), Boolean.parseBoolean(m.group(4)),
                        Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)), m.group(8),
                        Long.parseLong(m.group(9)));
            }
        }
        return last;
    }

    /** The running replica that says it is the primary of the highest view, waiting up to {@code timeout}. */
    int primary(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int primary = -1;
            long view = -1;
            for (int i = 0; i < size; i++) {
                Status s = running(i) ? status(i) : null;
                if (s != null && s.primary() && s.view() > view) {
                    primary = i;
                    view = s.view();
                }
            }
            if (primary >= 0) return primary;
            if (System.nanoTime() > deadline) throw new AssertionError("no primary within " + timeout + ": " + statuses());
            Thread.sleep(50);
        }
    }

    /**
     * Waits until every replica runs, normal in one view, with the same commit (at least
     * {@code commitMin}) and state checksum.
     */
    List<Status> awaitConvergence(long commitMin, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Status> statuses = statuses();
            Status first = statuses.get(0);
            boolean converged = statuses.stream().allMatch(s -> s != null && first != null && s.commit() >= commitMin
                    && s.commit() == first.commit() && s.checksum().equals(first.checksum())
                    && s.status().equals("NORMAL") && s.view() == first.view());
            if (converged) return statuses;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no convergence within " + timeout + ": " + statuses + "\n" + logs());
            }
            Thread.sleep(50);
        }
    }

    /** Waits until a running replica says it committed at least {@code commitMin}. */
    void awaitCommit(long commitMin, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (statuses().stream().noneMatch(s -> s != null && s.commit() >= commitMin)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no commit of " + commitMin + " within " + timeout + ": " + statuses());
            }
            Thread.sleep(50);
        }
    }

    List<Status> statuses() throws IOException {
        List<Status> statuses = new ArrayList<>();
        for (int i = 0; i < size; i++) statuses.add(running(i) ? status(i) : null);
        return statuses;
    }

    /** The last lines of each replica's current output, for a failure message. */
    String logs() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < size; i++) {
            if (outputs[i] == null) continue;
            List<String> lines = Files.readAllLines(outputs[i]).stream().filter(l -> !l.startsWith("status ")).toList();
            s.append("--- replica ").append(i).append(" (").append(outputs[i].getFileName()).append(")\n");
            for (String line : lines.subList(Math.max(0, lines.size() - 15), lines.size())) s.append(line).append('\n');
        }
        return s.toString();
    }

    /** A key-value client of this cluster with {@code sessions} sessions. */
    KvClient client(int sessions) {
        return new KvClient(VsrClient.builder(new NettyClientTransport(NettyClientTransport.LEARN_CLUSTER, addresses(), 64 << 20))
                .sessions(sessions).requestTimeout(Duration.ofSeconds(5)).unavailableAfter(Duration.ofSeconds(20)).build());
    }

    /** Stops every replica still running (SIGTERM, then SIGKILL); the cluster can be closed again. */
    @Override
    public void close() throws Exception {
        for (int i = 0; i < size; i++) {
            if (processes[i] == null) continue;
            if (processes[i].process.isAlive()) processes[i].resume(); // a paused process cannot take its SIGTERM
            processes[i].close();
            processes[i] = null;
        }
        if (links != null) {
            for (LinkProxy[] row : links) for (LinkProxy link : row) if (link != null) link.close();
        }
    }
}
