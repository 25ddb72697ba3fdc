package dev.viewstamp.core.replica;

/** A timer counted in ticks. It fires once per start; restart it to fire again. */
final class Timeout {
    final String name;
    private long deadline;
    private boolean running;

    Timeout(String name) {
        this.name = name;
    }

    void start(long now, long afterTicks) {
        deadline = now + afterTicks;
        running = true;
    }

    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }

    /** True (once) when the timer runs and its deadline has passed. */
    boolean fired(long now) {
        if (!running || now < deadline) return false;
        running = false;
        return true;
    }
}
