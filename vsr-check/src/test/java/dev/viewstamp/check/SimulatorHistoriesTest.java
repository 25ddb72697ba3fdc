package dev.viewstamp.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client histories of simulator seeds that the checker once could not decide, kept as `vsr
 * simulate --history-out` wrote them (src/test/resources/histories). The simulator's behaviour
 * for a seed changes as the code does, so the history, not the seed, is what keeps the case.
 *
 * <p>Each must be decided within the default budget. The test also holds each to a much smaller
 * number of search states, so that a search that slowly gets worse shows here long before the
 * simulator gives up again; the budget counts states, so the bound is deterministic.
 */
class SimulatorHistoriesTest {

    /** Today the hardest, seed 410000842, needs 4,282 states (it gave up at 1,000,000 before). */
    private static final long STATE_COUNT_MAX = 50_000;

    @ParameterizedTest
    @ValueSource(strings = {"seed-410000842.edn"})
    void onceUndecidedHistoryIsLinearizableWithinTheDefaultBudget(String name) throws Exception {
        Path file = resource("histories/" + name);
        long started = System.nanoTime();
        Result result = Lincheck.checkFile(Lincheck.Format.VSR_KV, file);
        long nanos = System.nanoTime() - started;
        System.out.printf("%s: %s in %d states, %.1f ms%n", name, result.verdict(), result.stateCount(), nanos / 1e6);
        assertThat(result.verdict()).as("verdict on %s: %s", name, result.explanation())
                .isEqualTo(Result.Verdict.LINEARIZABLE);
        assertThat(result.stateCount()).as("search states on %s", name).isLessThan(STATE_COUNT_MAX);
    }

    private static Path resource(String name) throws URISyntaxException {
        URL url = SimulatorHistoriesTest.class.getClassLoader().getResource(name);
        assertThat(url).as("test resource %s", name).isNotNull();
        return Path.of(url.toURI());
    }
}
