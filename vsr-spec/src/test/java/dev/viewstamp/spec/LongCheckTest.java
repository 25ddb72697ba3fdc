package dev.viewstamp.spec;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One check longer than the build's: tagged {@code long}, which the build excludes. Names the check with system
 * properties (README.md):
 *
 * <pre>
 * ./mvnw -o -q verify -pl vsr-spec -am -Dvsr.excludedGroups= -Dgroups=long -Dtest=LongCheckTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtlc.spec=Toy.tla -Dtlc.config=Toy.cfg -Dtlc.simulate=true -Dtlc.depth=100 -Dtlc.minutes=60 -Dtlc.workers=2
 * </pre>
 *
 * Specs are named relative to src/main/tla. Exhaustive (the default, without {@code tlc.simulate}): passes when
 * TLC covers the state space within {@code tlc.minutes} with no error. Simulation: passes when TLC finds no error
 * in {@code tlc.minutes}. TLC's output is copied to stdout as it comes.
 */
@Tag("long")
class LongCheckTest {
    @Test
    void theNamedCheckFindsNoErrorInItsBudget() {
        String spec = System.getProperty("tlc.spec", "Toy.tla");
        String config = System.getProperty("tlc.config", spec.replaceFirst("\\.tla$", "") + ".cfg");
        boolean simulate = Boolean.getBoolean("tlc.simulate");
        int depth = Integer.getInteger("tlc.depth", 100);
        int workers = Integer.getInteger("tlc.workers", 1);
        Duration budget = Duration.ofSeconds(Math.round(Double.parseDouble(System.getProperty("tlc.minutes", "10"))
                * 60));
        Tlc tlc = Tlc.of(SpecChecks.spec(spec)).config(SpecChecks.spec(config)).workers(workers).echo(System.out);
        if (simulate) {
            tlc.simulate(depth).stopAfter(budget).timeBox(budget.plus(Tlc.simulationGrace(budget)));
        } else {
            tlc.timeBox(budget);
        }
        TlcResult result = SpecChecks.run(tlc);
        if (!result.ok()) {
            fail(spec + " with " + config + (simulate ? " simulated (depth " + depth + ")" : " checked exhaustively")
                    + " for up to " + budget + ": TLC reported " + result.outcome() + "\n" + result.describe());
        }
    }
}
