package dev.viewstamp.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.viewstamp.core.replica.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTraceTest {

    private static ModelTrace run(long seed) {
        ModelTrace trace = new ModelTrace();
        SimResult result = new Simulator(seed, Simulator.Options.modelScope(2_000), null, trace).run();
        assertThat(result.outcome()).as("seed %d: %s", seed, result.message()).isEqualTo(SimResult.Outcome.PASSED);
        return trace;
    }

    @Test
    void theFirstLineIsTheClusterAsCreatedAndEachLaterLineOneReplicasChangeOrRestart() {
        for (long seed = 1; seed <= 20; seed++) {
            List<ModelTrace.Line> lines = run(seed).lines();
            ModelTrace.Line first = lines.get(0);
            assertThat(first.replica()).isEqualTo(-1);
            assertThat(first.replicas()).hasSize(3).allSatisfy(p -> {
                assertThat(p.status()).isEqualTo(Status.NORMAL);
                assertThat(p.view()).isZero();
                assertThat(p.log()).isEmpty();
                assertThat(p.catchUp()).isEqualTo(-1);
            });
            for (int k = 1; k < lines.size(); k++) {
                ModelTrace.Line before = lines.get(k - 1);
                ModelTrace.Line line = lines.get(k);
                int stepped = line.replica();
                for (int i = 0; i < 3; i++) {
                    if (i != stepped) assertThat(line.replicas().get(i)).isEqualTo(before.replicas().get(i));
                }
                boolean restart = line.restarts() == before.restarts() + 1;
                assertThat(restart || line.restarts() == before.restarts()).isTrue();
                assertThat(restart || !line.replicas().get(stepped).equals(before.replicas().get(stepped)))
                        .as("seed %d line %d changes replica %d or restarts it", seed, k + 1, stepped).isTrue();
            }
        }
    }

    @Test
    void aModelScopeRunStaysWithinTheModelsScope() {
        int restarts = 0;
        long viewChanges = 0;
        for (long seed = 1; seed <= 20; seed++) {
            ModelTrace trace = run(seed);
            assertThat(trace.replicaCount()).isEqualTo(3);
            assertThat(trace.pipeline()).isBetween(1, 2);
            // Two clients at most, each registering and sending one request: four ops at most.
            assertThat(trace.opMax()).isBetween(1L, 4L);
            for (ModelTrace.Line line : trace.lines()) {
                for (ModelTrace.Projection p : line.replicas()) {
                    assertThat(p.status()).isNotEqualTo(Status.RECOVERING);
                    assertThat(p.commitMax()).isBetween(0L, (long) p.log().size());
                    assertThat(p.log()).allSatisfy(view -> assertThat(view).isBetween(0L, trace.viewMax()));
                }
            }
            restarts += trace.restarts();
            viewChanges += trace.viewMax();
        }
        // The scope still has faults in it: crashes (from a disk with nothing in flight) and view changes.
        assertThat(restarts).isPositive();
        assertThat(viewChanges).isPositive();
    }

    @Test
    void theSameSeedGivesTheSameTrace() {
        assertThat(run(7).toTla("TraceData", "seed 7")).isEqualTo(run(7).toTla("TraceData", "seed 7"));
    }

    @Test
    void aModelTraceNeedsARunWithinTheModelsScope() {
        assertThatThrownBy(() -> new Simulator(1, Simulator.Options.defaults(), null, new ModelTrace()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("modelScope");
    }
}
