package dev.viewstamp.check;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks a recorded history file: the entry point for {@code vsr lincheck}. Each format knows how
 * to read its files and what value its keys start with, so the caller names only the format.
 */
public final class Lincheck {

    private Lincheck() {}

    public enum Format {
        /** One register, from a Jepsen log; see {@link JepsenRegisterHistory}. */
        JEPSEN_REGISTER("jepsen-register"),
        /** A key-value store with get, put and append, as EDN lines; see {@link JepsenKvHistory}. */
        JEPSEN_KV("jepsen-kv"),
        /** Our key-value store's ops, one per line, as the simulator writes them; see {@link KvHistory}. */
        VSR_KV("vsr-kv");

        private final String cliName;

        Format(String cliName) {
            this.cliName = cliName;
        }

        /** The name on the command line, e.g. {@code jepsen-register}. */
        public String cliName() {
            return cliName;
        }

        /** @throws IllegalArgumentException listing the names, if {@code name} is none of them */
        public static Format ofCliName(String name) {
            for (Format format : values()) {
                if (format.cliName.equals(name)) return format;
            }
            throw new IllegalArgumentException("unknown history format " + name + "; expected one of "
                    + Arrays.stream(values()).map(Format::cliName).toList());
        }
    }

    /**
     * @throws IOException if the file cannot be read
     * @throws HistoryFormatException naming the file and line, if it does not parse
     */
    public static Result checkFile(Format format, Path file) throws IOException {
        return checkFile(format, file, new LinearizabilityChecker());
    }

    /** Like {@link #checkFile(Format, Path)}, with a checker of the caller's budget. */
    public static Result checkFile(Format format, Path file, LinearizabilityChecker checker) throws IOException {
        return switch (format) {
            case JEPSEN_REGISTER ->
                    checker.check(JepsenRegisterHistory.parse(file), JepsenRegisterHistory.INITIAL_VALUE);
            case JEPSEN_KV -> checker.check(JepsenKvHistory.parse(file), JepsenKvHistory.INITIAL_VALUE);
            case VSR_KV -> checker.check(KvHistory.parse(file), KvHistory.INITIAL_VALUE);
        };
    }
}
