package dev.viewstamp.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vsr} command line: one command, a subcommand per job. */
@Command(name = "vsr", mixinStandardHelpOptions = true, versionProvider = Vsr.Version.class,
        description = "Viewstamp: Viewstamped Replication for the JVM.",
        subcommands = {SimulateCommand.class, LincheckCommand.class, FormatCommand.class, InspectCommand.class,
                ServerCommand.class, KvCliCommand.class, DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success; 2 usage error; see each subcommand's help for the rest."})
public final class Vsr implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Vsr());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Vsr.class.getPackage().getImplementationVersion();
            return new String[] {"vsr " + (version == null ? "development build" : version)};
        }
    }
}
