package dev.viewstamp.sim;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * A readable account of one seed: every message sent, delivered or dropped, every write, crash
 * and restart, and every change of a replica's status, view, op or commit. The same seed gives a
 * byte-identical trace.
 */
public interface Trace {
    Trace NONE = null;

    void line(long tick, String text);

    static Trace to(PrintStream out) {
        return (tick, text) -> {
            out.print(tick);
            out.print(' ');
            out.println(text);
        };
    }

    static Trace to(PrintWriter out) {
        return (tick, text) -> {
            out.print(tick);
            out.print(' ');
            out.println(text);
        };
    }
}
