package dev.viewstamp.server.cli;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.net.NettyClientTransport;
import dev.viewstamp.storage.DataDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vsr demo}: a three-replica cluster of separate processes on loopback, a key-value
 * workload, the primary killed with SIGKILL and brought back, and a summary that shows every
 * replica at the same commit number with the same state.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Formats three data directories in a temporary directory, starts three replicas of the "
                + "key-value service as separate processes on loopback, and runs a workload with a live progress "
                + "line. Then it kills the primary with SIGKILL, shows the view change and the time until the new "
                + "primary commits, restarts the old primary and shows it catch up, and ends with a summary: ops, "
                + "failover time, and each replica's commit number and state checksum, which must be equal. It "
                + "removes what it made, also on Ctrl-C. It takes well under a minute."},
        footer = {"", "Exit codes: 0 the replicas ended equal; 1 they did not, or the cluster failed; 2 usage error."})
final class DemoCommand implements Callable<Integer> {

    private static final Pattern STATUS = Pattern.compile(
            "status replica=(\\d+) status=(\\S+) view=(\\d+) primary=(\\S+) op=(\\d+) commit=(\\d+) checkpoint=(\\d+) "
                    + "checksum=(\\S+) syncs=(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", defaultValue = "16", paramLabel = "N",
            description = "Client sessions running the workload at once (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--phase-seconds", defaultValue = "5", paramLabel = "S",
            description = "How long each phase runs: before the kill, after it, after the restart (default: ${DEFAULT-VALUE}).")
    int phaseSeconds;

    /** What a replica's status line last said. */
    record Status(int replica, String status, long view, boolean primary, long op, long commit, long checkpoint,
            String checksum) {}

