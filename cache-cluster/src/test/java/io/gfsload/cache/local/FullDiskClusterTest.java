package io.gfsload.cache.local;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.NoRoomException;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.testing.SmallDisks;
import io.gfsload.cache.testing.TestData;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose disk is fuller than its quota says, in a cluster of three: what it reports, where
 * the master places blocks, and what a write its disk refuses answers. The disks are {@link SmallDisks}.
 */
class FullDiskClusterTest {
    private static final FileIdentity FILE = new FileIdentity("hdfs://nn/warehouse/db/t/dt=1/part-0", 64 * MIB, 42);

    @TempDir
    Path directory;

    private final SmallDisks disks = new SmallDisks();

    private LocalClusterConfig config() {
        // the client writes through the workers (no short-circuit writes), so that the workers' disks take the bytes
        return LocalClusterConfig.builder(directory).workers(3).tier(StorageTier.SSD, 64 * MIB)
                .heartbeatInterval(Duration.ofMillis(200)).shortCircuitWrites(false).build();
    }

    @Test
    void theMasterPlacesNoBlockOnAWorkerWhoseDiskIsFullAlthoughItsQuotaIsNot() {
        try (LocalCluster cluster = LocalCluster.start(config(), Clock.systemUTC(), disks); CacheClient client = cluster.newClient()) {
            disks.limit(cluster.workerTierDirectory(0, StorageTier.SSD).orElseThrow(), MIB / 2);
            TestData.await(() -> ssd(client.clusterInfo().workers().get(0)).diskLimited(), Duration.ofSeconds(10),
                    "worker-0 reports that its disk limits it");
            TierInfo full = ssd(client.clusterInfo().workers().get(0));
            assertEquals(64 * MIB, full.capacityBytes());
            assertTrue(full.freeBytes() <= MIB / 2, full.toString());
            assertTrue(client.clusterInfo().liveFreeBytes() < 64 * MIB * 3 - 63 * MIB, "the cluster's free room counts the disk");
            assertTrue(client.clusterInfo().liveTier(StorageTier.SSD).diskLimited());

            List<BlockWriteResult> written = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                written.add(write(client, new BlockKey(FILE, i), randomBytes(MIB, i), WriteOptions.replication(1)));
            }
            assertEquals(12, client.cachedBlocks(FILE).size());
            assertFalse(written.stream().anyMatch(result -> result.workerIds().contains("worker-0")), written.toString());
            assertEquals(0, disks.refusedWrites());
        }
    }

    @Test
    void aWriteAFullDiskRefusesAnswersNoRoomAndTheNextBlocksGoToOtherWorkers() {
        try (LocalCluster cluster = LocalCluster.start(config(), Clock.systemUTC(), disks); CacheClient client = cluster.newClient()) {
            // worker-0's disk claims room it does not have
            disks.limit(cluster.workerTierDirectory(0, StorageTier.SSD).orElseThrow(), MIB / 2)
                    .overstate(cluster.workerTierDirectory(0, StorageTier.SSD).orElseThrow(), 64 * MIB);
            NoRoomException refused = null;
            int index = 0;
            while (refused == null && index < 30) {
                try {
                    write(client, new BlockKey(FILE, index), randomBytes(MIB, index), WriteOptions.replication(1));
                }
                catch (NoRoomException e) {
                    refused = e;
                }
                index++;
            }
            assertTrue(refused != null, "a block placed on worker-0 is refused");
            assertTrue(refused.getMessage().contains("Worker worker-0 has no room for block " + new BlockKey(FILE, index - 1).blockId()
                    + " on its SSD tier: the file system of "), refused.getMessage());
            assertTrue(refused.getMessage().endsWith("is full: java.io.IOException: No space left on device (RESOURCE_EXHAUSTED)"),
                    refused.getMessage());
            assertEquals(1, disks.refusedWrites());

            TestData.await(() -> ssd(client.clusterInfo().workers().get(0)).freeBytes() < MIB, Duration.ofSeconds(10),
                    "worker-0 reports that it has no room since its disk refused a write");
            for (int i = 0; i < 12; i++) {
                BlockWriteResult result = write(client, new BlockKey(FILE, 100 + i), randomBytes(MIB, i), WriteOptions.replication(1));
                assertFalse(result.workerIds().contains("worker-0"), result.toString());
            }
            assertEquals(1, disks.refusedWrites(), "no write went to the full disk again");
            assertTrue(client.clusterInfo().workers().get(0).live(), "a worker with a full disk stays live");
        }
    }

    private static TierInfo ssd(WorkerInfo worker) {
        return worker.tier(StorageTier.SSD).orElseThrow();
    }

    private static BlockWriteResult write(CacheClient client, BlockKey block, byte[] data, WriteOptions options) {
        try (BlockWriter writer = client.openWriter(block, data.length, options)) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }
}
