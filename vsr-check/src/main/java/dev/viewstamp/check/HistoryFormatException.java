package dev.viewstamp.check;

import java.nio.file.Path;

/**
 * A line of a recorded history that cannot be read, or that contradicts the lines before it (a
 * reply with no invocation, a process invoking twice at once). The message names the file and
 * line, so that a bad input file is fixed, not debugged.
 */
public final class HistoryFormatException extends IllegalArgumentException {

    private final transient Path file;
    private final long lineNumber;

    public HistoryFormatException(Path file, long lineNumber, String message) {
        super(file + ":" + lineNumber + ": " + message);
        this.file = file;
        this.lineNumber = lineNumber;
    }

    public Path file() {
        return file;
    }

    /** 1-based, like an editor's. */
    public long lineNumber() {
        return lineNumber;
    }
}
