package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write that finds the workers full of blocks they cannot evict yet waits for room, longer than its retries last. */
class TestWaitForRoom {
    private static final long BLOCK = 256 << 10;

    @TempDir
    Path directory;

    @Test
    void aLoadWaitsForRoomThatStagedBlocksHoldUntilTheirAreaGoes() throws Exception {
        Path data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[200_000]);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 1_000_000));
                CacheClient client = cluster.newClient()) {
            // another job's staged blocks take nearly all the room, and cannot be evicted
            client.tempAreas().openTempArea("other-job", Duration.ofHours(1));
            for (int i = 0; i < 3; i++) {
                try (BlockWriter writer = client.openWriter(new BlockKey(new FileIdentity("file:/elsewhere/f" + i, 300_000, 1), 0), 300_000,
                        WriteOptions.replication(1).inTempArea("other-job"))) {
                    writer.write(new byte[300_000], 0, 300_000);
                    writer.commit();
                }
            }
            LoadPlan plan = new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                    .plan(new LoadRequest(new LoadTarget.Paths(List.of(data.toUri().toString())), 1));
            // retries that give up within milliseconds
            ExecutorOptions options = ExecutorOptions.defaults().withRetries(5, Duration.ofMillis(1), Duration.ofMillis(10));
            Settings settings = new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 1, "threads", "test"),
                    new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
            CompletableFuture<LoadReport> load = CompletableFuture.supplyAsync(
                    () -> new LoadExecutor(client, new Configuration(), settings, options, ProgressListener.NONE, Clock.systemUTC()).execute(plan));
            // once the load has waited a while, the other job's area goes and its room with it
            Thread.sleep(3000);
            assertTrue(!load.isDone(), "the load waits for room: " + (load.isDone() ? load.get().failedFiles() : ""));
            client.tempAreas().abortTempArea("other-job");

            LoadReport report = load.get(2, TimeUnit.MINUTES);

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertTrue(report.totals().retries() >= 1, "each wait counts as a retry");
        }
    }
}
