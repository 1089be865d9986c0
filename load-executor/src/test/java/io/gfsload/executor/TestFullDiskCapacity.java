package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.SmallDisks;
import io.gfsload.cache.testing.TestData;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers whose disks hold less than their quotas: the capacity check counts the disks, and a load
 * whose blocks a worker's full disk refuses places them on the others, without a retry storm. The
 * disks are {@link SmallDisks}: small, and one that claims room it does not have.
 */
class TestFullDiskCapacity {
    private static final long BLOCK = 256 << 10;
    private static final long QUOTA = 64L << 20;

    @TempDir
    Path directory;

    private final SmallDisks disks = new SmallDisks();
    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() throws IOException {
        // the workers write the blocks themselves (no short-circuit writes), so that their disks take the bytes
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(3).workerCapacityBytes(QUOTA)
                .heartbeatInterval(Duration.ofMillis(200)).shortCircuitWrites(false).build(), Clock.systemUTC(), disks);
        client = cluster.newClient();
        Random random = new Random(7);
        Files.createDirectories(directory.resolve("data"));
        for (int i = 0; i < 6; i++) {
            byte[] bytes = new byte[(int) (BLOCK * 2 + 1000 + random.nextInt(1000))];
            random.nextBytes(bytes);
            Files.write(directory.resolve("data/part-" + i), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void aPlanLargerThanTheRoomOnTheWorkersDisksDoesNotFitThoughItFitsTheirQuotas() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        executor().validate(plan, true);
        for (int i = 0; i < 3; i++) {
            disks.limit(ssd(i), BLOCK);
        }
        TestData.await(() -> client.clusterInfo().liveFreeBytes() <= 3 * BLOCK, Duration.ofSeconds(10),
                "the workers report their disks' room");

        InsufficientCapacityException e = assertThrows(InsufficientCapacityException.class, () -> executor().validate(plan, true));

        assertTrue(e.getMessage().startsWith("Not enough cache capacity: the plan needs "), e.getMessage());
        assertTrue(e.getMessage().contains("the 3 live workers have "), e.getMessage());
        assertTrue(plan.stats().bytes() < QUOTA, "the quotas alone would hold it");
    }

    @Test
    void aLoadLargerThanAWorkersFullDiskPutsItsBlocksOnTheOtherWorkersWithFewRetries() {
        // worker-0's disk claims room for the whole load, and has room for none of its blocks
        disks.limit(ssd(0), BLOCK / 2).overstate(ssd(0), QUOTA);
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        assertTrue(plan.stats().bytes() > 4 * BLOCK, "larger than worker-0's disk");

        LoadReport report = executor().execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(plan.stats().blocks(), report.totals().blocksLoaded());
        // a refused block waits for a new placement; so do blocks placed on worker-0 before its next report (200 ms),
        // which keeps the others away from it: a few retries, not one per attempt of each of its blocks
        assertTrue(report.totals().retries() <= 2L * disks.refusedWrites() + 4, report.totals() + ", refused " + disks.refusedWrites());
        assertTrue(disks.refusedWrites() <= 3, "the full disk is not written again and again: " + disks.refusedWrites());
        // a file's last block is a few KiB, which worker-0's disk does hold: only what fits there may be there
        long onWorker0 = 0;
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = client.cachedBlocks(file.file());
            assertEquals(file.blocks().size(), cached.size());
            onWorker0 += cached.stream().filter(block -> block.workerIds().contains("worker-0")).mapToLong(CachedBlock::length).sum();
        }
        assertTrue(onWorker0 <= BLOCK / 2, "worker-0's disk holds no more than its room: " + onWorker0);
        assertTrue(client.clusterInfo().workers().get(0).live());
        // rendezvous placement gives worker-0 some of the 12 full blocks, all but certainly: in about 1 run of 130
        // ((2/3)^12) it gets none, and the full disk was never written
        assumeTrue(disks.refusedWrites() >= 1, "placement gave worker-0 none of the full blocks: its full disk refused nothing");
    }

    private Path ssd(int worker) {
        return cluster.workerTierDirectory(worker, StorageTier.SSD).orElseThrow();
    }

    private LoadExecutor executor() {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test: not a divisor of the block size")));
        return new LoadExecutor(client, new Configuration(), settings, ProgressListener.NONE, Clock.systemUTC());
    }
}
