package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** How many slices a load is cut into, read from the application's configuration without starting it. */
class TestSparkSlices {
    @Test
    void localModeRunsAsManySlicesAsItsThreadsAllInTheDriver() {
        try (SparkApplication application = new SparkApplication(conf("local[3]"))) {
            SparkSlices slices = new SparkSlices(application);
            assertEquals(3, slices.parallelism());
            assertEquals(3, slices.slicesPerProcess(), "every slice in this JVM");
            assertEquals(1, new SparkSlices(new SparkApplication(conf("local"))).parallelism());
            assertEquals(Runtime.getRuntime().availableProcessors(), new SparkSlices(new SparkApplication(conf("local[*]"))).parallelism());
            assertFalse(application.started(), "a plan, a dry run or a load waiting for its window does not start the application");
        }
    }

    @Test
    void aClusterRunsItsExecutorsCoresOverATasksCpusAndEachExecutorItsShare() {
        SparkConf conf = conf("yarn").set("spark.executor.instances", "4").set("spark.executor.cores", "6").set("spark.task.cpus", "2");
        try (SparkApplication application = new SparkApplication(conf)) {
            SparkSlices slices = new SparkSlices(application);
            assertEquals(12, slices.parallelism());
            assertEquals(3, slices.slicesPerProcess());
            assertFalse(application.started(), "the executors are asked for when the first slice is submitted, not to plan");
        }
        SparkConf many = conf("spark://master:7077").set("spark.executor.instances", "40").set("spark.executor.cores", "8");
        assertEquals(SparkSlices.MAX_SLICES, new SparkSlices(new SparkApplication(many)).parallelism());
    }

    private static SparkConf conf(String master) {
        return new SparkConf(false).setMaster(master).setAppName(TestSparkSlices.class.getSimpleName());
    }
}
