package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.BlockWriteResult;
import io.gfsload.cache.api.BlockWriter;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.UfsPullException;
import io.gfsload.cache.api.WriteOptions;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large file on the pull data path: the workers of a real local cluster pull several of its
 * blocks at once, as this process would read several ranges of it, each pull on its share of the
 * file's streams.
 */
class TestPulledBlocksAtOnce {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final long BLOCK = 256 << 10;
    private static final int BLOCKS = 8;
    private static final int STREAMS = 4;
    private static final int READ_BUFFER = 100_000;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path local;
    private Configuration conf;
    private String root;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(3).workerCapacityBytes(64L << 20).build());
        client = cluster.newClient();
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        local = data.resolve("part-0");
        byte[] bytes = new byte[(int) (BLOCK * (BLOCKS - 1) + 54_321)];
        new Random(23).nextBytes(bytes);
        Files.write(local, bytes);
        conf = new Configuration();
        // the in-process workers get this instance of the store from Hadoop's cache
        root = ThrottledFileSystem.SCHEME + "://pulled" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void aFileIsPulledSeveralBlocksAtOnceEachOnItsShareOfTheStreams() throws IOException {
        // each pull waits (for a while at most) until as many are under way as the file has streams
        Pulls pulls = new Pulls(client, STREAMS);
        LoadPlan plan = plan();

        LoadReport report = executor(pulls, ExecutorOptions.defaults().withDataPath(DataPath.PULL), ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(BLOCKS, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(plan.stats().bytes(), report.ufsBytesRead());
        assertEquals(STREAMS, pulls.mostAtOnce.get(), "as many blocks of the file pulled at once as it has streams");
        assertEquals(STREAMS, pulls.mostStreamsAtOnce.get(), "the pulls under way read the file on no more streams than it has");
        pulls.assertEachBlockOnce();
        assertEquals(Map.of(), pulls.written, "nothing pushed");
        assertCachedAsInTheUfs(plan);
    }

    @Test
    void aFileChangedWhileItsBlocksArePulledFailsOnceWithNothingOfItCommitted() throws IOException {
        Pulls pulls = new Pulls(client, STREAMS);
        pulls.before = index -> {
            if (index == 2) {
                rewriteLocal();
            }
        };
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void fileFailed(String path, String reason) {
                failures.merge(path, 1, Integer::sum);
            }
        };
        LoadPlan plan = plan();
        FileLoad file = plan.partitions().get(0).files().get(0);
        ExecutorOptions atomic = ExecutorOptions.defaults().withDataPath(DataPath.PULL)
                .withAtomic(new AtomicOptions("pulled-changed", AtomicOptions.Scope.FILE, Duration.ofHours(1)));

        LoadReport report = executor(pulls, atomic, listener).execute(plan);

        assertEquals(LoadState.FAILED, report.state(), report.toString());
        FileReport failed = report.partitions().get(0).files().get(0);
        assertTrue(failed.error().contains("changed"), failed.error());
        assertEquals(0, failed.retries(), "a changed file is not retried");
        assertEquals(0, report.totals().blocksLoaded());
        assertEquals(Map.of(file.file().path(), 1), failures, "the file fails once");
        assertEquals(List.of(), client.cachedBlocks(file.file()), "nothing of the planned version is committed");
        assertTrue(pulls.asked.values().stream().allMatch(asked -> asked.get() == 1), "no block pulled twice: " + pulls.asked);
    }

    @Test
    void aRetryAfterAFailedPullPullsOnlyTheBlocksNotPulledYet() throws IOException {
        // the first pull of block 1 fails as a read does, while the blocks after it are pulled
        Pulls pulls = new Pulls(client, STREAMS);
        pulls.fail(1, 1, UfsPullException.Reason.FAILED, "worker-2 read it and failed: Connection reset");
        LoadPlan plan = plan();

        LoadReport report = executor(pulls, ExecutorOptions.defaults().withDataPath(DataPath.PULL), ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(1, report.totals().retries());
        assertEquals(BLOCKS, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded(), "a block pulled before the retry counts once");
        assertEquals(2, pulls.counts().get(1), "the failed block is pulled again");
        pulls.assertEachBlockOnce();
        assertCachedAsInTheUfs(plan);
    }

    @Test
    void aResumedJobPullsOnlyTheBlocksNotCommittedBefore() throws IOException {
        // the first block fails for good once the next three are under way, which commit after it
        Pulls failing = new Pulls(client, STREAMS);
        failing.fail(0, Integer.MAX_VALUE, UfsPullException.Reason.UNREADABLE, "worker-0 cannot read it: access denied");
        LoadPlan plan = plan();
        Path jobs = directory.resolve("jobs");
        ExecutorOptions options = ExecutorOptions.defaults().withDataPath(DataPath.PULL);

        LoadReport first;
        // what a run killed after those commits leaves: its journal
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, "cluster", false)) {
            first = executor(failing, options, ProgressListener.NONE).execute(plan, Optional.of(journal));
        }

        Set<Integer> committed = failing.pulled.keySet();
        assertEquals(LoadState.PARTIAL, first.state(), first.toString());
        assertTrue(committed.containsAll(Set.of(1, 2, 3)) && !committed.contains(0), "the blocks after the first committed: " + committed);
        assertEquals(committed.size(), first.totals().blocksLoaded(), first.toString());
        assertEquals(committed.size() * BLOCK, first.totals().bytesLoaded());

        Pulls resumed = new Pulls(client, 1);
        LoadPlan again = plan();
        LoadReport second;
        try (JobJournal journal = JobJournal.open(jobs, again.request(), false, "cluster", false)) {
            assertEquals(committed.size(), journal.previousBlocks(), "the journal has the blocks committed out of order");
            second = executor(resumed, options, ProgressListener.NONE).execute(again, Optional.of(journal));
        }

        assertEquals(LoadState.SUCCEEDED, second.state(), second.failedFiles().toString());
        Map<Integer, Integer> notCommitted = new TreeMap<>();
        IntStream.range(0, BLOCKS).filter(index -> !committed.contains(index)).forEach(index -> notCommitted.put(index, 1));
        assertEquals(notCommitted, resumed.counts(), "only the blocks not committed are pulled, each once");
        assertCachedAsInTheUfs(again);
    }

    @Test
    void autoPushesTheRestOfAFileOnceAWorkerCannotReadItLoadingEachBlockOnce() throws IOException {
        Pulls pulls = new Pulls(client, STREAMS);
        pulls.fail(2, Integer.MAX_VALUE, UfsPullException.Reason.UNREADABLE, "worker-1 cannot read it: No FileSystem for scheme \"throttled\"");
        LoadPlan plan = plan();

        LoadReport report = executor(pulls, ExecutorOptions.defaults().withDataPath(DataPath.AUTO), ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(BLOCKS, report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(plan.stats().bytes(), report.ufsBytesRead(), "each block read once, by a worker or here");
        // block 3, pulled with block 2, which the workers cannot read, is not pushed after it
        assertTrue(pulls.pulled.containsKey(3) && pulls.written.containsKey(2), "pulled " + pulls.pulled.keySet() + ", pushed " + pulls.written.keySet());
        pulls.assertEachBlockOnce();
        assertCachedAsInTheUfs(plan);
    }

    private LoadPlan plan() {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        LoadPlan plan = planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 2));
        assertEquals(1, plan.stats().files());
        return plan;
    }

    private LoadExecutor executor(CacheClient cache, ExecutorOptions options, ProgressListener listener) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, STREAMS, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, READ_BUFFER, "bytes", "test"),
                new Setting(Settings.IN_FLIGHT_BYTES, 16L * READ_BUFFER, "bytes", "test"),
                new Setting(Settings.STREAMS_PER_FILE, STREAMS, "streams", "test")));
        return new LoadExecutor(cache, conf, settings, options.withRetries(3, Duration.ofMillis(1), Duration.ofMillis(10)), listener, Clock.systemUTC());
    }

    /** Rewrites the file in place, its length kept: another version of it. */
    private void rewriteLocal() {
        try {
            byte[] bytes = Files.readAllBytes(local);
            bytes[0]++;
            Files.write(local, bytes);
            Files.setLastModifiedTime(local, FileTime.fromMillis(Files.getLastModifiedTime(local).toMillis() + 5_000));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void assertCachedAsInTheUfs(LoadPlan plan) throws IOException {
        FileLoad file = plan.partitions().get(0).files().get(0);
        ByteArrayOutputStream cached = new ByteArrayOutputStream();
        for (BlockTask block : file.blocks()) {
            try (InputStream in = client.openReader(block.key())) {
                in.transferTo(cached);
            }
        }
        assertArrayEquals(Files.readAllBytes(local), cached.toByteArray());
    }

    /**
     * The pulls and the pushed writes of a load, by block index, and how many pulls were under way
     * at once, on how many streams. Each pull waits, for a few seconds at most, until
     * {@code together} pulls have started, so that those that can run at once do.
     */
    private static final class Pulls extends ForwardingCacheClient {
        final Map<Integer, AtomicInteger> asked = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> pulled = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> written = new ConcurrentHashMap<>();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicInteger mostStreamsAtOnce = new AtomicInteger();
        private final AtomicInteger atOnce = new AtomicInteger();
        private final AtomicInteger streamsAtOnce = new AtomicInteger();
        private final CountDownLatch together;
        /** Runs as a pull of the block with this index starts, after the others it waits for. */
        volatile IntConsumer before = index -> {};

        Pulls(CacheClient delegate, int together) {
            super(delegate);
            this.together = new CountDownLatch(together);
        }

        @Override
        public BlockWriteResult pullBlock(BlockKey block, long offset, long length, int streams, WriteOptions options) {
            asked.computeIfAbsent(block.index(), index -> new AtomicInteger()).incrementAndGet();
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            mostStreamsAtOnce.accumulateAndGet(streamsAtOnce.addAndGet(streams), Math::max);
            try {
                together.countDown();
                together.await(5, TimeUnit.SECONDS);
                before.accept(block.index());
                BlockWriteResult result = delegate.pullBlock(block, offset, length, streams, options);
                pulled.computeIfAbsent(block.index(), index -> new AtomicInteger()).incrementAndGet();
                return result;
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            finally {
                streamsAtOnce.addAndGet(-streams);
                atOnce.decrementAndGet();
            }
        }

        @Override
        public BlockWriter openWriter(BlockKey block, long length, WriteOptions options) {
            written.computeIfAbsent(block.index(), index -> new AtomicInteger()).incrementAndGet();
            return delegate.openWriter(block, length, options);
        }

        /** The first {@code times} pulls of the block with this index fail with {@code reason}, saying {@code message}. */
        void fail(int failing, int times, UfsPullException.Reason reason, String message) {
            AtomicInteger failed = new AtomicInteger();
            before = index -> {
                if (index == failing && failed.getAndIncrement() < times) {
                    throw new UfsPullException(message, reason, null);
                }
            };
        }

        /** Pulls asked, by block index. */
        Map<Integer, Integer> counts() {
            Map<Integer, Integer> counts = new TreeMap<>();
            asked.forEach((index, count) -> counts.put(index, count.get()));
            return counts;
        }

        /** Every block of the file pulled or written, once. */
        void assertEachBlockOnce() {
            for (int index = 0; index < BLOCKS; index++) {
                int loaded = pulled.getOrDefault(index, new AtomicInteger()).get() + written.getOrDefault(index, new AtomicInteger()).get();
                assertEquals(1, loaded, "block " + index + " loaded once: pulled " + pulled + ", pushed " + written);
            }
        }
    }
}
