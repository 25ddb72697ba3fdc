package dev.viewstamp.server.cli;

import dev.viewstamp.check.Lincheck;
import dev.viewstamp.check.Result;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vsr lincheck}: the linearizability checker of vsr-check, the one the simulator runs, on recorded histories. */
@Command(name = "lincheck", mixinStandardHelpOptions = true,
        description = {"Checks recorded histories for linearizability with the simulator's checker. Prints one " +
                "line per file: FILE linearizable | FILE not-linearizable | FILE unknown (search budget " +
                "exhausted)."},
        footer = {"",
                "Exit codes: 0 every file linearizable; 1 some file not linearizable or undecided; 2 usage " +
                "error; 3 a file is missing or malformed."})
final class LincheckCommand implements Callable<Integer> {

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "History format: jepsen-register (one register, Jepsen's etcd log lines), "
                    + "jepsen-kv (EDN maps with :f :get/:put/:append and :key) or vsr-kv (one op per line with "
                    + "ticks, as vsr simulate --history-out writes it).")
    String format;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "History files to check.")
    List<Path> files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Lincheck.Format parsed;
        try {
            parsed = Lincheck.Format.ofCliName(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown --format '" + format + "': use jepsen-register, jepsen-kv or vsr-kv");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int exit = 0;
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                err.println("vsr lincheck: " + file + ": no such file");
                exit = 3;
                continue;
            }
            try {
                Result result = Lincheck.checkFile(parsed, file);
                String verdict = switch (result.verdict()) {
                    case LINEARIZABLE -> "linearizable";
                    case NOT_LINEARIZABLE -> "not-linearizable";
                    case UNKNOWN -> "unknown";
                };
                out.println(file + " " + verdict);
                if (!result.isLinearizable() && exit == 0) exit = 1;
            } catch (Exception e) {
                err.println("vsr lincheck: " + file + ": " + e.getMessage());
                exit = 3;
            }
            out.flush();
        }
        return exit;
    }
}
