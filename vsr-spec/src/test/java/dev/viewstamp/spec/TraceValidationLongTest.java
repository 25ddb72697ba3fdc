package dev.viewstamp.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trace validation of many seeds, longer than the build's: tagged {@code long}, which the build excludes
 * (README.md):
 *
 * <pre>
 * ./mvnw -o -q verify -pl vsr-spec -am -Dvsr.excludedGroups= -Dgroups=long -Dtest=TraceValidationLongTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtrace.firstSeed=1 -Dtrace.seeds=200 -Dtrace.jobs=2 -Dtrace.minutes=10
 * </pre>
 *
 * Prints a line per seed and a summary; passes when the model reproduces every seed's trace.
 */
@Tag("long")
class TraceValidationLongTest {
    @Test
    void everySeedsTraceIsABehaviourOfTheModel() throws Exception {
        long first = Long.getLong("trace.firstSeed", 1);
        int seeds = Integer.getInteger("trace.seeds", 200);
        int jobs = Integer.getInteger("trace.jobs", Runtime.getRuntime().availableProcessors());
        Duration timeBox = Duration.ofSeconds(Math.round(Double.parseDouble(System.getProperty("trace.minutes", "10"))
                * 60));
        TraceValidation validation = new TraceValidation(Path.of(System.getProperty("vsr.spec.dir", "src/main/tla")),
                timeBox);
        long started = System.nanoTime();
        List<Future<TraceValidation.Outcome>> futures = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(jobs)) {
            for (long seed = first; seed < first + seeds; seed++) {
                long s = seed;
                futures.add(pool.submit(() -> {
                    TraceValidation.Outcome outcome = validation.validate(s);
                    System.out.println(outcome.summary());
                    return outcome;
                }));
            }
            long lines = 0;
            for (Future<TraceValidation.Outcome> future : futures) {
                TraceValidation.Outcome outcome = future.get();
                lines += outcome.lines();
                if (!outcome.reproduced()) failures.add(outcome.summary());
            }
            System.out.printf(Locale.ROOT, "trace validation: seeds %d..%d, %d reproduced, %d lines, %.0f s%n", first,
                    first + seeds - 1, seeds - failures.size(), lines, (System.nanoTime() - started) / 1e9);
        }
        assertThat(failures).as("seeds the model does not reproduce").isEmpty();
    }
}
