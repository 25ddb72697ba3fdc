package dev.viewstamp.server.cli;

import dev.viewstamp.client.KvClient;
import dev.viewstamp.client.VsrClient;
import dev.viewstamp.client.VsrClientException;
import dev.viewstamp.client.net.NettyClientTransport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vsr kv}: one operation on the replicated key-value service, for people and scripts. */
@Command(name = "kv", mixinStandardHelpOptions = true,
        description = {"Runs one operation on the key-value service of a running cluster and prints its result:",
            "  get KEY                the value alone on one line; nothing, and exit 1, for a missing key",
            "  set KEY VALUE          OK",
            "  del KEY                OK (also when the key was missing)",
            "  cas KEY EXPECTED NEW   OK if KEY held EXPECTED and now holds NEW; else NOT SET and exit 1",
            "  cas KEY --absent NEW   the same, for a KEY that must be missing"},
        footer = {"", "Exit codes: 0 done; 1 a missing key (get) or a compare-and-set that did not set; 2 usage "
                + "error; 3 the cluster could not be reached, or did not answer in time (the operation may have "
                + "executed); 4 the service refused the operation (a key or value over its limits)."})
final class KvCliCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--cluster", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "The replicas' addresses, in replica order (any subset of a running cluster works, "
                    + "as long as it is in order with the rest left out at the end).")
    List<String> cluster;

    @Option(names = "--timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "How long to wait for the cluster (default: ${DEFAULT-VALUE} s).")
    int timeoutSeconds;

    @Option(names = "--absent", description = "For cas: the key must be missing (instead of EXPECTED).")
    boolean absent;

    @Parameters(index = "0", paramLabel = "OPERATION", description = "get, set, del or cas.")
    String operation;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "The key, then the values the operation takes.")
    List<String> args = List.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int arity = switch (operation) {
            case "get", "del" -> 1;
            case "set" -> 2;
            case "cas" -> absent ? 2 : 3;
            default -> -1;
        };
        if (arity < 0) return usage("unknown operation '" + operation + "': get, set, del or cas");
        if (args.size() != arity) return usage(operation + " takes " + arity + " argument(s), not " + args.size());
        if (absent && !operation.equals("cas")) return usage("--absent goes with cas only");
        NettyClientTransport transport;
        try {
            transport = new NettyClientTransport(NettyClientTransport.LEARN_CLUSTER, Addresses.parse(cluster), 64 << 20);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
        try (KvClient kv = new KvClient(VsrClient.builder(transport).requestTimeout(timeout).unavailableAfter(timeout)
                .build())) {
            String key = args.get(0);
            switch (operation) {
                case "get" -> {
                    String value = await(kv.get(key), timeout);
                    if (value == null) return 1;
                    out.println(value);
                }
                case "set" -> {
                    await(kv.put(key, args.get(1)), timeout);
                    out.println("OK");
                }
                case "del" -> {
                    await(kv.delete(key), timeout);
                    out.println("OK");
                }
                default -> {
                    boolean set = await(kv.compareAndSet(key, absent ? null : args.get(1), args.get(arity - 1)), timeout);
                    out.println(set ? "OK" : "NOT SET");
                    if (!set) return 1;
                }
            }
            out.flush();
            return 0;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KvClient.Rejected) {
                System.err.println("vsr kv: refused: " + cause.getMessage());
                return 4;
            }
            String why = cause instanceof VsrClientException ? cause.getMessage() : cause.toString();
            if (cause instanceof VsrClientException.Unavailable) why += " (" + String.join(",", cluster) + ")";
            System.err.println("vsr kv: " + why);
            return 3;
        } catch (TimeoutException e) {
            System.err.println("vsr kv: no answer from the cluster at " + String.join(",", cluster) + " within "
                    + timeout.toSeconds() + " s; the operation may have executed");
            return 3;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 3;
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
    }

    private int usage(String message) {
        System.err.println("vsr kv: " + message);
        return 2;
    }
}
