package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.gfsload.cli.Layering;
import io.gfsload.spark.fixture.SparkJobStartingACluster;
import org.junit.jupiter.api.Test;

/**
 * The Spark job's classes keep to the layering that cli's {@code TestLayering} checks for the
 * modules below: here with spark-job's classes among the imported.
 */
class TestSparkJobLayering {
    private static final JavaClasses PRODUCTION = Layering.production();

    @Test
    void productionCodeKeepsTheLayering() {
        assertTrue(PRODUCTION.contain(GfsLoadSparkJob.class), "spark-job classes imported");
        assertTrue(PRODUCTION.stream().anyMatch(c -> c.getPackageName().startsWith("io.gfsload.cli")), "cli classes imported");
        Layering.checkAll(PRODUCTION);
    }

    @Test
    void aSparkJobClassUsingTheCacheServersBreaksTheBuild() {
        String violations = Layering.violations(Layering.SPARK_JOB_RUNS_THE_CLI_AND_THE_EXECUTOR, SparkJobStartingACluster.class);
        assertTrue(violations.contains("io.gfsload.cache.local.LocalCluster"), violations);
    }
}
