package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.util.Optional;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads on the pull data path into a real local cluster: the workers read the files themselves and forward the replicas worker to worker. */
class TestPulledLoads {
    private static final long BLOCK = 256 << 10;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(3).workerCapacityBytes(64L << 20).build());
        client = cluster.newClient();
        Random random = new Random(17);
        Files.createDirectories(directory.resolve("data"));
        for (String name : List.of("a", "b", "c")) {
            byte[] bytes = new byte[(int) (BLOCK * 2 + 1000 + random.nextInt(1000))];
            random.nextBytes(bytes);
            Files.write(directory.resolve("data/" + name), bytes);
        }
        // a small file, which a push load would batch
        Files.write(directory.resolve("data/small"), new byte[] {1, 2, 3});
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void theWorkersReadEveryBlockAndForwardItsReplicas() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);

        LoadReport report = executor(client, ExecutorOptions.defaults().withDataPath(DataPath.PULL)).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(10, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(10.0, pulls("ufs"), "a worker read each block from the UFS");
        assertEquals(0.0, pulls("worker"), "no replica copied from a worker");
        assertEquals(10.0, forwarded(), "the other replica of each was forwarded to its worker as the first read it");
        assertCached(plan);
    }

    @Test
    void anAtomicLoadPullsIntoItsTempAreaAndCommits() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        ExecutorOptions options = ExecutorOptions.defaults().withDataPath(DataPath.PULL)
                .withAtomic(new AtomicOptions("pulled-job", AtomicOptions.Scope.JOB, Duration.ofHours(1)));

        LoadReport report = executor(client, options).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(10.0, pulls("ufs"));
        assertCached(plan);
    }

    @Test
    void autoPushesOnceAWorkerCannotReadTheUfsAndPullFailsTheFilesSayingWhy() throws IOException {
        AtomicInteger pullsAsked = new AtomicInteger();
        // workers that cannot read the UFS: the answer of a worker without the store's file system or access
        CacheClient unreadable = new PullingOneByOne(client) {
            @Override
            public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
                pullsAsked.incrementAndGet();
                throw new UfsPullException("Pulling block " + block.blockId() + " failed: worker-0 cannot read it: No FileSystem for scheme \"file\"",
                        UfsPullException.Reason.UNREADABLE, null);
            }

        };
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);

        LoadReport pulled = executor(unreadable, ExecutorOptions.defaults().withDataPath(DataPath.PULL)).execute(plan);

        assertEquals(LoadState.FAILED, pulled.state(), pulled.toString());
        assertEquals(0, pulled.totals().blocksLoaded());
        for (FileReport file : pulled.partitions().get(0).files()) {
            assertTrue(file.error().contains("cannot read it") && file.error().contains("--data-path push reads it here"), file.error());
            assertEquals(0, file.retries(), "a UFS the workers cannot read is no transient failure");
        }

        pullsAsked.set(0);
        LoadReport auto = executor(unreadable, ExecutorOptions.defaults().withDataPath(DataPath.AUTO)).execute(plan);

        assertEquals(LoadState.SUCCEEDED, auto.state(), auto.toString());
        assertEquals(10, auto.totals().blocksLoaded());
        assertTrue(pullsAsked.get() <= 3, "one answer per read thread and one for the small file's batch at most, the rest pushed: " + pullsAsked.get());
        assertEquals(0.0, pulls("ufs"));
        assertCached(plan);
    }

    @Test
    void autoPushesOnlyTheStoreNoWorkerReadsAndPullsTheOthers() throws IOException {
        Random random = new Random(23);
        Path other = Files.createDirectories(directory.resolve("other"));
        for (String name : List.of("d", "e", "f", "g")) {
            byte[] bytes = new byte[(int) (BLOCK + 1000 + random.nextInt(1000))];
            random.nextBytes(bytes);
            Files.write(other.resolve(name), bytes);
        }
        AtomicInteger unreadable = new AtomicInteger();
        // workers without access to the throttled store, the local one read as ever
        CacheClient oneStoreUnreadable = new PullingOneByOne(client) {
            @Override
            public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
                if (block.file().path().startsWith(ThrottledFileSystem.SCHEME + ":")) {
                    unreadable.incrementAndGet();
                    throw new UfsPullException("Pulling block " + block.blockId() + " failed: no worker it may go to reads it: access denied",
                            UfsPullException.Reason.UNREADABLE, null);
                }
                return client.pullBlock(block, offset, length, streams, options);
            }

        };
        // the unreadable store's files first: the local ones come after the load learnt it
        String throttled = ThrottledFileSystem.SCHEME + "://auto-store" + directory.resolve("data").toAbsolutePath();
        LoadPlanner planner = new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        LoadPlan plan = planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(throttled, other.toString())), 2));
        long localBlocks = plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .filter(file -> !file.file().path().startsWith(ThrottledFileSystem.SCHEME + ":")).mapToLong(file -> file.blocks().size()).sum();

        LoadReport report = executor(oneStoreUnreadable, ExecutorOptions.defaults().withDataPath(DataPath.AUTO)).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(8, localBlocks);
        assertEquals((double) localBlocks, pulls("ufs"), "every block of the store the workers read pulled");
        assertTrue(unreadable.get() >= 1 && unreadable.get() <= 3, "the other store's pushed once learnt: " + unreadable.get());
    }

    @Test
    void autoPushesOnlyAFileTheStoreRefusesTheWorkersAndPullsTheOthers() throws IOException {
        AtomicInteger denied = new AtomicInteger();
        // the store refuses the workers every file named b (its permissions), and lets them read the others of its directory
        CacheClient fileBDenied = new PullingOneByOne(client) {
            @Override
            public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
                if (block.file().path().endsWith("/b")) {
                    denied.incrementAndGet();
                    throw new UfsPullException("Pulling block " + block.blockId() + " failed: worker-0 may not read it: Permission denied: user=cache",
                            UfsPullException.Reason.DENIED, null);
                }
                return client.pullBlock(block, offset, length, streams, options);
            }
        };
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);

        LoadReport auto = executor(fileBDenied, ExecutorOptions.defaults().withDataPath(DataPath.AUTO)).execute(plan);

        assertEquals(LoadState.SUCCEEDED, auto.state(), auto.toString());
        assertEquals(10, auto.totals().blocksLoaded());
        assertEquals(1, denied.get(), "b pushed once refused");
        assertEquals(7.0, pulls("ufs"), "the blocks of a, c and small pulled, whichever came after b: the store is not pushed");
        assertCached(plan);

        Path more = Files.createDirectories(directory.resolve("more"));
        Files.write(more.resolve("a"), new byte[(int) BLOCK]);
        Files.write(more.resolve("b"), new byte[(int) BLOCK]);
        LoadReport pulled = executor(fileBDenied, ExecutorOptions.defaults().withDataPath(DataPath.PULL))
                .execute(LocalPlans.plan(client, more, BLOCK, 2));

        assertEquals(LoadState.PARTIAL, pulled.state(), pulled.toString());
        List<FileReport> failed = pulled.partitions().get(0).files().stream().filter(file -> file.error() != null).toList();
        assertEquals(1, failed.size(), "only the file refused fails: " + pulled);
        assertTrue(failed.get(0).path().endsWith("/b") && failed.get(0).error().contains("may not read it"), failed.get(0).toString());
        assertEquals(1, pulled.totals().blocksLoaded(), "a pulled");
        assertEquals(8.0, pulls("ufs"));
    }

    /** A client whose batched pulls pull each block as its single pull answers it. */
    private abstract static class PullingOneByOne extends ForwardingCacheClient {
        PullingOneByOne(CacheClient delegate) {
            super(delegate);
        }

        @Override
        public List<BlockWriteOutcome> pullBlocks(List<BlockRange> blocks, WriteOptions options) {
            return blocks.stream().map(range -> {
                try {
                    return BlockWriteOutcome.written(pullBlock(range.block(), range.offset(), range.length(), 1, options));
                }
                catch (UfsPullException e) {
                    return BlockWriteOutcome.failed(range.block(), e);
                }
            }).toList();
        }
    }

    private LoadExecutor executor(CacheClient cache, ExecutorOptions options) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test")));
        return new LoadExecutor(cache, new Configuration(), settings, options, ProgressListener.NONE, Clock.systemUTC());
    }

    private double pulls(String source) {
        return List.of("worker-0", "worker-1", "worker-2").stream()
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", source)).orElse(0))
                .sum();
    }

    /** The replicas the workers forwarded as they pulled blocks, summed. */
    private double forwarded() {
        return List.of("worker-0", "worker-1", "worker-2").stream()
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_forwarded_blocks_total", Map.of("worker", worker)).orElse(0))
                .sum();
    }

    private void assertCached(LoadPlan plan) throws IOException {
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = client.cachedBlocks(file.file());
            assertEquals(file.blocks().size(), cached.size(), file.file().path());
            for (CachedBlock block : cached) {
                assertEquals(2, new HashSet<>(block.workerIds()).size(), "two distinct workers for " + block);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(bytes);
                }
            }
            assertArrayEquals(Files.readAllBytes(Path.of(URI.create(file.file().path()))), bytes.toByteArray(), file.file().path());
        }
    }
}
