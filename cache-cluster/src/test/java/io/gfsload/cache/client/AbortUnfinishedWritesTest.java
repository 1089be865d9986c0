package io.gfsload.cache.client;

import static io.gfsload.cache.testing.TestData.MIB;
import static io.gfsload.cache.testing.TestData.files;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.proto.PlaceBlockRequest;
import io.gfsload.cache.proto.PlaceBlockResponse;
import io.gfsload.cache.proto.WorkerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GrpcCacheClient#abortUnfinishedWrites} racing short-circuit batches, against a real local
 * cluster: the abort is made to land just before the client creates (or opens) a temp file the
 * worker handed out.
 */
class AbortUnfinishedWritesTest {
    private static final String ABORTED = "aborted its unfinished writes: the process stops";

    @TempDir
    Path directory;

    @Test
    void anAbortJustBeforeTheClientCreatesATempFileLeavesNoFileAndRefusesTheBatchWithoutStreamingIt() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget())) {
            List<Path> handedOut = new ArrayList<>();
            List<BlockData> blocks = blocks(4, 50_000);

            List<BlockWriteOutcome> outcomes = new BatchBlockWriter(client, WriteOptions.replication(2),
                    abortingAtTheFirstFile(client, handedOut)).write(blocks);

            assertEquals(1, handedOut.size(), "the batch was written short-circuit, and no temp file is created after the abort");
            for (BlockWriteOutcome outcome : outcomes) {
                CacheException failure = outcome.failure().orElseThrow();
                assertTrue(failure.getMessage().endsWith(ABORTED), failure.getMessage());
                assertEquals(List.of(), client.cachedBlocks(outcome.block().file()));
            }
            handedOut.forEach(path -> assertFalse(Files.exists(path), "no temp file left behind: " + path));
            for (Path blockDirectory : cluster.workerBlockDirectories()) {
                assertEquals(List.of(), files(blockDirectory), "nothing left in " + blockDirectory);
            }
            assertEquals(0, workerMetric(cluster, "gfsload_worker_block_writes_total"), "nothing was streamed to the workers");
            assertEquals(2, workers(client).size());
            for (WorkerAddress worker : workers(client)) {
                assertTrue(client.shortCircuitCandidate(worker), "the refusal says nothing about " + worker.getWorkerId());
            }

            CacheException refused = assertThrows(CacheException.class,
                    () -> client.writeBlocks(blocks(1, 1000), WriteOptions.replication(2)));
            assertTrue(refused.getMessage().endsWith(ABORTED), refused.getMessage());
            assertEquals(0, workerMetric(cluster, "gfsload_worker_block_writes_total"));
        }
    }

    @Test
    void aSingleLocalWriteTheAbortOvertakesIsRefusedNotStreamed() {
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory, 2, 64L * MIB));
                GrpcCacheClient client = GrpcCacheClient.connect(cluster.masterTarget())) {
            BlockKey block = new BlockKey(new FileIdentity("cosn://bucket/t/large", 4 * MIB, 1), 0);
            PlaceBlockResponse placement = client.masterStub().placeBlock(PlaceBlockRequest.newBuilder()
                    .setBlockId(block.blockId())
                    .setLength(4 * MIB)
                    .setReplication(2)
                    .build());
            Consumer<Path> abort = path -> client.abortUnfinishedWrites(Duration.ofSeconds(10));

            CacheException failure = assertThrows(CacheException.class, () -> LocalBlockWriter.tryOpen(client, block, 4 * MIB,
                    WriteOptions.replication(2), 0, placement.getWorkersList(), abort));

            assertTrue(failure.getMessage().endsWith(ABORTED), failure.getMessage());
            for (WorkerAddress worker : placement.getWorkersList()) {
                assertTrue(client.shortCircuitCandidate(worker), "the refusal says nothing about " + worker.getWorkerId());
            }
            for (Path blockDirectory : cluster.workerBlockDirectories()) {
                assertEquals(List.of(), files(blockDirectory), "nothing left in " + blockDirectory);
            }
            CacheException refused = assertThrows(CacheException.class, () -> client.openWriter(block, 4 * MIB, 2));
            assertTrue(refused.getMessage().endsWith(ABORTED), refused.getMessage());
            assertEquals(0, workerMetric(cluster, "gfsload_worker_block_writes_total"), "nothing was streamed to the workers");
        }
    }

    private static List<WorkerAddress> workers(GrpcCacheClient client) {
        return client.clusterInfo().liveWorkers().stream()
                .map(worker -> WorkerAddress.newBuilder().setWorkerId(worker.id()).setHost(worker.host()).setPort(worker.port()).build())
                .toList();
    }

    private static double workerMetric(LocalCluster cluster, String name) {
        return IntStream.range(0, cluster.config().workers())
                .mapToDouble(index -> cluster.metrics().value(name, Map.of("worker", "worker-" + index)).orElse(0))
                .sum();
    }

    /** Records each temp file handed to the client to create; aborts the client's unfinished writes just before the first. */
    private static Consumer<Path> abortingAtTheFirstFile(GrpcCacheClient client, List<Path> handedOut) {
        return path -> {
            if (handedOut.isEmpty()) {
                client.abortUnfinishedWrites(Duration.ofSeconds(10));
            }
            handedOut.add(path);
        };
    }

    private static List<BlockData> blocks(int count, int size) {
        return BatchAndLocalWritesTest.blocks(count, size);
    }
}
