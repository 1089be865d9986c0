package io.gfsload.cache.local;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.crc32c;
import static io.gfsload.cache.testing.TestData.files;
import static io.gfsload.cache.testing.TestData.randomBytes;
import static io.gfsload.cache.testing.TestData.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheAuthenticationException;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.ClusterInfo;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.FreeResult;
import io.gfsload.cache.api.StorageTier;
import io.gfsload.cache.api.TierInfo;
import io.gfsload.cache.api.UnderReplicatedBlock;
import io.gfsload.cache.api.UnderReplication;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.testing.TestData;
import io.gfsload.cache.worker.CacheWorker;
import io.gfsload.cache.worker.WorkerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiers, worker restarts, metrics, the token, free and under-replication, on in-process clusters. */
class TieredClusterTest {
    private static final FileIdentity FILE = new FileIdentity("hdfs://nn/warehouse/db/t/dt=1/part-0", 8 * MIB, 42);
    private static final String TOKEN = "s3cret-token-0123456789";

    @TempDir
    Path directory;

    @TempDir
    Path memory;

    @Test
    void aRestartedWorkerServesItsSsdBlocksAndTheMasterForgetsItsMemBlocks() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory)
                .tier(StorageTier.MEM, memory, 4 * MIB)
                .tier(StorageTier.SSD, 16 * MIB)
                .heartbeatInterval(Duration.ofMillis(200))
                .build();
        byte[] inMemory = randomBytes(MIB, 1);
        byte[] onSsd = randomBytes(3 * MIB + 11, 2);
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            write(client, new BlockKey(FILE, 0), inMemory, WriteOptions.replication(1).onTier(StorageTier.MEM));
            write(client, new BlockKey(FILE, 1), onSsd, WriteOptions.replication(1).onTier(StorageTier.SSD));
            assertEquals(2, client.cachedBlocks(FILE).size());
            TestData.await(() -> client.clusterInfo().workers().get(0).tiers().equals(List.of(
                            new TierInfo(StorageTier.MEM, 4 * MIB, MIB, MIB, 1),
                            new TierInfo(StorageTier.SSD, 16 * MIB, onSsd.length, onSsd.length, 1))),
                    Duration.ofSeconds(10), "the heartbeat reports the space of each tier");
            ClusterInfo info = client.clusterInfo();
            assertEquals(new TierInfo(StorageTier.MEM, 4 * MIB, MIB, MIB, 1), info.liveTier(StorageTier.MEM));
            assertEquals(20 * MIB, info.liveCapacityBytes());

            cluster.stopWorker(0);
            assertEquals(List.of(), files(cluster.workerTierDirectory(0, StorageTier.MEM).orElseThrow()),
                    "a worker that stops deletes its MEM tier's blocks, not leaving them in RAM until its next start");
            assertEquals(1, files(cluster.workerTierDirectory(0, StorageTier.SSD).orElseThrow()).size());
            cluster.startWorker(0);

            assertEquals(List.of(new CachedBlock(1, onSsd.length, crc32c(onSsd), List.of("worker-0"))),
                    client.cachedBlocks(FILE), "the MEM block is gone from the master's metadata");
            assertArrayEquals(onSsd, readAll(client.openReader(new BlockKey(FILE, 1))));
            assertEquals(List.of(), files(cluster.workerTierDirectory(0, StorageTier.MEM).orElseThrow()));
        }
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            assertArrayEquals(onSsd, readAll(client.openReader(new BlockKey(FILE, 1))), "and after a whole restart");
        }
    }

    @Test
    void metricsAreServedInThePrometheusTextFormat() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(2).workerCapacityBytes(16 * MIB)
                .metricsPort(0).build();
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            BlockWriteResult written = write(client, new BlockKey(FILE, 0), randomBytes(5000, 3),
                    WriteOptions.replication(1));
            readAll(client.openReader(new BlockKey(FILE, 0)));
            String worker = written.workerIds().get(0);

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + cluster.metricsTarget().orElseThrow() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, response.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
            List<String> lines = response.body().lines().toList();
            for (String expected : List.of(
                    "# TYPE gfsload_worker_tier_blocks gauge",
                    "gfsload_worker_tier_blocks{tier=\"SSD\",worker=\"" + worker + "\"} 1.0",
                    "gfsload_worker_tier_used_bytes{tier=\"SSD\",worker=\"" + worker + "\"} 5000.0",
                    "gfsload_worker_tier_capacity_bytes{tier=\"SSD\",worker=\"" + worker + "\"} 1.6777216E7",
                    "# TYPE gfsload_worker_block_writes_total counter",
                    "gfsload_worker_block_writes_total{worker=\"" + worker + "\"} 1.0",
                    "gfsload_worker_written_bytes_total{worker=\"" + worker + "\"} 5000.0",
                    "gfsload_worker_block_reads_total{worker=\"" + worker + "\"} 1.0",
                    "gfsload_worker_evictions_total{tier=\"SSD\",worker=\"" + worker + "\"} 0.0",
                    "gfsload_master_workers{state=\"live\"} 2.0",
                    "gfsload_master_workers{state=\"lost\"} 0.0",
                    "gfsload_master_workers{state=\"stopped\"} 0.0",
                    "gfsload_master_blocks_committed_total 1.0",
                    "gfsload_master_blocks_under_replicated 0.0",
                    "gfsload_master_temp_areas 0.0",
                    "gfsload_master_workers_lost_total 0.0",
                    "# TYPE gfsload_master_metadata_iterator_skipped_entries_total counter")) {
                assertTrue(lines.contains(expected), expected + " in\n" + response.body());
            }
            assertTrue(lines.stream().anyMatch(line -> line.matches("gfsload_master_metadata_iterator_skipped_entries_total \\d+\\.0")),
                    response.body());
        }
    }

    @Test
    void everyCallNeedsTheTokenWhenTheClusterHasOne() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workerCapacityBytes(16 * MIB).token(TOKEN)
                .build();
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            byte[] data = randomBytes(4000, 4);
            write(client, new BlockKey(FILE, 0), data, WriteOptions.replication(1));
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))));

            try (CacheClient anonymous = GrpcCacheClient.connect(cluster.masterTarget())) {
                CacheAuthenticationException e = assertThrows(CacheAuthenticationException.class,
                        anonymous::clusterInfo);
                assertEquals("Getting the cluster info at master " + cluster.masterTarget() + " failed: the call "
                        + "carries no token (UNAUTHENTICATED)", e.getMessage());
            }
            try (CacheClient wrong = GrpcCacheClient.connect(cluster.masterTarget(),
                    ClientConfig.defaults().withToken(Optional.of("not-the-token-0123456789")))) {
                CacheAuthenticationException e = assertThrows(CacheAuthenticationException.class,
                        () -> wrong.cachedBlocks(FILE));
                assertTrue(e.getMessage().endsWith("failed: the call's token is wrong (UNAUTHENTICATED)"),
                        e.getMessage());
            }
            CacheAuthenticationException stranger = assertThrows(CacheAuthenticationException.class,
                    () -> CacheWorker.start(WorkerConfig.builder("worker-9", directory.resolve("stranger"), MIB,
                            cluster.masterTarget()).build()));
            assertEquals("Registering worker worker-9 with master " + cluster.masterTarget() + " failed: the call "
                    + "carries no token (UNAUTHENTICATED)", stranger.getMessage());
            assertEquals(1, client.clusterInfo().workers().size());
        }
    }

    @Test
    void freeUncachesAFileOrEveryFileUnderAPrefix() {
        FileIdentity other = new FileIdentity("hdfs://nn/warehouse/db/t/dt=1/part-1", MIB, 42);
        FileIdentity elsewhere = new FileIdentity("hdfs://nn/warehouse/db/t/dt=2/part-0", MIB, 42);
        FileIdentity rewritten = new FileIdentity(FILE.path(), FILE.length(), 43);
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(2).workerCapacityBytes(16 * MIB)
                .heartbeatInterval(Duration.ofMillis(200)).build();
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            write(client, new BlockKey(FILE, 0), randomBytes(1000, 5), WriteOptions.replication(2));
            write(client, new BlockKey(FILE, 1), randomBytes(2000, 6), WriteOptions.replication(1));
            write(client, new BlockKey(rewritten, 0), randomBytes(3000, 7), WriteOptions.replication(1));
            write(client, new BlockKey(other, 0), randomBytes(4000, 8), WriteOptions.replication(2));
            write(client, new BlockKey(elsewhere, 0), randomBytes(5000, 9), WriteOptions.replication(1));

            assertEquals(new FreeResult(1, 2, 3000), client.free(FILE));
            assertEquals(List.of(), client.cachedBlocks(FILE));
            assertEquals(1, client.cachedBlocks(rewritten).size(), "another identity of the path is another file");
            assertEquals(new FreeResult(0, 0, 0), client.free(FILE));

            assertEquals(new FreeResult(2, 2, 7000), client.freePrefix("hdfs://nn/warehouse/db/t/dt=1/"));
            assertEquals(List.of(), client.cachedBlocks(rewritten));
            assertEquals(List.of(), client.cachedBlocks(other));
            assertEquals(1, client.cachedBlocks(elsewhere).size());
            // Each worker deletes on its own heartbeat: wait for both, not for the first one.
            TestData.await(() -> cluster.workerBlockDirectories().stream().mapToLong(dir -> files(dir).size()).sum() == 1,
                    Duration.ofSeconds(10), "the workers delete the freed blocks in " + cluster.workerBlockDirectories());
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> client.freePrefix(""));
            assertEquals("pathPrefix is empty", empty.getMessage());
        }
    }

    @Test
    void aFileLoadedAgainAfterAFreeStaysCachedWhenTheWorkersHearOfTheFreeLater() throws Exception {
        // As gfsload runs with its embedded cluster: `free` ends with the cluster before a heartbeat
        // took the deletions to the workers, the next load starts it again and writes the blocks anew.
        LocalClusterConfig quiet = LocalClusterConfig.builder(directory).workers(1).heartbeatInterval(Duration.ofHours(1)).build();
        byte[] data = randomBytes(3000, 12);
        try (LocalCluster cluster = LocalCluster.start(quiet); CacheClient client = cluster.newClient()) {
            write(client, new BlockKey(FILE, 0), data, WriteOptions.replication(1));
            assertEquals(new FreeResult(1, 1, 3000), client.free(FILE));
        }
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(1).heartbeatInterval(Duration.ofMillis(300)).build();
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            assertEquals(List.of(), cluster.workerBlockDirectories().stream().flatMap(dir -> files(dir).stream()).toList(),
                    "the worker carried out the free when it started, before it took writes");
            write(client, new BlockKey(FILE, 0), data, WriteOptions.replication(1));

            Thread.sleep(1500); // several heartbeats
            assertEquals(1, client.cachedBlocks(FILE).size(), "the master still records the block");
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))), "and the worker still has it");
        }
    }

    @Test
    void aStoppedWorkersReplicasAreReportedUnderReplicated() throws Exception {
        LocalClusterConfig config = LocalClusterConfig.builder(directory).workers(3).workerCapacityBytes(16 * MIB)
                .heartbeatInterval(Duration.ofMillis(200)).build();
        try (LocalCluster cluster = LocalCluster.start(config); CacheClient client = cluster.newClient()) {
            byte[] data = randomBytes(MIB + 3, 10);
            BlockWriteResult written = write(client, new BlockKey(FILE, 0), data, WriteOptions.replication(2));
            write(client, new BlockKey(FILE, 1), randomBytes(100, 11), WriteOptions.replication(1));
            assertEquals(new UnderReplication(0, List.of()), client.underReplicated("", 10));

            String stopped = written.workerIds().get(0);
            String survivor = written.workerIds().get(1);
            cluster.stopWorker(Integer.parseInt(stopped.substring("worker-".length())));
            TestData.await(() -> client.clusterInfo().workers().stream()
                            .anyMatch(worker -> worker.id().equals(stopped) && !worker.live()),
                    Duration.ofSeconds(10), stopped + " is lost");

            UnderReplication report = client.underReplicated("", 10);
            assertTrue(report.count() >= 1, report.toString());
            UnderReplicatedBlock block = report.blocks().stream()
                    .filter(b -> b.block().equals(new BlockKey(FILE, 0))).findFirst().orElseThrow();
            assertEquals(new UnderReplicatedBlock(new BlockKey(FILE, 0), 2, List.of(survivor), List.of(stopped)), block);
            assertEquals(1, block.missingReplicas());
            assertArrayEquals(data, readAll(client.openReader(new BlockKey(FILE, 0))));
            assertEquals(0, client.underReplicated("cosn://", 10).count(), "nothing under another prefix");
        }
    }

    private static BlockWriteResult write(CacheClient client, BlockKey block, byte[] data, WriteOptions options) {
        try (BlockWriter writer = client.openWriter(block, data.length, options)) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }
}
