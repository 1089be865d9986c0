package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.DistributedLoad;
import io.gfsload.executor.ExecutorOptions;
import io.gfsload.executor.LoadExecutor;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.ProgressListener;
import io.gfsload.executor.SliceLoad;
import io.gfsload.executor.SliceProgress;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load in slices that Spark runs (a local application in this JVM, one task at a time) into a
 * cache too small for it: the slices' tasks evict each other's blocks, which the report does not
 * count as other data, and the blocks of a file cached before the load, which it does.
 */
class TestSliceEvictionsInSpark {
    private static final long BLOCK = 128 << 10;
    private static final Settings SETTINGS = new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
            new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));

    @TempDir
    Path directory;

    @Test
    void blocksTheSlicesEvictOfEachOthersFilesAreNotOtherData() throws IOException {
        Path other = files("other", 1, 1);
        Path data = files("data", 6, 2);
        // one worker with room for 4 of the 7 files
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 800_000));
                CacheClient client = cluster.newClient();
                SparkApplication application = new SparkApplication(new SparkConf().setMaster("local[1]").setAppName(getClass().getSimpleName())
                        .set("spark.ui.enabled", "false"))) {
            LoadPlan otherPlan = plan(client, other);
            assertEquals(LoadState.SUCCEEDED, new LoadExecutor(client, new Configuration(), SETTINGS, ExecutorOptions.defaults(), ProgressListener.NONE,
                    Clock.systemUTC()).execute(otherPlan).state());
            List<LoadReport> sliceReports = new CopyOnWriteArrayList<>();

            LoadReport report = new DistributedLoad(twoSlices(new SparkSlices(application), sliceReports), client,
                    new DistributedLoad.Connection(cluster.masterTarget(), Optional.empty(), Map.of()), share -> SETTINGS, ExecutorOptions.defaults(),
                    ProgressListener.NONE, Clock.systemUTC()).execute(plan(client, data), Optional.empty());

            long lostBlocks = 0;
            long lostBytes = 0;
            for (BlockTask block : otherPlan.partitions().get(0).files().get(0).blocks()) {
                if (!BlockTask.cachedIn(client.confirmedBlocks(block.file()), block.index(), block.length(), 1)) {
                    lostBlocks++;
                    lostBytes += block.length();
                }
            }
            assertTrue(lostBlocks > 0, "the load evicted the other file");
            // each slice counts what its writes evicted of blocks not of its own files: the other file's, and those of the other slices' files
            long countedBySlices = sliceReports.stream().mapToLong(slice -> slice.evicted().blocks()).sum();
            assertTrue(countedBySlices > lostBlocks, "the slices evicted blocks of each other's files: %d slices counted %d blocks, %d of the other file"
                    .formatted(sliceReports.size(), countedBySlices, lostBlocks));
            assertEquals(new LoadReport.Evicted(lostBlocks, lostBlocks, lostBytes), report.evicted(),
                    "the report counts the blocks of the other file the workers no longer hold, none of the load's own");
        }
    }

    /** {@code spark} cut into two slices (its one task at a time runs them one after the other), their reports into {@code reports}. */
    private static DistributedLoad.Slices twoSlices(SparkSlices spark, List<LoadReport> reports) {
        return new DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return 2;
            }

            @Override
            public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                spark.run(slices, progress, (slice, report) -> {
                    reports.add(report);
                    finished.accept(slice, report);
                });
            }
        };
    }

    private Path files(String name, int count, long seed) throws IOException {
        Path data = Files.createDirectories(directory.resolve(name));
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[200_000];
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%02d".formatted(i)), bytes);
        }
        return data;
    }

    private static LoadPlan plan(CacheClient client, Path data) {
        return new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                .plan(new LoadRequest(new LoadTarget.Paths(List.of(data.toUri().toString())), 1));
    }
}
