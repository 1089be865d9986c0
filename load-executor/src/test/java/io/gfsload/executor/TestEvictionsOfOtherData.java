package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
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
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load that fits only by evicting other cached data says how much of it the workers evicted. */
class TestEvictionsOfOtherData {
    private static final long BLOCK = 128 << 10;
    private static final Settings SETTINGS = new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
            new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));

    @TempDir
    Path directory;

    @Test
    void aLoadReportsTheOtherDataItsWritesEvicted() throws IOException {
        evictingOthers(false);
    }

    @Test
    void aLoadInSlicesReportsTheOtherDataItsWritesEvicted() throws IOException {
        evictingOthers(true);
    }

    @Test
    void aLoadWithRoomEvictsNothing() throws IOException {
        Path data = files("data", 2, 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 8L << 20));
                CacheClient client = cluster.newClient()) {
            LoadReport report = executor(client).execute(plan(client, data));

            assertEquals(LoadState.SUCCEEDED, report.state());
            assertEquals(LoadReport.Evicted.NONE, report.evicted());
        }
    }

    private void evictingOthers(boolean inSlices) throws IOException {
        Path other = files("other", 3, 1);
        Path data = files("data", 3, 2);
        // one worker with room for 4 of the 6 files: the second load evicts 2 of the first's
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 800_000));
                CacheClient client = cluster.newClient()) {
            LoadPlan otherPlan = plan(client, other);
            LoadReport first = executor(client).execute(otherPlan);
            assertEquals(LoadState.SUCCEEDED, first.state());
            assertEquals(LoadReport.Evicted.NONE, first.evicted(), "the first load had room");

            LoadReport report = inSlices
                    ? new DistributedLoad(inProcess(), client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.empty(), Map.of()), SETTINGS,
                            ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan(client, data), Optional.empty())
                    : executor(client).execute(plan(client, data));

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            long lostBlocks = 0;
            long lostBytes = 0;
            for (FileLoad file : otherPlan.partitions().get(0).files()) {
                for (BlockTask block : file.blocks()) {
                    if (!BlockTask.cachedIn(client.confirmedBlocks(file.file()), block.index(), block.length(), 1)) {
                        lostBlocks++;
                        lostBytes += block.length();
                    }
                }
            }
            assertTrue(lostBytes >= 400_000, "the load needed 400 KB more than the free room: " + lostBytes);
            assertEquals(new LoadReport.Evicted(lostBlocks, lostBlocks, lostBytes), report.evicted(),
                    "the report counts the blocks of the first load the workers no longer hold");
        }
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

    private static LoadExecutor executor(CacheClient client) {
        return new LoadExecutor(client, new Configuration(), SETTINGS, ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC());
    }

    private static DistributedLoad.Slices inProcess() {
        return new DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return 2;
            }

            @Override
            public void run(List<SliceLoad> slices, java.util.function.BiConsumer<SliceLoad, SliceProgress> progress,
                    java.util.function.BiConsumer<SliceLoad, LoadReport> finished) {
                slices.forEach(slice -> finished.accept(slice, slice.load()));
            }
        };
    }
}
