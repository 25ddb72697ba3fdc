package dev.viewstamp.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pairs each reply in a Jepsen history with its process's invocation. A Jepsen process runs one
 * op at a time, so its next completion line (ok, fail or info) is the reply to its open
 * invocation; anything else means the file is not what it claims to be.
 */
final class OpenInvocations {

    /**
     * @param f the Jepsen function, e.g. {@code "cas"}
     * @param key the key, for histories that have one
     * @param value the invocation's argument, as written
     */
    record Invocation(int process, String f, String key, String value, long lineNumber) {}

    private final Path file;
    private final Map<Integer, Invocation> openByProcess = new LinkedHashMap<>();

    OpenInvocations(Path file) {
        this.file = file;
    }

    void open(Invocation invocation) {
        Invocation open = openByProcess.putIfAbsent(invocation.process(), invocation);
        if (open != null) {
            throw new HistoryFormatException(file, invocation.lineNumber(), "process " + invocation.process()
                    + " invokes :" + invocation.f() + " while its :" + open.f() + " from line "
                    + open.lineNumber() + " has no reply");
        }
    }

    /** Closes the open invocation that a reply on {@code lineNumber} answers. */
    Invocation close(int process, String f, String key, long lineNumber) {
        Invocation open = openByProcess.remove(process);
        if (open == null) {
            throw new HistoryFormatException(file, lineNumber, "reply :" + f + " from process " + process
                    + " has no invocation");
        }
        if (!open.f().equals(f) || !Objects.equals(open.key(), key)) {
            throw new HistoryFormatException(file, lineNumber, "reply :" + f + " on key " + key
                    + " does not match process " + process + "'s invocation :" + open.f() + " on key "
                    + open.key() + " from line " + open.lineNumber());
        }
        return open;
    }

    /** The invocations that never got a reply, in the order they were made. */
    List<Invocation> remaining() {
        return new ArrayList<>(openByProcess.values());
    }
}
