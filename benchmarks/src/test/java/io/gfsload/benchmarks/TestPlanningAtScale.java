package io.gfsload.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P4 scaled down for every build: a table of 5,000 partitions and 50,000 files in a metastore of
 * its own process, planned by a JVM of its own against a cache cluster that holds some of it, as
 * the benchmark does. Asserts the plan is exact; never a time.
 */
class TestPlanningAtScale {
    private static final Size.Table TABLE = new Size.Table(5_000, 10);

    @TempDir
    Path directory;

    @Test
    void plansEveryPartitionFileAndBlockOfALargeTableExactly() {
        PlanningDataSet data = new PlanningDataSet("P4", directory.resolve("p4-planning"), TABLE, 5);
        assertTrue(data.ensure(), "generated");
        PlanningDataSet.Expected expected = data.expected();
        assertEquals(5_000, expected.partitions());
        assertEquals(50_000, expected.files());
        assertEquals(50, expected.cachedBlocks(), "file 0 of every hundredth partition");
        assertTrue(expected.blocks() > expected.files(), "some files have several blocks: " + expected);

        Workspace workspace = new Workspace(directory.resolve("scratch"), directory.resolve("scratch"), Ticker.systemTicker(), Clock.systemUTC());
        try (PlanningEnvironment environment = new PlanningEnvironment(data, directory, false)) {
            // The contender checks partitions, files, bytes, blocks and cached blocks against the data set, and fails otherwise.
            RunResult plan = new PlanningContender("gfsload plan", "the planner", PlanningContender.Mode.PLAN, Scenarios.PLANNER_HEAP, List.of(),
                    environment, workspace).run(1);
            assertEquals(expected.partitions(), plan.counters().get("plan.partitions"));
            assertEquals(expected.files(), plan.counters().get("files"));
            assertEquals(expected.blocks(), plan.counters().get("plan.blocks"));
            assertEquals(expected.cachedBlocks(), plan.counters().get("plan.cached-blocks"));
            assertTrue(plan.counters().get("heap.peak-after-gc-bytes") <= plan.counters().get("heap.max-bytes"));

            RunResult listing = new PlanningContender("Hadoop listing", "the baseline", PlanningContender.Mode.LIST, Scenarios.PLANNER_HEAP, List.of(),
                    environment, workspace).run(1);
            assertEquals(expected.files(), listing.counters().get("files"));
        }
        assertFalse(data.ensure(), "a complete data set is reused");
    }
}
