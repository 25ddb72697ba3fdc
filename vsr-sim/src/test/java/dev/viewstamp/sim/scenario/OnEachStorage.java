package dev.viewstamp.sim.scenario;

import dev.viewstamp.sim.ScenarioCluster;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a scenario once on each {@link ScenarioCluster.Storage}: the in-memory model and the real
 * storage write order. The test takes the storage as its parameter and builds its cluster on it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "on {0} storage")
@EnumSource(ScenarioCluster.Storage.class)
@interface OnEachStorage {}
