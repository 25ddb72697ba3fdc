package dev.viewstamp.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viewstamp.sim.ModelTrace;
import dev.viewstamp.sim.SimResult;
import dev.viewstamp.sim.Simulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Trace validation in the build: simulator seeds within the model's scope are behaviours of the model
 * (TraceValidation runs many more, by hand), and a trace with a line the model cannot produce is caught.
 */
class TraceValidationTest {

    /** Seeds in the build; two at a time, one TLC worker each. About 10 s each on two cores. */
    private static final int SEEDS = 12;

    private static final Path SPEC_DIR = Path.of(System.getProperty("vsr.spec.dir", "src/main/tla"));

    private final TraceValidation validation = new TraceValidation(SPEC_DIR, Duration.ofMinutes(5));

    @Test
    void simulatorSeedsWithinTheModelsScopeAreBehavioursOfTheModel() throws Exception {
        List<Future<TraceValidation.Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (long seed = 1; seed <= SEEDS; seed++) {
                long s = seed;
                futures.add(pool.submit(() -> validation.validate(s)));
            }
            for (Future<TraceValidation.Outcome> future : futures) {
                TraceValidation.Outcome outcome = future.get();
                System.out.println(outcome.summary());
                assertThat(outcome.simulation()).as("seed %d's simulation", outcome.seed())
                        .isEqualTo(SimResult.Outcome.PASSED);
                assertThat(outcome.reproduced()).as("%s%n%s", outcome.summary(), outcome.tlc().describe()).isTrue();
                assertThat(outcome.reachedLine()).isEqualTo(outcome.lines());
            }
        }
    }

    /**
     * The check can fail: in seed 1's trace, the first backup learns that its first op is committed at the line
     * where it appends it, before the primary has committed anything. No behaviour of the model does that.
     */
    @Test
    void aBackupThatKnowsOfACommitBeforeThePrimaryIsNotReproduced() {
        ModelTrace trace = new ModelTrace();
        SimResult result = new Simulator(1, Simulator.Options.modelScope(TraceValidation.SAFETY_TICKS), null, trace)
                .run();
        assertThat(result.outcome()).isEqualTo(SimResult.Outcome.PASSED);
        int planted = -1;
        List<ModelTrace.Line> lines = trace.lines();
        for (int k = 1; k < lines.size() && planted < 0; k++) {
            ModelTrace.Line line = lines.get(k);
            ModelTrace.Projection primary = line.replicas().get(0);
            ModelTrace.Projection backup = line.replicas().get(1);
            if (line.replica() == 1 && backup.log().size() == 1 && primary.commitMax() == 0) planted = k + 1;
        }
        assertThat(planted).as("seed 1 has a line where backup 1 appends op 1 before the primary commits").isPositive();
        int line = planted;
        TraceValidation.Outcome outcome = validation.check(1, result.outcome(), trace, module -> plantCommit(module, line));

        assertThat(outcome.reproduced()).as(outcome.tlc().describe()).isFalse();
        assertThat(outcome.tlc().outcome()).as(outcome.tlc().describe()).isEqualTo(TlcResult.Outcome.OK);
        assertThat(outcome.reachedLine()).isEqualTo(line - 1);
    }

    /** Line {@code line} (1-based) of the trace module, with replica 1's known-committed op raised to 1. */
    private static String plantCommit(String module, int line) {
        String[] text = module.split("\n", -1);
        int seen = 0;
        for (int i = 0; i < text.length; i++) {
            if (!text[i].startsWith("  [r |-> ")) continue;
            if (++seen != line) continue;
            Matcher replica1 = Pattern.compile("(\\[st \\|-> [^\\]]*\\]), (\\[st \\|-> [^\\]]*?cm \\|-> )0(, cu)")
                    .matcher(text[i]);
            assertThat(replica1.find()).as("line %d: %s", line, text[i]).isTrue();
            text[i] = text[i].substring(0, replica1.start(3) - 1) + "1" + text[i].substring(replica1.start(3));
            return String.join("\n", text);
        }
        throw new AssertionError("the trace has no line " + line);
    }
}
