package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One seed reproduces one run exactly: the same trace, byte for byte. */
class DeterminismTest {

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