    private final Map<Integer, Status> statuses = new ConcurrentHashMap<>();
    private final Process[] processes = new Process[3];
    private Path root;
    private List<String> members;
    /** Each replica's admin endpoint (`--admin`), for a person to open while the demo runs. */
    private final List<String> admins = new ArrayList<>();
    private PrintWriter out;
    private long startedNanos;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (clients < 1 || phaseSeconds < 1) {
            System.err.println("vsr demo: --clients and --phase-seconds must be at least 1");
            return 2;
        }
        root = Files.createTempDirectory("vsr-demo-");
        AtomicBoolean cleaned = new AtomicBoolean();
        Thread cleanup = new Thread(() -> cleanUp(cleaned), "vsr-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return run();
        } finally {
            cleanUp(cleaned);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // Shutting down: the hook runs (and finds it done).
            }
        }
    }

    private int run() throws Exception {
        startedNanos = System.nanoTime();
        members = new ArrayList<>();
        for (int i = 0; i < 3; i++) members.add("127.0.0.1:" + freePort());
        for (int i = 0; i < 3; i++) admins.add("127.0.0.1:" + freePort());
        for (int i = 0; i < 3; i++) {
            DataDirectory.format(root.resolve("replica-" + i), 1, members, i, 8, 1024, 4096, 64 * 1024, false);
        }
        say("formatted 3 replicas in " + root + ", checkpoint every 1,024 ops, journals of 4,096 slots");
        for (int i = 0; i < 3; i++) start(i);
        await(() -> primary() >= 0, Duration.ofSeconds(30), "a primary");
        say("replicas up on " + String.join(", ", members) + "; replica " + primary() + " is primary of view "
                + statuses.get(primary()).view());
        say("admin endpoints (dashboard at /, also /status, /metrics, /cluster): http://"
                + String.join("/, http://", admins) + "/");

        NettyClientTransport transport = new NettyClientTransport(NettyClientTransport.LEARN_CLUSTER,
                Addresses.parse(members), 64 << 20);
        AtomicLong ops = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        long failoverMillis;
        try (KvClient kv = new KvClient(VsrClient.builder(transport).sessions(clients)
                .requestTimeout(Duration.ofSeconds(30)).build())) {
            for (int c = 0; c < clients; c++) loop(kv, c, ops, stop);
            progress(ops, phaseSeconds);

            int old = primary();
            Status before = statuses.get(old);
            say("kill -9 replica " + old + " (primary of view " + before.view() + ", commit " + before.commit() + ")");
            long killed = System.nanoTime();
            processes[old].destroyForcibly();
            processes[old].waitFor(10, TimeUnit.SECONDS);
            statuses.remove(old);
            long commitAtKill = maxCommit();
            await(() -> {
                int p = primary();
                return p >= 0 && p != old && statuses.get(p).view() > before.view() && statuses.get(p).commit() > commitAtKill;
            }, Duration.ofSeconds(30), "a new primary committing");
            failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            Status now = statuses.get(primary());
            say("view change: replica " + now.replica() + " is primary of view " + now.view() + " and commits again, "
                    + failoverMillis + " ms after the kill");
            progress(ops, phaseSeconds);

            say("restart replica " + old);
            start(old);
            await(() -> statuses.containsKey(old) && statuses.get(old).commit() >= maxCommit() - 100,
                    Duration.ofSeconds(30), "replica " + old + " catching up");
            say("replica " + old + " caught up: commit " + statuses.get(old).commit() + " (state sync or log, as needed)");
            progress(ops, phaseSeconds);
            stop.set(true);
            await(() -> kv.client().pendingCount() == 0, Duration.ofSeconds(30), "the clients' last requests");
        }
        await(this::converged, Duration.ofSeconds(30), "every replica at the same commit and state");
        out.println();
        out.printf("summary: ops=%d time=%.1fs failover_ms=%d%n", ops.get(),
                (System.nanoTime() - startedNanos) / 1e9, failoverMillis);
        boolean equal = converged();
        for (int i = 0; i < 3; i++) {
            Status s = statuses.get(i);
            out.printf("  replica %d: %s view=%d commit=%d checksum=%s%n", i, s.status(), s.view(), s.commit(), s.checksum());
        }
        out.println(equal ? "every replica has the same commit number and state checksum" : "REPLICAS DIFFER");
        out.flush();
        return equal ? 0 : 1;
    }

    /** A closed loop of puts on one session: each waits for the last. */
    private void loop(KvClient kv, int client, AtomicLong ops, AtomicBoolean stop) {
        if (stop.get()) return;
        long n = ops.get();
        kv.put("key-" + (n * 31 + client) % 10_000, "value-" + n).whenComplete((ok, error) -> {
            if (error == null) ops.incrementAndGet();
            loop(kv, client, ops, stop);
        });
    }

    private void progress(AtomicLong ops, int seconds) throws InterruptedException {
        for (int s = 0; s < seconds; s++) {
            long before = ops.get();
            Thread.sleep(1_000);
            long after = ops.get();
            int p = primary();
            out.printf("  [%5.1fs] ops=%d ops/s=%d view=%s primary=%s commits=%s%n",
                    (System.nanoTime() - startedNanos) / 1e9, after, after - before,
                    p < 0 ? "-" : String.valueOf(statuses.get(p).view()), p < 0 ? "-" : String.valueOf(p), commits());
            out.flush();
        }
    }

    private String commits() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            Status status = statuses.get(i);
            s.append(i == 0 ? "" : "/").append(status == null ? "down" : String.valueOf(status.commit()));
        }
        return s.toString();
    }

    private void start(int i) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Vsr.class.getName(), "server", "--data",
                root.resolve("replica-" + i).toString(), "--status-interval", "100", "--admin", admins.get(i)));
        Process process = new ProcessBuilder(command)
                .redirectError(root.resolve("replica-" + i + ".log").toFile())
                .start();
        processes[i] = process;
        Thread reader = new Thread(() -> read(i, process), "vsr-demo-replica-" + i);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(int i, Process process) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Matcher m = STATUS.matcher(line);
                if (!m.matches()) continue;
                statuses.put(i, new Status(i, m.group(2), Long.parseLong(m.group(3)), Boolean.parseBoolean(m.group(4)),
                        Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)), m.group(8)));
            }
        } catch (IOException e) {
            // The process ended.
        }
    }

    /** The replica that says it is primary of the highest view, or -1. */
    private int primary() {
        return statuses.values().stream().filter(Status::primary).max(Comparator.comparingLong(Status::view))
                .map(Status::replica).orElse(-1);
    }

    private long maxCommit() {
        return statuses.values().stream().mapToLong(Status::commit).max().orElse(0);
    }

    private boolean converged() {
        if (statuses.size() < 3) return false;
        Status first = statuses.get(0);
        return statuses.values().stream().allMatch(s -> s.commit() == first.commit() && s.checksum().equals(first.checksum()));
    }

    private void await(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (int i = 0; i < 3; i++) {
                if (processes[i] != null && !processes[i].isAlive() && processes[i].exitValue() != 137) {
                    throw new IllegalStateException("replica " + i + " exited with " + processes[i].exitValue() + "; see "
                            + root.resolve("replica-" + i + ".log"));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s; replicas say "
                        + statuses.values());
            }
            Thread.sleep(20);
        }
    }

    private void say(String line) {
        out.printf("[%5.1fs] %s%n", (System.nanoTime() - startedNanos) / 1e9, line);
        out.flush();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops every replica this demo started (SIGTERM, then SIGKILL) and deletes the temporary directory. */
    private void cleanUp(AtomicBoolean cleaned) {
        if (!cleaned.compareAndSet(false, true)) return;
        for (Process p : processes) if (p != null) p.destroy();
        for (Process p : processes) {
            if (p == null) continue;
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (root == null) return;
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("vsr demo: could not remove " + root + ": " + e.getMessage());
        }
    }
}
