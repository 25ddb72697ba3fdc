package dev.viewstamp.server.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bin/vsr} of this build as a process of its own, in its own process group (so a test
 * kills what it started and nothing else), with its output in a file.
 */
final class VsrProcess implements AutoCloseable {

    /** The repository's root, where bin/vsr is. */
    static Path root() {
        String root = System.getProperty("vsr.root");
        return Path.of(root != null ? root : ".").toAbsolutePath().normalize();
    }

    final Process process;
    final Path output;

    private VsrProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code bin/vsr args...}, standard output and error to {@code output}. */
    static VsrProcess start(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", root().resolve("bin/vsr").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new VsrProcess(process, output);
    }

    /** Runs {@code bin/vsr args...} to its end, at most {@code seconds}; its exit code and output. */
    static Result run(Path dir, int seconds, String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "vsr-", ".out");
        try (VsrProcess p = start(output, args)) {
            if (!p.process.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("vsr " + String.join(" ", args) + " still running after " + seconds + " s:\n"
                        + p.output());
            }
            return new Result(p.process.exitValue(), p.output());
        }
    }

    record Result(int exit, String output) {}

    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** SIGKILL to the whole process group: the JVM and anything it started. */
    void kill() throws InterruptedException {
        signal("KILL");
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM to the process group; returns the exit code, or -1 when it had not exited after 10 s. */
    int terminate() throws InterruptedException {
        signal("TERM");
        return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** SIGSTOP: the process freezes, its connections open and silent. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, "--", "-" + process.pid()).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        signal("TERM");
        if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
    }
}
