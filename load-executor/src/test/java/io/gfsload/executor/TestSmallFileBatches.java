package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockData;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockRange;
import io.gfsload.cache.api.BlockWriteOutcome;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CacheException;
import io.gfsload.cache.api.CacheUnavailableException;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.NotEnoughWorkersException;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WorkerUnavailableException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small files go to the cache in batches ({@link SmallFileBatcher}), into a real local cluster,
 * pushed or pulled by the workers; failures keep their per-file semantics.
 */
class TestSmallFileBatches {
    private static final int FILES = 60;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient real;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 3, 64L << 20));
        real = cluster.newClient();
        Random random = new Random(11);
        Files.createDirectories(directory.resolve("data"));
        for (int i = 0; i < FILES; i++) {
            byte[] bytes = new byte[1000 + random.nextInt(100_000)];
            random.nextBytes(bytes);
            Files.write(directory.resolve("data/part-%03d".formatted(i)), bytes);
        }
    }

    @AfterEach
    void stop() {
        real.close();
        cluster.close();
    }

    @Test
    void everySmallFileIsWrittenInBatchesWithItsReplicas() throws IOException {
        FailingClient client = new FailingClient(real, key -> false, false);
        LoadPlan plan = plan(client, 2);

        LoadReport report = load(client, plan, ExecutorOptions.defaults());

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(FILES, report.totals().blocksLoaded());
        assertEquals(0, report.totals().retries());
        assertEquals(FILES, client.batchedBlocks.get(), "every block went through writeBlocks");
        assertEquals(0, client.singleWrites.get(), "no block went the block-by-block path");
        assertCached(plan, 2);
    }

    @Test
    void aTransientBatchFailureIsRetriedFileByFile() throws IOException {
        Set<String> failing = ConcurrentHashMap.newKeySet();
        FailingClient client = new FailingClient(real, key -> key.file().path().endsWith("0") && failing.add(key.blockId()), false);
        LoadPlan plan = plan(client, 1);

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(6, failing.size(), "part-000, part-010, ... failed once");
        assertEquals(6, report.totals().retries());
        assertEquals(6, client.singleWrites.get(), "retried on the block-by-block path");
        for (FileReport file : report.partitions().get(0).files()) {
            assertEquals(file.path().endsWith("0") ? 1 : 0, file.retries(), file.path());
            assertNull(file.error());
        }
        assertCached(plan, 1);
    }

    @Test
    void aPermanentFailureFailsItsFileAloneWithTheReason() throws IOException {
        FailingClient client = new FailingClient(real, key -> key.file().path().endsWith("part-007"), true);
        LoadPlan plan = plan(client, 1);

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals(1, report.failedFiles().size());
        FileReport failed = report.failedFiles().get(0);
        assertTrue(failed.path().endsWith("part-007"), failed.path());
        assertEquals("no room for " + failed.path(), failed.error());
        assertEquals(0, failed.retries());
        assertEquals(0, client.singleWrites.get(), "a permanent failure is not retried");
        assertEquals(FILES - 1, report.totals().blocksLoaded());
    }

    @Test
    void anAtomicFileScopeCommitsEachBatchsFilesTogether() throws IOException {
        FailingClient client = new FailingClient(real, key -> false, false);
        LoadPlan plan = plan(client, 2);

        LoadReport report = load(client, plan, ExecutorOptions.defaults()
                .withAtomic(new AtomicOptions("job-small", AtomicOptions.Scope.FILE, Duration.ofHours(1))));

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertCached(plan, 2);
        assertEquals(List.of(), real.tempAreas().listTempAreas(), "the temp area is gone after a complete load");
    }

    @Test
    void aWorkerUnreachableInABatchGetsNoMoreReplicas() throws IOException {
        String lost = real.clusterInfo().liveWorkers().get(0).id();
        Set<String> failing = ConcurrentHashMap.newKeySet();
        FailingClient client = new FailingClient(real, key -> key.file().path().endsWith("part-003") && failing.add(key.blockId()), false, lost);
        LoadPlan plan = plan(client, 2);

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(1, failing.size());
        assertEquals(1, report.totals().retries(), "part-003 was retried on the block-by-block path");
        assertTrue(client.singleWrites.get() >= 1);
        assertEquals(List.of(Set.of(lost)), client.singleWriteExclusions.stream().distinct().toList(),
                "the retry, and every replica restored at the end, is placed away from the unreachable worker");
        assertEquals(List.of(lost), report.restore().lostWorkers());
        assertEquals(client.singleWrites.get() - 1, report.restore().blocks(), "the blocks written before the worker was found unreachable, with a replica on it");
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = real.cachedBlocks(file.file());
            assertTrue(cached.get(0).workerIds().stream().filter(id -> !id.equals(lost)).count() >= 2, file.file().path() + " " + cached);
        }
    }

    @Test
    void smallAndLargeFilesShareTheInFlightBytes() throws IOException {
        Path mixed = directory.resolve("mixed");
        Files.createDirectories(mixed);
        Random random = new Random(12);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = new byte[i == 0 ? (5 << 20) + 12_345 : 30_000 * (i + 1)];
            random.nextBytes(bytes);
            Files.write(mixed.resolve("file-" + i), bytes);
        }
        FailingClient client = new FailingClient(real, key -> false, false);
        LoadPlan plan = LocalPlans.plan(client, mixed, 1 << 20, 1);
        // one read buffer for the large file, one small block's worth for the batcher
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 3, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 1 << 20, "bytes", "test"),
                new Setting(Settings.IN_FLIGHT_BYTES, 2 << 20, "bytes", "test"),
                new Setting(Settings.STREAMS_PER_FILE, 4, "streams", "test")));

        LoadReport report = new LoadExecutor(client, new Configuration(), settings, ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(2, client.batchedBlocks.get(), "the small files went through the batcher");
        assertEquals(6, client.singleWrites.get(), "the large file's blocks were written one by one");
        assertEquals(plan.stats().bytes(), report.ufsBytesRead());
        for (FileLoad file : plan.partitions().get(0).files()) {
            ByteArrayOutputStream cached = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = real.openReader(block.key())) {
                    in.transferTo(cached);
                }
            }
            assertArrayEquals(Files.readAllBytes(Path.of(file.file().path().replaceFirst("^file:", ""))), cached.toByteArray(), file.file().path());
        }
    }

    @Test
    void aPullLoadOfSmallFilesHasTheWorkersPullThemInBatches() throws IOException {
        PullingClient client = new PullingClient(real, Integer.MAX_VALUE);
        LoadPlan plan = plan(client, 2);

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withDataPath(DataPath.PULL));

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(FILES, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(0, report.totals().retries());
        assertEquals(0, client.singlePulls.get(), "no small file pulled on its own");
        assertEquals(FILES, client.batchedBlocks.get(), "every small file pulled in a batch");
        assertTrue(client.batches.get() < FILES, "batches of several files: " + client.batches.get());
        double calls = sum("gfsload_worker_pull_batches_total", Map.of());
        assertTrue(calls >= 1 && calls <= 3.0 * client.batches.get(), "a PullBlocks call per first worker of each batch: " + calls);
        assertEquals((double) FILES, sum("gfsload_worker_pulls_total", Map.of("source", "ufs")), "a worker read each file");
        assertEquals((double) FILES, sum("gfsload_worker_forwarded_blocks_total", Map.of()), "and forwarded its other replica");
        assertCached(plan, 2);
    }

    @Test
    void aChangedFileFailsAloneAndTheOthersAreLoaded() throws IOException {
        PullingClient client = new PullingClient(real, Integer.MAX_VALUE);
        LoadPlan plan = plan(client, 2);
        Path changed = directory.resolve("data/part-007");
        Files.write(changed, new byte[] {1, 2, 3});

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withDataPath(DataPath.PULL)
                .withRetries(3, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertEquals(LoadState.PARTIAL, report.state(), report.toString());
        assertEquals(1, report.failedFiles().size(), report.toString());
        FileReport failed = report.failedFiles().get(0);
        assertTrue(failed.path().endsWith("part-007"), failed.path());
        assertTrue(failed.error().startsWith(Failures.CHANGED) && failed.error().contains("the file changed"), failed.error());
        assertEquals(0, failed.retries(), "a changed file is not retried");
        assertEquals(FILES - 1, report.totals().blocksLoaded());
        assertEquals(0, client.singlePulls.get(), "no file pulled again on its own");
        for (FileLoad file : plan.partitions().get(0).files()) {
            boolean isChanged = file.file().path().endsWith("part-007");
            assertEquals(isChanged ? 0 : 1, real.cachedBlocks(file.file()).size(), file.file().path());
        }
        assertEquals(2.0 * (FILES - 1), sum("gfsload_worker_block_writes_total", Map.of()), "nothing stored of the changed file");
    }

    @Test
    void anAtomicPullLoadOfSmallFilesCommitsAllOrNone() throws IOException {
        PullingClient client = new PullingClient(real, Integer.MAX_VALUE);
        LoadPlan plan = plan(client, 2);
        Path changed = directory.resolve("data/part-011");
        byte[] original = Files.readAllBytes(changed);
        Files.write(changed, new byte[] {1, 2, 3});
        ExecutorOptions atomic = ExecutorOptions.defaults().withDataPath(DataPath.PULL)
                .withAtomic(new AtomicOptions("pulled-small", AtomicOptions.Scope.JOB, Duration.ofHours(1)));

        LoadReport failed = load(client, plan, atomic);

        assertTrue(failed.state() != LoadState.SUCCEEDED, failed.toString());
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(List.of(), real.cachedBlocks(file.file()), "nothing visible of " + file.file().path());
        }

        Files.write(changed, original);
        LoadPlan again = plan(client, 2);
        LoadReport loaded = load(client, again, atomic);

        assertEquals(LoadState.SUCCEEDED, loaded.state(), loaded.toString());
        assertEquals(FILES, loaded.totals().blocksLoaded());
        assertCached(again, 2);
        assertEquals(List.of(), real.tempAreas().listTempAreas(), "the temp area is gone after the commit");
    }

    @Test
    void autoPushesTheFilesOfABatchTheWorkersCannotReadAndLoadsEachFileOnce() throws IOException {
        // the workers lose their access to the store after 10 pulls, in a batch or between two
        PullingClient client = new PullingClient(real, 10);
        LoadPlan plan = plan(client, 2);

        LoadReport report = load(client, plan, ExecutorOptions.defaults().withDataPath(DataPath.AUTO));

        assertEquals(LoadState.SUCCEEDED, report.state(), report.toString());
        assertEquals(FILES, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(0, report.totals().retries());
        for (FileReport file : report.partitions().get(0).files()) {
            assertNull(file.error(), file.path());
        }
        assertEquals(10.0, sum("gfsload_worker_pulls_total", Map.of("source", "ufs")), "the files pulled before the workers lost access");
        assertEquals(10, client.pulledOk.get());
        assertTrue(client.unreadable.get() >= 1, "the load learnt that the workers cannot read the store");
        assertEquals(2.0 * FILES, sum("gfsload_worker_block_writes_total", Map.of()), "each file stored once on each of its two workers");
        assertCached(plan, 2);
    }

    private LoadPlan plan(CacheClient client, int replication) {
        return LocalPlans.plan(client, directory.resolve("data"), 1 << 20, replication);
    }

    private static LoadReport load(CacheClient client, LoadPlan plan, ExecutorOptions options) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 3, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 1 << 20, "bytes", "test")));
        return new LoadExecutor(client, new Configuration(), settings, options, ProgressListener.NONE, Clock.systemUTC()).execute(plan);
    }

    /** {@code metric} of the workers with {@code labels}, summed. */
    private double sum(String metric, Map<String, String> labels) {
        return Stream.of("worker-0", "worker-1", "worker-2").mapToDouble(worker -> {
            Map<String, String> all = new java.util.HashMap<>(labels);
            all.put("worker", worker);
            return cluster.metrics().value(metric, all).orElse(0);
        }).sum();
    }

    private void assertCached(LoadPlan plan, int replication) throws IOException {
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = real.cachedBlocks(file.file());
            assertEquals(1, cached.size(), file.file().path());
            assertEquals(replication, new HashSet<>(cached.get(0).workerIds()).size());
            try (InputStream in = real.openReader(new BlockKey(file.file(), 0))) {
                assertArrayEquals(Files.readAllBytes(Path.of(file.file().path().replaceFirst("^file:", ""))), in.readAllBytes());
            }
        }
    }

    /**
     * The real client, except that {@link #writeBlocks} fails the blocks {@code fails} picks
     * (transiently, permanently as when no worker has room, or as when {@code unreachableWorker}
     * does not answer), and that it counts writes.
     */
    private static final class FailingClient extends ForwardingCacheClient {
        private final Predicate<BlockKey> fails;
        private final boolean permanent;
        private final String unreachableWorker;
        final AtomicInteger batchedBlocks = new AtomicInteger();
        final AtomicInteger singleWrites = new AtomicInteger();
        final List<Set<String>> singleWriteExclusions = new java.util.concurrent.CopyOnWriteArrayList<>();

        FailingClient(CacheClient delegate, Predicate<BlockKey> fails, boolean permanent) {
            this(delegate, fails, permanent, null);
        }

        FailingClient(CacheClient delegate, Predicate<BlockKey> fails, boolean permanent, String unreachableWorker) {
            super(delegate);
            this.fails = fails;
            this.permanent = permanent;
            this.unreachableWorker = unreachableWorker;
        }

        @Override
        public List<BlockWriteOutcome> writeBlocks(List<BlockData> blocks, WriteOptions options) {
            batchedBlocks.addAndGet(blocks.size());
            List<BlockData> passed = new ArrayList<>();
            List<BlockWriteOutcome> outcomes = new ArrayList<>();
            for (BlockData block : blocks) {
                if (fails.test(block.block())) {
                    String path = block.block().file().path();
                    CacheException failure = permanent
                            ? new NotEnoughWorkersException("no room for " + path)
                            : unreachableWorker != null
                                    ? new WorkerUnavailableException(unreachableWorker, "worker " + unreachableWorker + " gone for " + path, null)
                                    : new CacheUnavailableException("worker gone for " + path, null);
                    outcomes.add(BlockWriteOutcome.failed(block.block(), failure));
                }
                else {
                    passed.add(block);
                    outcomes.add(null);
                }
            }
            List<BlockWriteOutcome> written = delegate.writeBlocks(passed, options);
            for (int i = 0, j = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i) == null) {
                    outcomes.set(i, written.get(j++));
                }
            }
            return outcomes;
        }

        @Override
        public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
            singleWrites.incrementAndGet();
            singleWriteExclusions.add(options.excludedWorkers());
            return delegate.openWriter(block, length, options);
        }

        /** The test closes the real client. */
        @Override
        public void close() {}
    }

    /**
     * The real client, counting pulls, except that the workers can read only the first
     * {@code readable} blocks asked for: the pulls of the later ones fail as a worker without access
     * to the store answers.
     */
    private static final class PullingClient extends ForwardingCacheClient {
        /** Blocks the workers may still read. */
        private final AtomicInteger readable;
        final AtomicInteger singlePulls = new AtomicInteger();
        final AtomicInteger batches = new AtomicInteger();
        final AtomicInteger batchedBlocks = new AtomicInteger();
        final AtomicInteger pulledOk = new AtomicInteger();
        /** Blocks answered as unreadable. */
        final AtomicInteger unreadable = new AtomicInteger();

        PullingClient(CacheClient delegate, int readable) {
            super(delegate);
            this.readable = new AtomicInteger(readable);
        }

        /** Whether the workers may read one more block, counted; else the failure of {@code block}'s pull. */
        private Optional<UfsPullException> read(BlockKey block) {
            if (readable.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                return Optional.empty();
            }
            unreadable.incrementAndGet();
            return Optional.of(new UfsPullException("Pulling block " + block.blockId() + " failed: worker-0 reading " + block.file().path()
                    + ": the worker cannot read it: permission denied", UfsPullException.Reason.UNREADABLE, null));
        }

        @Override
        public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
            singlePulls.incrementAndGet();
            Optional<UfsPullException> failure = read(block);
            if (failure.isPresent()) {
                throw failure.get();
            }
            BlockWriteResult result = delegate.pullBlock(block, offset, length, streams, options);
            pulledOk.incrementAndGet();
            return result;
        }

        @Override
        public List<BlockWriteOutcome> pullBlocks(List<BlockRange> blocks, WriteOptions options) {
            batches.incrementAndGet();
            batchedBlocks.addAndGet(blocks.size());
            List<Optional<UfsPullException>> failures = blocks.stream().map(range -> read(range.block())).toList();
            List<BlockRange> readable = IntStream.range(0, blocks.size()).filter(i -> failures.get(i).isEmpty()).mapToObj(blocks::get).toList();
            List<BlockWriteOutcome> pulled = readable.isEmpty() ? List.of() : delegate.pullBlocks(readable, options);
            List<BlockWriteOutcome> outcomes = new ArrayList<>();
            for (int i = 0, j = 0; i < blocks.size(); i++) {
                if (failures.get(i).isPresent()) {
                    outcomes.add(BlockWriteOutcome.failed(blocks.get(i).block(), failures.get(i).get()));
                    continue;
                }
                BlockWriteOutcome outcome = pulled.get(j++);
                if (outcome.succeeded()) {
                    pulledOk.incrementAndGet();
                }
                outcomes.add(outcome);
            }
            return outcomes;
        }

        /** The test closes the real client. */
        @Override
        public void close() {}
    }
}
