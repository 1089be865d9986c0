package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.WorkerInfo;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.proto.HeartbeatRequest;
import io.gfsload.cache.proto.MasterServiceGrpc;
import io.gfsload.cache.proto.WriteBlockResponse;
import io.gfsload.cache.testing.RawWrites;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A block the worker evicts before its commit reaches the master is not a loaded block: the load
 * writes it again. The race is played in its order on a real local cluster: the worker's
 * heartbeat reporting the deletion of the copy the load stores next (over the raw stub) reaches
 * the master before the load's commit of that copy.
 */
class TestEvictedBeforeCommit {
    private static final long BLOCK = 4L << 20;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L << 20));
        client = cluster.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /** A small file goes in a batch of blocks, a larger one through a writer of its own. */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {100_000, 2 << 20})
    void aBlockEvictedBeforeItsCommitIsLoadedAgain(int length) throws Exception {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        byte[] bytes = new byte[length];
        new Random(5).nextBytes(bytes);
        Files.write(data.resolve("part-0"), bytes);
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 1);
        BlockTask block = plan.partitions().get(0).files().get(0).blocks().get(0);
        WorkerInfo worker = client.clusterInfo().workers().get(0);
        evictsItsNextCopyBeforeTheCommit(worker, block.key());
        List<String> retries = new CopyOnWriteArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void retrying(String path, int attempt, String error) {
                retries.add(error);
            }
        };

        LoadReport report = new LoadExecutor(client, new Configuration(), settings(),
                ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(10)), listener,
                Clock.systemUTC()).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(List.of("Block " + block.key().blockId() + " was evicted from worker " + worker.id()
                + " before its commit reached the master; write it again"), retries);
        assertEquals(1, report.totals().retries());
        List<CachedBlock> cached = client.cachedBlocks(block.file());
        assertEquals(1, cached.size(), "the block the load reports loaded is cached");
        assertEquals(List.of(worker.id()), cached.get(0).workerIds());
        assertTrue(cluster.workerBlockDirectories().stream()
                .anyMatch(blocks -> Files.exists(blocks.resolve(block.key().blockId() + ".block"))),
                "the removal of the failed attempt's copy leaves the retry's");
    }

    private static Settings settings() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 1, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }

    /**
     * Tells the master, as {@code worker}'s heartbeat would, that it deleted the copy of
     * {@code block} that it stores next (numbered one above a copy it stores now): the worker
     * evicts that copy before the load's commit of it arrives.
     */
    private void evictsItsNextCopyBeforeTheCommit(WorkerInfo worker, BlockKey block) throws Exception {
        ManagedChannel workerChannel = Grpc.newChannelBuilder(worker.host() + ":" + worker.port(),
                InsecureChannelCredentials.create()).build();
        ManagedChannel masterChannel = Grpc.newChannelBuilder(cluster.masterTarget(), InsecureChannelCredentials.create()).build();
        try {
            long last = probe(workerChannel).getCopy();
            assertTrue(last != 0, "the worker numbers its copies");
            MasterServiceGrpc.newBlockingStub(masterChannel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .heartbeat(HeartbeatRequest.newBuilder()
                            .setWorkerId(worker.id())
                            .setUsedBytes(worker.usedBytes())
                            .addRemovedBlockIds(block.blockId())
                            .addRemovedBlockCopies(last + 1)
                            .build());
        }
        finally {
            workerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            masterChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Streams a block of another file to the worker; its answer has the number of the copy. */
    private static WriteBlockResponse probe(ManagedChannel workerChannel) throws Exception {
        return RawWrites.writeBlock(workerChannel, new BlockKey(new FileIdentity("file:/probe", 1000, 1), 0).blockId(), new byte[1000]);
    }
}
