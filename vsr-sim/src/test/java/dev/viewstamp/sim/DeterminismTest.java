package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One seed reproduces one run exactly: the same trace, byte for byte, today and after any change
 * meant to alter nothing.
 *
 * <p>The golden values below are the SHA-256 of the whole trace of a seed at the default options:
 * every message, write, fault, crash and state change. A refactoring keeps them. A change that is
 * meant to alter behaviour updates them in the same commit and says why; the failing assertion
 * prints the new value. (The population summaries that pin the same from the command line are in
 * vsr-server's {@code GoldenValuesTest}.)
 */
class DeterminismTest {

    /** Seed 6 loses disks, so its messages carry crash vectors; seed 761 has superblock faults. */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({
        "1, 05f645e0d91fc21ad346321112bb2788344a903a3282eb8e22d18697b0c5a086",
        "6, 5216ed7c2a3dd18d7e4b43e236f33220ad186f6df5274a10b726b8fe4df764e8",
        "761, ad080017d177cdb90829a9b9962a881ed8c9c438f82a57fc15c6f8ace9add40a",
    })
    void traceOfASeedMatchesItsGoldenValue(long seed, String sha256) throws NoSuchAlgorithmException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            SeedRun.runSeed(seed, Simulator.Options.defaults(), Trace.to(out));
        }
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
        assertThat(HexFormat.of().formatHex(digest)).isEqualTo(sha256);
    }

    private static byte[] trace(long seed) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            new Simulator(seed, Simulator.Options.defaults().withSafetyTicks(2_000), Trace.to(out)).run();
        }
        return bytes.toByteArray();
    }

    @Test
    void sameSeedGivesAByteIdenticalTrace() {
        byte[] first = trace(7);
        byte[] second = trace(7);
        assertThat(first.length).isGreaterThan(10_000);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        assertThat(trace(8)).isNotEqualTo(trace(9));
    }

    @Test
    void traceShowsMessagesFaultsAndStateChanges() {
        String text = new String(trace(11), StandardCharsets.UTF_8);
        assertThat(text).contains("deliver ", "send ", "write replica ", "replica 0 NORMAL", "liveness phase");
    }

    @Test
    void givenReplicaCountDoesNotShiftTheSeedsOtherDraws() {
        // A replay command names the replica count; it must not change the rest of the run.
        Simulator drawn = new Simulator(21, Simulator.Options.defaults(), null);
        Simulator given = new Simulator(21, Simulator.Options.defaults().withReplicaCount(drawn.mix().replicaCount()), null);
        assertThat(given.mix()).isEqualTo(drawn.mix());
    }
}
