package io.gfsload.executor;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaRun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.BackendProfile;
import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.TuningAdvisor;
import io.gfsload.advisor.Units;
import io.gfsload.advisor.WorkloadProfile;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.MasterSilence;
import io.gfsload.cache.api.MasterUnavailableException;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan loaded in slices, each serialized as it would be sent to another process and loaded there
 * on its own connection to a real local cluster; the report merged in plan order.
 */
class TestDistributedLoad {
    private static final long BLOCK = 256 << 10;
    private static final String TOKEN = "slice-token-1234";
    private static final LoadWindow NIGHT = LoadWindow.parse("01:00-06:00", ZoneOffset.UTC);

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(64L << 20)
                .token(TOKEN).build());
        client = cluster.newClient();
        Random random = new Random(11);
        Files.createDirectories(directory.resolve("data/sub"));
        for (int i = 0; i < 7; i++) {
            byte[] bytes = new byte[(int) (BLOCK * (i % 3) + 1000 + random.nextInt(1000))];
            random.nextBytes(bytes);
            Files.write(directory.resolve((i % 2 == 0 ? "data/" : "data/sub/") + "f" + i), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /** Runs each slice in a thread of its own after a round trip through Java serialization, as Spark ships it. */
    private static class SerializedSlices implements DistributedLoad.Slices {
        private final int parallelism;
        private final List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        private final List<AtomicOptions> atomic = Collections.synchronizedList(new ArrayList<>());

        SerializedSlices(int parallelism) {
            this.parallelism = parallelism;
        }

        @Override
        public int parallelism() {
            return parallelism;
        }

        @Override
        public void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
            ExecutorService pool = Executors.newFixedThreadPool(slices.size());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (SliceLoad slice : slices) {
                    futures.add(pool.submit(() -> {
                        SliceLoad shipped = roundTrip(slice);
                        ran.add(shipped.index());
                        if (shipped.options().atomic() != null) {
                            atomic.add(shipped.options().atomic());
                        }
                        finished.accept(slice, roundTrip(shipped.load(new Tally(snapshot -> progress.accept(slice, snapshot)), 0)));
                    }));
                }
                for (Future<?> future : futures) {
                    future.get();
                }
            }
            catch (Exception e) {
                throw new IllegalStateException(e);
            }
            finally {
                pool.shutdownNow();
            }
        }
    }

    /** Counts a slice's progress and says each new count at once, as an executor would at its heartbeats. */
    private static final class Tally implements SliceProgress.Counters {
        private final transient Consumer<SliceProgress> said;
        private long bytes;
        private long files;
        private long failed;
        private long retries;
        private long read;

        Tally(Consumer<SliceProgress> said) {
            this.said = said;
        }

        @Override
        public synchronized void bytesLoaded(long bytes) {
            this.bytes += bytes;
            said.accept(new SliceProgress(this.bytes, files, failed, retries));
        }

        @Override
        public synchronized void fileFinished(boolean failed) {
            files++;
            this.failed += failed ? 1 : 0;
            said.accept(new SliceProgress(bytes, files, this.failed, retries));
        }

        @Override
        public synchronized void retrying() {
            retries++;
            said.accept(new SliceProgress(bytes, files, failed, retries));
        }

        @Override
        public synchronized void ufsBytesRead(long bytes) {
            read += bytes;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return (T) in.readObject();
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Settings settings() {
        return new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test")));
    }

    private DistributedLoad load(DistributedLoad.Slices slices, ProgressListener listener) {
        return load(slices, ExecutorOptions.defaults(), listener);
    }

    private DistributedLoad load(DistributedLoad.Slices slices, ExecutorOptions options, ProgressListener listener) {
        return new DistributedLoad(slices, client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of()), share -> settings(),
                options, listener, Clock.systemUTC());
    }

    @Test
    void slicesLoadEveryFileOnceAndTheReportIsTheWholePlansInPlanOrder() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        List<String> finishedFiles = Collections.synchronizedList(new ArrayList<>());
        SerializedSlices slices = new SerializedSlices(3);

        LoadReport report = load(slices, new ProgressListener() {
            @Override
            public void fileFinished(FileReport file) {
                finishedFiles.add(file.path());
            }
        }).execute(plan, Optional.empty());

        assertEquals(3, slices.ran.size(), "one task per slice: " + slices.ran);
        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertNull(report.stopReason());
        assertEquals(plan.stats().files(), report.totals().files());
        assertEquals(plan.stats().blocks(), report.totals().blocksLoaded());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(plan.stats().bytes(), report.ufsBytesRead());
        List<String> planned = plan.partitions().stream().flatMap(p -> p.files().stream()).map(f -> f.file().path()).toList();
        assertEquals(planned, report.partitions().stream().flatMap(p -> p.files().stream()).map(FileReport::path).toList(), "plan order");
        assertEquals(planned.stream().sorted().toList(), finishedFiles.stream().sorted().toList(), "each file heard once");
        for (FileLoad file : plan.partitions().get(0).files()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                assertEquals(2, client.cachedBlocks(file.file()).get(block.index()).workerIds().size());
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(bytes);
                }
            }
            assertArrayEquals(Files.readAllBytes(Path.of(java.net.URI.create(file.file().path()))), bytes.toByteArray());
        }

        SerializedSlices none = new SerializedSlices(3);
        LoadReport again = load(none, ProgressListener.NONE).execute(LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2), Optional.empty());
        assertEquals(List.of(), none.ran, "nothing to load: no slice");
        assertEquals(LoadState.SUCCEEDED, again.state());
        assertEquals(0, again.totals().bytesLoaded());
        assertEquals(plan.stats().blocks(), again.totals().blocksAlreadyCached());
    }

    @Test
    void slicesPullWhenTheLoadPulls() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);

        LoadReport report = load(new SerializedSlices(2), ExecutorOptions.defaults().withDataPath(DataPath.PULL), ProgressListener.NONE)
                .execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        double pulled = java.util.stream.Stream.of("worker-0", "worker-1")
                .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", "ufs")).orElse(0))
                .sum();
        assertEquals(report.totals().blocksLoaded(), (long) pulled, "each block the slices loaded was pulled by a worker");
        assertTrue(report.totals().blocksLoaded() > 0);
    }

    @Test
    void progressHearsWhatEachSliceHasDoneWhileItLoadsAndItsFilesWhenItFinishes() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        List<Integer> finishedSlices = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, List<SliceProgress>> heard = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
        // what a progress display does: the slices' counts until they finish, then their blocks
        ProgressListener listener = new ProgressListener() {
            private final Map<Integer, SliceProgress> last = new java.util.concurrent.ConcurrentHashMap<>();
            private final LoadedBytes loaded = new LoadedBytes();
            private final java.util.concurrent.atomic.AtomicLong credit = new java.util.concurrent.atomic.AtomicLong();

            @Override
            public void sliceProgress(int slice, SliceProgress progress) {
                heard.computeIfAbsent(slice, s -> Collections.synchronizedList(new ArrayList<>())).add(progress);
                SliceProgress before = last.put(slice, progress);
                count(progress.bytesLoaded() - (before == null ? 0 : before.bytesLoaded()));
            }

            @Override
            public void sliceFinished(int slice) {
                // what it said counts until its blocks take it up
                finishedSlices.add(slice);
                credit.addAndGet(last.remove(slice).bytesLoaded());
            }

            @Override
            public void blockLoaded(BlockTask block) {
                long bytes = loaded.loaded(block);
                long taken = Math.min(bytes, credit.getAndUpdate(left -> Math.max(0, left - bytes)));
                count(bytes - taken);
            }

            private void count(long bytes) {
                most.accumulateAndGet(done.addAndGet(bytes), Math::max);
            }
        };
        DistributedLoad load = load(new SerializedSlices(3), listener);
        List<SliceLoad> cut = load.slices(plan);

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(List.of(0, 1, 2), finishedSlices.stream().sorted().toList());
        for (SliceLoad slice : cut) {
            List<SliceProgress> said = heard.get(slice.index());
            long bytes = slice.plan().stats().bytesToLoad();
            long files = slice.plan().filesToLoad();
            SliceProgress whole = said.get(said.size() - 1);
            assertEquals(new SliceProgress(bytes, files, 0, 0), whole, "the slice's last count before it finished");
            assertTrue(said.stream().anyMatch(p -> p.bytesLoaded() > 0 && p.filesFinished() < files), "heard while it loaded: " + said);
        }
        assertEquals(plan.stats().bytesToLoad(), done.get());
        assertEquals(plan.stats().bytesToLoad(), most.get(), "never more than the plan's bytes");
    }

    @Test
    void aSliceCountsWhatItReadsFromTheUfsAsItReadsForTheDriver() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        SliceLoad slice = load(new SerializedSlices(1), ProgressListener.NONE).slices(plan).get(0);
        Tally tally = new Tally(said -> {});

        LoadReport report = slice.load(tally, 0);

        assertEquals(plan.stats().bytes(), report.ufsBytesRead());
        assertEquals(report.ufsBytesRead(), tally.read, "counted as it read, for the driver: an attempt that ends without a report read too");
    }

    @Test
    void aLaterAttemptOfASliceLoadsOnlyWhatTheCacheDoesNotHoldAndCountsTheRestAsAlreadyCached() throws IOException {
        laterAttempt(ExecutorOptions.defaults());
    }

    @Test
    void aLaterAttemptOfAnAtomicSliceLoadsOnlyWhatItsFailedAttemptDidNotCommit() throws IOException {
        AtomicOptions atomic = new AtomicOptions("job-retried", AtomicOptions.Scope.FILE, java.time.Duration.ofHours(1));
        // the driver's temp area, which the slices commit their files in
        client.tempAreas().openTempArea(atomic.jobId(), atomic.expireTime());
        laterAttempt(ExecutorOptions.defaults().withAtomic(atomic));
    }

    private void laterAttempt(ExecutorOptions options) throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        SliceLoad slice = load(new SerializedSlices(1), options, ProgressListener.NONE).slices(plan).get(0);
        LoadReport first = slice.load();
        assertEquals(LoadState.SUCCEEDED, first.state());
        // what the cache lost of one file since, as an attempt that did not finish would have left it
        FileLoad lost = plan.partitions().get(0).files().stream().filter(file -> file.blocks().size() > 1).findFirst().orElseThrow();
        client.free(lost.file());

        LoadReport again = slice.load(SliceProgress.NoCounters.INSTANCE, 1);

        assertEquals(LoadState.SUCCEEDED, again.state());
        // only the file the cache lost is read again; a block whose write is retried (a busy host) is read once more
        long retried = again.totals().retries();
        assertTrue(again.ufsBytesRead() >= lost.file().length() && again.ufsBytesRead() <= lost.file().length() + retried * BLOCK,
                "only the file the cache lost is read again: " + again.ufsBytesRead() + " bytes read, " + retried + " retries");
        // whoever wrote the others (the earlier attempt, or another load), this attempt found them cached
        assertEquals(lost.blocks().size(), again.totals().blocksLoaded(), "the blocks this attempt wrote");
        assertEquals(lost.file().length(), again.totals().bytesLoaded());
        assertEquals(first.totals().blocksLoaded() - lost.blocks().size(), again.totals().blocksAlreadyCached());
        assertEquals(first.totals().bytesLoaded() - lost.file().length(), again.totals().bytesAlreadyCached());
        assertEquals(again.totals().bytes(), again.totals().bytesLoaded() + again.totals().bytesAlreadyCached(), "the bytes add up");
        for (BlockTask block : lost.blocks()) {
            assertEquals(2, client.cachedBlocks(lost.file()).get(block.index()).workerIds().size());
        }
    }

    @Test
    void blocksAnotherLoadCachedSinceThePlanCountAsAlreadyCachedInEveryAttemptOfASlice() throws IOException {
        for (int attempt : List.of(0, 1)) {
            LoadPlan plan = LocalPlans.plan(client, freshFiles("attempt-" + attempt), BLOCK, 2);
            assertEquals(0, plan.stats().blocks() - plan.stats().blocksToLoad(), "nothing cached when planned");
            FileLoad meanwhile = plan.partitions().get(0).files().stream().filter(file -> file.blocks().size() > 1).findFirst().orElseThrow();
            SliceLoad slice = load(new SerializedSlices(1), ExecutorOptions.defaults(), ProgressListener.NONE).slices(plan).get(0);
            cacheWithAnotherClient(meanwhile, 2);

            LoadReport report = slice.load(SliceProgress.NoCounters.INSTANCE, attempt);

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            String what = "attempt " + attempt;
            assertEquals(plan.stats().bytes() - meanwhile.file().length(), report.ufsBytesRead(), what + ": the file cached meanwhile is not read");
            assertEquals(plan.stats().blocks() - meanwhile.blocks().size(), report.totals().blocksLoaded(), what);
            assertEquals(meanwhile.blocks().size(), report.totals().blocksAlreadyCached(), what);
            assertEquals(plan.stats().bytes() - meanwhile.file().length(), report.totals().bytesLoaded(), what);
            assertEquals(meanwhile.file().length(), report.totals().bytesAlreadyCached(), what);
            FileReport file = report.partitions().stream().flatMap(p -> p.files().stream())
                    .filter(f -> f.path().equals(meanwhile.file().path())).findFirst().orElseThrow();
            assertEquals(List.of(0, meanwhile.blocks().size(), 0L), List.of(file.blocksLoaded(), file.blocksAlreadyCached(), file.bytesLoaded()), what);
        }
    }

    @Test
    void theLoadsReportCountsWhatASliceFoundCachedSinceThePlanAsAlreadyCachedBlocksAndBytes() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        FileLoad meanwhile = plan.partitions().get(0).files().stream().filter(file -> file.blocks().size() > 1).findFirst().orElseThrow();
        SerializedSlices serialized = new SerializedSlices(3);
        // another load caches a file of the plan after it was planned, before the slices run
        DistributedLoad.Slices slices = new DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return serialized.parallelism();
            }

            @Override
            public void run(List<SliceLoad> cut, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                cacheWithAnotherClient(meanwhile, 2);
                serialized.run(cut, progress, finished);
            }
        };

        LoadReport report = load(slices, ProgressListener.NONE).execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(plan.stats().blocks() - meanwhile.blocks().size(), report.totals().blocksLoaded());
        assertEquals(meanwhile.blocks().size(), report.totals().blocksAlreadyCached());
        assertEquals(plan.stats().bytes() - meanwhile.file().length(), report.totals().bytesLoaded());
        assertEquals(meanwhile.file().length(), report.totals().bytesAlreadyCached());
        PartitionReport partition = report.partitions().get(0);
        assertEquals(partition.totals().bytes(), partition.totals().bytesLoaded() + partition.totals().bytesAlreadyCached(), "the partition's bytes add up");
    }

    /**
     * A slice commits its atomic scopes (files, partitions) itself and writes again the blocks of a
     * commit the master refused for their replicas on lost workers: the load's report adds up what
     * each slice says it wrote again, as a load in one process counts its own.
     */
    @Test
    void theLoadsReportAddsUpTheBlocksEachSliceWroteAgainBeforeACommit() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        SerializedSlices serialized = new SerializedSlices(2);
        List<Integer> sliced = Collections.synchronizedList(new ArrayList<>());
        // each slice as if the master refused one of its commits: slice i + 1 for i + 1 blocks of 1000 bytes, on worker-0 or worker-1 in turn
        DistributedLoad.Slices slices = new DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return serialized.parallelism();
            }

            @Override
            public void run(List<SliceLoad> cut, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                serialized.run(cut, progress, (slice, report) -> {
                    sliced.add(slice.index());
                    finished.accept(slice, report.withRewrittenBeforeCommit(
                            new LoadReport.RewrittenBeforeCommit(slice.index() + 1, (slice.index() + 1) * 1000L, 1, List.of("worker-" + slice.index() % 2))));
                });
            }
        };

        LoadReport report = load(slices, ProgressListener.NONE).execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertTrue(sliced.size() >= 2, "slices: " + sliced);
        long blocks = sliced.stream().mapToLong(index -> index + 1).sum();
        assertEquals(new LoadReport.RewrittenBeforeCommit(blocks, blocks * 1000, sliced.size(), List.of("worker-0", "worker-1")), report.rewrittenBeforeCommit());
    }

    @Test
    void progressCountsWhatASliceFoundCachedSinceThePlanAsAlreadyCachedNotLoaded() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, freshFiles("found-cached"), BLOCK, 2);
        List<FileLoad> files = plan.partitions().get(0).files();
        FileLoad whole = files.stream().filter(file -> file.blocks().size() == 2).findFirst().orElseThrow();
        FileLoad inPart = files.stream().filter(file -> file.blocks().size() == 3).findFirst().orElseThrow();
        // another load caches a file of the plan, and the first and the short last block of another, after the plan
        List<BlockTask> firstAndLast = List.of(inPart.blocks().get(0), inPart.blocks().get(2));
        SerializedSlices serialized = new SerializedSlices(1);
        DistributedLoad.Slices slices = InProcessSlices.of(1, (cut, progress, finished) -> {
            cacheWithAnotherClient(whole, 2);
            cacheWithAnotherClient(inPart, firstAndLast, 2);
            serialized.run(cut, progress, finished);
        });
        java.util.concurrent.atomic.AtomicLong loaded = new java.util.concurrent.atomic.AtomicLong();
        Map<String, List<Long>> found = new java.util.concurrent.ConcurrentHashMap<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                loaded.addAndGet(block.length());
            }

            @Override
            public void foundCached(FileLoad file, int blocks, long bytes) {
                found.put(file.file().path(), List.of((long) blocks, bytes));
            }
        };

        LoadReport report = load(slices, listener).execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(whole.file().length() + BLOCK + inPart.blocks().get(2).length(), report.totals().bytesAlreadyCached());
        assertEquals(report.totals().bytesLoaded(), loaded.get(), "the progress's loaded bytes are the report's");
        assertEquals(Map.of(whole.file().path(), List.of(2L, whole.file().length()),
                inPart.file().path(), List.of(2L, BLOCK + inPart.blocks().get(2).length())), found, "found cached, as the report counts them");
    }

    @Test
    void theBlocksASliceFoundCachedAreTheLastOnlyWhenTheirBytesSaySo() {
        FileIdentity identity = new FileIdentity("file:/data/f", 2 * BLOCK + 100, 1);
        FileLoad file = new FileLoad(identity, List.of(new BlockTask(identity, 0, 0, BLOCK, false), new BlockTask(identity, 1, BLOCK, BLOCK, false),
                new BlockTask(identity, 2, 2 * BLOCK, 100, false)));

        assertEquals(java.util.Set.of(0, 2), DistributedLoad.foundCached(file, new FileReport(identity.path(), identity.length(), 3, 1, 2, 0, BLOCK,
                BLOCK + 100, 0, null)));
        assertEquals(java.util.Set.of(0, 1), DistributedLoad.foundCached(file, new FileReport(identity.path(), identity.length(), 3, 1, 2, 0, 100,
                2 * BLOCK, 0, null)));
        assertEquals(java.util.Set.of(), DistributedLoad.foundCached(file, new FileReport(identity.path(), identity.length(), 3, 3, 0, 0, 2 * BLOCK + 100,
                0, 0, null)));
    }

    /** A directory {@code name} of three fresh files, of one, two and three blocks. */
    private Path freshFiles(String name) throws IOException {
        Path dir = Files.createDirectories(directory.resolve(name));
        Random random = new Random(name.hashCode());
        for (int i = 0; i < 3; i++) {
            byte[] bytes = new byte[(int) (BLOCK * i + 500 + random.nextInt(500))];
            random.nextBytes(bytes);
            Files.write(dir.resolve("f" + i), bytes);
        }
        return dir;
    }

    /** Caches every block of {@code file} with {@code replication}, as another load would, on a client of its own. */
    private void cacheWithAnotherClient(FileLoad file, int replication) {
        cacheWithAnotherClient(file, file.blocks(), replication);
    }

    /** Caches {@code blocks} of {@code file} with {@code replication}, as another load would, on a client of its own. */
    private void cacheWithAnotherClient(FileLoad file, List<BlockTask> blocks, int replication) {
        try (CacheClient another = cluster.newClient()) {
            byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(file.file().path())));
            for (BlockTask block : blocks) {
                try (io.gfsload.cache.api.BlockWriter writer = another.openWriter(block.key(), block.length(), replication)) {
                    writer.write(bytes, (int) block.offset(), (int) block.length());
                    writer.commit();
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aLaterAttemptOfASliceWritesOnlyTheReplicasTheCacheMissesNowNotThoseOfThePlan() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        SliceLoad slice = load(new SerializedSlices(1), ExecutorOptions.defaults(), ProgressListener.NONE).slices(plan).get(0);
        // the plan has no block held; since then the cache holds one file's blocks once each (an earlier attempt's
        // replicas of which one was lost, or a load at replication 1)
        FileLoad held = plan.partitions().get(0).files().stream().filter(file -> file.blocks().size() > 1).findFirst().orElseThrow();
        assertTrue(held.blocks().stream().allMatch(block -> !block.cached() && block.heldBy().isEmpty()), held.toString());
        byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(held.file().path())));
        for (BlockTask block : held.blocks()) {
            try (io.gfsload.cache.api.BlockWriter writer = client.openWriter(block.key(), block.length(), 1)) {
                writer.write(bytes, (int) block.offset(), (int) block.length());
                writer.commit();
            }
        }
        double writesBefore = blockWrites();

        LoadReport again = slice.load(SliceProgress.NoCounters.INSTANCE, 1);

        assertEquals(LoadState.SUCCEEDED, again.state(), again.failedFiles().toString());
        long blocks = plan.stats().blocksToLoad();
        assertEquals(2 * blocks - held.blocks().size(), blockWrites() - writesBefore,
                "one replica for each block of " + held.file().path() + ", two for every other block");
        for (FileLoad file : plan.partitions().get(0).files()) {
            for (io.gfsload.cache.api.CachedBlock block : client.cachedBlocks(file.file())) {
                assertEquals(List.of("worker-0", "worker-1"), block.workerIds(), file.file().path() + ": " + block);
            }
        }
    }

    /** The blocks the workers have stored, written or found on disk, since the cluster started. */
    private double blockWrites() {
        return java.util.stream.IntStream.range(0, 2)
                .mapToDouble(i -> cluster.metrics().value("gfsload_worker_block_writes_total", Map.of("worker", "worker-" + i)).orElseThrow())
                .sum();
    }

    /** The plan of two directories of fresh files under {@code name}, a partition each. */
    private LoadPlan twoPartitions(String name) throws IOException {
        Random random = new Random(name.hashCode());
        List<String> paths = new ArrayList<>();
        for (String partition : List.of("p0", "p1")) {
            Path dir = directory.resolve(name).resolve(partition);
            Files.createDirectories(dir);
            for (int i = 0; i < 3; i++) {
                byte[] bytes = new byte[(int) (BLOCK * i + 500 + random.nextInt(500))];
                random.nextBytes(bytes);
                Files.write(dir.resolve("f" + i), bytes);
            }
            paths.add(dir.toString());
        }
        return new io.gfsload.planner.LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks,
                new io.gfsload.planner.PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                .plan(new io.gfsload.planner.LoadRequest(new io.gfsload.planner.LoadTarget.Paths(paths), 1));
    }

    @Test
    void atomicSlicesCommitTheirScopesInTheLoadsTempAreaWhichTheLoadDeletesAtItsEnd() throws IOException {
        for (AtomicOptions.Scope scope : List.of(AtomicOptions.Scope.FILE, AtomicOptions.Scope.PARTITION, AtomicOptions.Scope.JOB)) {
            LoadPlan plan = twoPartitions("atomic-" + scope);
            String job = "atomic-" + scope;
            SerializedSlices slices = new SerializedSlices(3);
            DistributedLoad load = load(slices, ExecutorOptions.defaults().withAtomic(new AtomicOptions(job, scope, java.time.Duration.ofHours(1))),
                    ProgressListener.NONE);

            LoadReport report = load.execute(plan, Optional.empty());

            assertEquals(LoadState.SUCCEEDED, report.state(), scope + ": " + report.failedFiles());
            assertEquals(plan.stats().blocks(), report.totals().blocksLoaded(), scope.toString());
            for (PartitionLoad partition : plan.partitions()) {
                for (FileLoad file : partition.files()) {
                    assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), "committed: " + file.file().path());
                }
            }
            assertTrue(client.tempAreas().findTempArea(job).isEmpty(), scope + ": the load deletes its emptied temp area");
            assertEquals(slices.ran.size(), slices.atomic.size(), "every slice stages");
            assertTrue(slices.atomic.stream().allMatch(options -> options.sharedArea() && options.jobId().equals(job) && options.scope() == scope),
                    slices.atomic.toString());
        }
    }

    @Test
    void anAtomicJobWithAFailedFileCommitsNothingAndKeepsItsTempArea() throws IOException {
        LoadPlan plan = twoPartitions("job-failed");
        Files.delete(Path.of(java.net.URI.create(plan.partitions().get(1).files().get(2).file().path())));
        String job = "job-failed";
        DistributedLoad load = load(new SerializedSlices(3),
                ExecutorOptions.defaults().withAtomic(new AtomicOptions(job, AtomicOptions.Scope.JOB, java.time.Duration.ofHours(1))), ProgressListener.NONE);

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(LoadState.FAILED, report.state(), report.failedFiles().toString());
        assertEquals(0, report.totals().blocksLoaded(), "staged is not loaded");
        assertEquals(plan.stats().files(), report.totals().filesFailed());
        assertTrue(report.failedFiles().stream().filter(file -> !file.path().endsWith("/p1/f2"))
                .allMatch(file -> file.error().equals("not committed: the job has failed files")), report.failedFiles().toString());
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(List.of(), client.cachedBlocks(file.file()), "invisible to readers: " + file.file().path());
            }
        }
        assertTrue(client.tempAreas().findTempArea(job).isPresent(), "the staged blocks stay for a re-run");
    }

    @Test
    void anAtomicJobHoldsItsTempAreaUntilItIsCommittedAndDeleted() throws IOException {
        LoadPlan plan = twoPartitions("job-held");
        String job = "job-held";
        Duration expire = Duration.ofHours(1);
        List<String> refusedAt = new ArrayList<>();
        // at the job scope's commit and at the area's deletion, a run of the job from another home tries to adopt the area
        Runnable anotherRun = () -> {
            try {
                client.tempAreas().openTempArea(job, expire, new TempAreaRun("another-home", Duration.ofSeconds(30)));
            }
            catch (TempAreaInUseException e) {
                return;
            }
            throw new AssertionError("another run adopted the area while the job still used it");
        };
        TempAreas watched = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                anotherRun.run();
                refusedAt.add("commit");
                return delegate.commitScope(jobId, blocks, run);
            }

            @Override
            public int abortTempArea(String jobId, TempAreaRun run) {
                anotherRun.run();
                refusedAt.add("delete");
                return delegate.abortTempArea(jobId, run);
            }
        };
        DistributedLoad load = loadWithDriverAreas(watched, new AtomicOptions(job, AtomicOptions.Scope.JOB, expire));

        LoadReport report;
        try (JobJournal journal = JobJournal.open(directory.resolve("jobs"), plan.request(), false, client.clusterInfo().clusterId(), false)) {
            report = load.execute(plan, Optional.of(journal));
        }

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(List.of("commit", "delete"), refusedAt, "refused at the commit and at the deletion");
    }

    @Test
    void anAtomicJobWhoseAreaAnotherRunAdoptedBeforeItsCommitCommitsNothingIntoIt() throws IOException {
        LoadPlan plan = twoPartitions("job-taken-at-commit");
        String job = "job-taken-at-commit";
        Duration expire = Duration.ofHours(1);
        TempAreaRun anotherHome = new TempAreaRun("another-home", Duration.ofSeconds(30));
        // as the driver commits the job's scope, its hold has lapsed and a run of the job from another home adopted the area: the
        // driver's next renewal is half a minute away
        TempAreas adopted = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                assertTrue(delegate.releaseTempArea(jobId, run));
                assertTrue(delegate.openTempArea(jobId, expire, anotherHome).adopted());
                return delegate.commitScope(jobId, blocks, run);
            }
        };
        DistributedLoad load = loadWithDriverAreas(adopted, new AtomicOptions(job, AtomicOptions.Scope.JOB, expire));

        LoadReport report;
        try (JobJournal journal = JobJournal.open(directory.resolve("jobs"), plan.request(), false, client.clusterInfo().clusterId(), false)) {
            report = load.execute(plan, Optional.of(journal));
        }

        assertEquals(LoadState.FAILED, report.state(), report.failedFiles().toString());
        // the master's clock is the system's: the other run renewed the area a few milliseconds before
        String reason = report.stopReason();
        assertTrue(reason != null && reason.matches("the temp area of atomic job job-taken-at-commit was adopted by another run of it \\(from another "
                + "gfsload home or host\\), which renewed it \\d+ (ms|s) ago: this run stopped, and left what it staged to that run, neither committing "
                + "nor deleting it"), reason);
        assertEquals(plan.stats().files(), report.totals().filesFailed());
        assertTrue(report.failedFiles().stream().allMatch(file -> file.error().equals("not committed: " + reason)), report.failedFiles().toString());
        assertLeftToTheOtherRun(plan, job);
    }

    @Test
    void aJobCommitWhoseAnswerWasLostIsTriedAgainAndTheJobSucceeds() throws IOException {
        LoadPlan plan = twoPartitions("job-answer-lost");
        String job = "job-answer-lost";
        CommitAnswerLostOnce answerLost = new CommitAnswerLostOnce(client.tempAreas());
        DistributedLoad load = loadWithDriverAreas(answerLost, new AtomicOptions(job, AtomicOptions.Scope.JOB, Duration.ofHours(1)));

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(2, answerLost.commits(), "the commit was tried again");
        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), "committed: " + file.file().path());
            }
        }
        assertTrue(client.tempAreas().findTempArea(job).isEmpty(), "the load deletes its committed area");
    }

    @Test
    void aJobCommitTheMasterNeverAnswersIsTriedAsALoadsOwnCallsAreAndCommitsNothing() throws IOException {
        LoadPlan plan = twoPartitions("job-commit-unanswered");
        String job = "job-commit-unanswered";
        AtomicInteger commits = new AtomicInteger();
        TempAreas unanswered = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
                commits.incrementAndGet();
                throw new MasterUnavailableException("127.0.0.1:1", "Committing " + blocks.size() + " blocks of job " + jobId
                        + " at master 127.0.0.1:1 failed: no answer within 30 s", null);
            }

            @Override
            public ScopeCommit commitScope(String jobId, List<BlockKey> blocks) {
                return commitScope(jobId, blocks, null);
            }
        };
        // a driver whose client tracks no silence of the master: the commit is tried as often as the load tries a file
        CacheClient driver = new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return unanswered;
            }

            @Override
            public Optional<MasterSilence> masterSilence() {
                return Optional.empty();
            }
        };
        AtomicOptions atomic = new AtomicOptions(job, AtomicOptions.Scope.JOB, Duration.ofHours(1));
        DistributedLoad load = new DistributedLoad(new SerializedSlices(2), driver, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN),
                Map.of()), share -> settings(), ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(2)).withAtomic(atomic),
                ProgressListener.NONE, Clock.systemUTC());

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(3, commits.get(), "tries of the commit");
        assertEquals(LoadState.FAILED, report.state());
        assertEquals(plan.stats().files(), report.totals().filesFailed());
        assertTrue(report.failedFiles().stream().allMatch(file -> file.error().startsWith("not committed: ") && file.error().contains("127.0.0.1:1")),
                report.failedFiles().toString());
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(List.of(), client.cachedBlocks(file.file()), file.file().path() + " was committed");
            }
        }
        assertFalse(client.tempAreas().findTempArea(job).orElseThrow(() -> new AssertionError("the load deleted its uncommitted area")).blocks().isEmpty(),
                "what the slices staged stays for a re-run");
    }

    /** That nothing of {@code plan} was committed, and what the load staged stays in the temp area of {@code job}, which another run holds. */
    private void assertLeftToTheOtherRun(LoadPlan plan, String job) {
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(List.of(), client.cachedBlocks(file.file()), file.file().path() + " was committed into the other run's area");
            }
        }
        assertFalse(client.tempAreas().findTempArea(job).orElseThrow(() -> new AssertionError("the load deleted the other run's area")).blocks().isEmpty(),
                "what the load staged stays in the other run's area");
    }

    /** An atomic load in two slices whose driver reaches the cluster's temp areas through {@code areas}. */
    private DistributedLoad loadWithDriverAreas(TempAreas areas, AtomicOptions atomic) {
        CacheClient driver = new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return areas;
            }
        };
        return new DistributedLoad(new SerializedSlices(2), driver, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of()),
                share -> settings(), ExecutorOptions.defaults().withAtomic(atomic), ProgressListener.NONE, Clock.systemUTC());
    }

    /**
     * The slices of an atomic load commit as the load's run: once another run of the job adopted
     * the area (the load's renewals did not reach the master for two periods), the master refuses
     * a slice's commit at once, not only the load's next renewal, half a minute later, and nothing
     * of the slices' files becomes visible in the other run's area.
     */
    @Test
    void aSliceWhoseLoadLostItsTempAreaToAnotherRunCommitsNothingIntoIt() throws IOException {
        LoadPlan plan = twoPartitions("job-slice-taken");
        String job = "job-slice-taken";
        Duration expire = Duration.ofHours(1);
        TempAreaRun anotherHome = new TempAreaRun("another-home", Duration.ofSeconds(30));
        LoadReport report;
        try (JobJournal journal = JobJournal.open(directory.resolve("jobs"), plan.request(), false, client.clusterInfo().clusterId(), false)) {
            SerializedSlices slices = new SerializedSlices(1) {
                @Override
                public void run(List<SliceLoad> cut, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                    // as the slices start, the load's hold has lapsed and a run of the job from another home adopted the area
                    assertTrue(client.tempAreas().releaseTempArea(job, new TempAreaRun(journal.tempAreaRunId(), Duration.ofSeconds(30))));
                    assertTrue(client.tempAreas().openTempArea(job, expire, anotherHome).adopted());
                    super.run(cut, progress, finished);
                }
            };
            DistributedLoad load = load(slices, ExecutorOptions.defaults().withAtomic(new AtomicOptions(job, AtomicOptions.Scope.FILE, expire)),
                    ProgressListener.NONE);
            report = load.execute(plan, Optional.of(journal));
            assertEquals(List.of(journal.tempAreaRunId()), slices.atomic.stream().map(atomic -> atomic.loadRun().runId()).toList(),
                    "the slice carries the load's run");
        }

        assertEquals(LoadState.FAILED, report.state(), report.failedFiles().toString());
        String taken = "the temp area of atomic job job-slice-taken was adopted by another run of it (from another gfsload home or host)";
        assertTrue(report.stopReason().startsWith(taken), report.stopReason());
        assertTrue(report.stopReason().endsWith("this run stopped, and left what it staged to that run, neither committing nor deleting it"),
                report.stopReason());
        assertTrue(report.failedFiles().stream().anyMatch(file -> file.error().startsWith("not committed: " + taken)), report.failedFiles().toString());
        assertLeftToTheOtherRun(plan, job);
        assertThrows(TempAreaInUseException.class, () -> client.tempAreas().openTempArea(job, expire, new TempAreaRun("third-home", Duration.ofSeconds(30))),
                "the other run's hold stands");
    }

    /**
     * A load whose slices committed every file, each scope as it finished, and whose own renewal
     * then finds that another run of the job adopted the area (its renewals had not reached the
     * master for two periods) succeeds: nothing of it was lost, and the area is the other run's,
     * which the load leaves as it is.
     */
    @Test
    void aLoadWhoseSlicesCommittedEveryFileSucceedsThoughItsRenewalThenFindsTheAreaAnotherRuns() throws Exception {
        LoadPlan plan = twoPartitions("job-taken-after-slices");
        String job = "job-taken-after-slices";
        // renewed every second
        Duration expire = Duration.ofSeconds(3);
        java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
        TempAreas renewalsSeen = new ForwardingTempAreas(client.tempAreas()) {
            @Override
            public io.gfsload.cache.api.TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
                try {
                    return delegate.renewTempArea(jobId, expireTime, run);
                }
                catch (TempAreaInUseException e) {
                    refused.countDown();
                    throw e;
                }
            }
        };
        CacheClient driver = new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return renewalsSeen;
            }
        };
        LoadReport report;
        try (JobJournal journal = JobJournal.open(directory.resolve("jobs"), plan.request(), false, client.clusterInfo().clusterId(), false)) {
            SerializedSlices slices = new SerializedSlices(1) {
                @Override
                public void run(List<SliceLoad> cut, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
                    super.run(cut, progress, finished);
                    // every file committed: the load's hold lapses, and a run of the job from another home adopts the area
                    assertTrue(client.tempAreas().releaseTempArea(job, new TempAreaRun(journal.tempAreaRunId(), Duration.ofSeconds(30))));
                    assertTrue(client.tempAreas().openTempArea(job, Duration.ofHours(1), new TempAreaRun("another-home", Duration.ofSeconds(30))).adopted());
                    try {
                        assertTrue(refused.await(30, java.util.concurrent.TimeUnit.SECONDS), "the load's renewal finds the area another run's");
                    }
                    catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new AssertionError(e);
                    }
                }
            };
            DistributedLoad load = new DistributedLoad(slices, driver, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of()),
                    share -> settings(), ExecutorOptions.defaults().withAtomic(new AtomicOptions(job, AtomicOptions.Scope.FILE, expire)),
                    ProgressListener.NONE, Clock.systemUTC());
            report = load.execute(plan, Optional.of(journal));
        }

        assertEquals(LoadState.SUCCEEDED, report.state(), report.stopReason() + " " + report.failedFiles());
        assertNull(report.stopReason());
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), file.file().path() + " is committed");
            }
        }
        assertTrue(client.tempAreas().findTempArea(job).isPresent(), "the other run's area stays");
    }

    /**
     * A slice of an atomic load whose file is deleted while it reads it removes what it staged of
     * the file from the load's temp area: the workers delete those blocks long before the area
     * expires, and a re-run has none of them to adopt.
     */
    @Test
    void aSliceRemovesWhatItStagedOfAFileDeletedWhileItReadItFromTheLoadsTempArea() throws IOException {
        Path file = directory.resolve("deleted-in-slice/p0/big");
        Files.createDirectories(file.getParent());
        byte[] bytes = new byte[(int) (BLOCK * 3 + 1000)];
        new Random(5).nextBytes(bytes);
        Files.write(file, bytes);
        LoadPlan plan = new io.gfsload.planner.LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks,
                new io.gfsload.planner.PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                .plan(new io.gfsload.planner.LoadRequest(new io.gfsload.planner.LoadTarget.Paths(List.of(file.getParent().toString())), 1));
        FileLoad deleted = plan.partitions().get(0).files().get(0);
        String job = "deleted-in-slice";
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        ProgressListener deletesAsItIsRead = new ProgressListener() {
            @Override
            public void sliceProgress(int slice, SliceProgress progress) {
                // the slice's thread says its first bytes written: the file is open and being read
                if (progress.bytesLoaded() > 0 && gone.compareAndSet(false, true)) {
                    try {
                        Files.delete(file);
                    }
                    catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        };
        DistributedLoad load = load(new SerializedSlices(1),
                ExecutorOptions.defaults().withAtomic(new AtomicOptions(job, AtomicOptions.Scope.FILE, java.time.Duration.ofHours(1))), deletesAsItIsRead);

        LoadReport report = load.execute(plan, Optional.empty());

        assertTrue(gone.get(), "the file was deleted while the slice read it");
        assertEquals(LoadState.FAILED, report.state());
        assertEquals("File file:%s does not exist (deleted since it was planned?)".formatted(file), report.failedFiles().get(0).error());
        assertEquals(List.of(), client.tempAreas().findTempArea(job).orElseThrow().blocks(), "the staged blocks of the file left the area");
        assertNull(report.staged(), "nothing is left staged");
        for (Path worker : cluster.workerBlockDirectories()) {
            io.gfsload.cache.testing.TestData.await(() -> io.gfsload.cache.testing.TestData.files(worker).stream()
                    .noneMatch(block -> block.getFileName().toString().startsWith(deleted.file().fileKey())), Duration.ofSeconds(30),
                    "the worker deletes the staged blocks of the deleted file: " + worker);
        }
    }

    /**
     * A file a slice uncaches as changed (its blocks of the planned version, those an earlier run
     * committed included) is forgotten by the load's journal, as a local load's journal forgets
     * it: no later run counts its blocks among those the earlier runs committed.
     */
    @Test
    void theJournalForgetsTheBlocksOfAFileASliceUncachedAsChanged() throws IOException {
        Path data = freshFiles("changed-in-slice");
        Path jobs = directory.resolve("jobs");
        LoadPlan first = LocalPlans.plan(client, data, BLOCK, 1);
        LoadReport loaded = executeJournaled(jobs, first, InProcessSlices.oneAfterAnother(2));
        assertEquals(LoadState.SUCCEEDED, loaded.state(), loaded.failedFiles().toString());
        // the journal has every block of the three-block file; the cache now only its first
        FileLoad changing = first.partitions().get(0).files().stream().filter(file -> file.blocks().size() == 3).findFirst().orElseThrow();
        client.free(changing.file());
        cacheWithAnotherClient(changing, changing.blocks().subList(0, 1), 1);
        LoadPlan second = LocalPlans.plan(client, data, BLOCK, 1);
        Path local = Path.of(java.net.URI.create(changing.file().path()));
        // rewritten as its slice starts: the slice fails it as changed and uncaches its first block
        DistributedLoad.Slices changesFirst = InProcessSlices.of(1, (slices, progress, finished) -> {
            touch(local, changing);
            slices.forEach(slice -> finished.accept(slice, slice.load()));
        });

        LoadReport report = executeJournaled(jobs, second, changesFirst);

        assertEquals(1, report.failedFiles().size(), report.failedFiles().toString());
        assertTrue(report.failedFiles().get(0).error().startsWith("File changed since it was planned: "), report.failedFiles().toString());
        assertEquals(List.of(), client.cachedBlocks(changing.file()), "the slice uncached the file's planned version");
        try (JobJournal journal = JobJournal.open(jobs, second.request(), false, client.clusterInfo().clusterId(), false)) {
            assertEquals(first.stats().blocks() - changing.blocks().size(), journal.previousBlocks(),
                    "the journal forgot the blocks committed of the changed file, and only those");
        }
    }

    @Test
    void theJournalForgetsTheBlocksOfAFileChangedBeforeItsMissingBlocksWereWrittenAgain() throws IOException {
        Path data = freshFiles("changed-before-restore");
        Path jobs = directory.resolve("jobs");
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 1);
        FileLoad changing = plan.partitions().get(0).files().stream().filter(file -> file.blocks().size() == 3).findFirst().orElseThrow();
        Path local = Path.of(java.net.URI.create(changing.file().path()));
        AtomicInteger rounds = new AtomicInteger();
        DistributedLoad.Slices slices = InProcessSlices.of(1, (sent, progress, finished) -> {
            if (rounds.getAndIncrement() == 0) {
                sent.forEach(slice -> finished.accept(slice, slice.load()));
                // another client frees the file and caches its first block again: the load writes the other two again
                client.free(changing.file());
                cacheWithAnotherClient(changing, changing.blocks().subList(0, 1), 1);
                return;
            }
            // rewritten before that round reads it: its slice fails it as changed and uncaches it
            touch(local, changing);
            sent.forEach(slice -> finished.accept(slice, slice.load()));
        });

        LoadReport report = executeJournaled(jobs, plan, slices);

        assertEquals(2, rounds.get(), "the load and the round that writes the missing blocks again");
        assertEquals(List.of(changing.file().path()), report.failedFiles().stream().map(FileReport::path).toList(), report.failedFiles().toString());
        assertEquals(List.of(), client.cachedBlocks(changing.file()), "the round's slice uncached the file's planned version");
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            assertEquals(plan.stats().blocks() - changing.blocks().size(), journal.previousBlocks(),
                    "the journal forgot the blocks committed of the changed file, and only those");
        }
    }

    /** Moves the modification time of {@code file}, at {@code local}, ahead: the file changed since it was planned. */
    private static void touch(Path local, FileLoad file) {
        try {
            Files.setLastModifiedTime(local, java.nio.file.attribute.FileTime.fromMillis(file.file().modificationTime() + 10_000));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theBytesSlicesSaidTheyWroteBeforeTheLoadStoppedWithoutTheirReportsCountAsReadInTheJournal() {
        Path jobs = directory.resolve("jobs");
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        DistributedLoad.Slices stopped = InProcessSlices.of(2, (slices, progress, finished) -> {
            // the first slice finishes; the second says what it wrote, and the job stops (SIGTERM, a failed stage)
            finished.accept(slices.get(0), slices.get(0).load());
            progress.accept(slices.get(1), new SliceProgress(300_000, 1, 0, 0));
            throw new IllegalStateException("Job 0 cancelled because SparkContext was shut down");
        });

        LoadReport report = executeJournaled(jobs, plan, stopped);

        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            assertEquals(report.ufsBytesRead() + 300_000, journal.previousUfsBytesRead(),
                    "what the finished slice read, and at least what the stopped one wrote");
        }
    }

    /**
     * A first run of a job whose three-block file fails after its first block committed (the
     * store refuses its reads from then on), then the same command again: the second run says the
     * first committed that block, whether the runs loaded in slices or in one process, as the
     * journal of each records what its run committed, of a file that then failed too.
     */
    @Test
    void theBlocksCommittedOfAFileThatThenFailedCountAsTheEarlierRunsInSlicesAsInOneProcess() throws IOException {
        LoadReport.JobSummary inOneProcess = resumedAfterAFileFailedAfterItsFirstBlock(freshFiles("in-one-process"), (hadoop, plan, journal) -> {
            Configuration conf = new Configuration();
            hadoop.forEach(conf::set);
            return new LoadExecutor(client, conf, settings(), ProgressListener.NONE, Clock.systemUTC()).execute(plan, journal);
        });
        LoadReport.JobSummary inSlices = resumedAfterAFileFailedAfterItsFirstBlock(freshFiles("in-slices"), (hadoop, plan, journal) ->
                new DistributedLoad(new SerializedSlices(2), client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), hadoop),
                        share -> settings(), ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan, journal));

        // the one-block file, the two-block file, and the first block of the one that failed
        assertEquals(List.of(4L, 4L), List.of(inOneProcess.previousBlocks(), inOneProcess.previousBlocksCached()));
        assertEquals(List.of(inOneProcess.previousBlocks(), inOneProcess.previousBlocksCached()),
                List.of(inSlices.previousBlocks(), inSlices.previousBlocksCached()), "what the earlier run committed, and the cache still holds");
    }

    @Test
    void theBlocksASliceWithoutAReportCommittedOfAFileItDidNotLoadWholeAreInTheJournal() throws IOException {
        Path data = freshFiles("slice-without-report");
        Path jobs = directory.resolve("jobs");
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        // the slice's task loads two files and the first block of the third, whose reads the store then refuses; its job then
        // fails without a report
        DistributedLoad.Slices stopped = InProcessSlices.of(1, (slices, progress, finished) -> {
            slices.get(0).load();
            throw new IllegalStateException("Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times");
        });
        DistributedLoad load = new DistributedLoad(stopped, client,
                new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), ReadDeniedPast.settings("f2", BLOCK)), share -> settings(),
                ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC());

        LoadReport report;
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            report = load.execute(plan, Optional.of(journal));
        }

        assertEquals(1, report.failedFiles().size(), report.failedFiles().toString());
        assertTrue(report.failedFiles().get(0).path().endsWith("/f2"), report.failedFiles().toString());
        assertEquals("not loaded: its slice of the load did not finish", report.failedFiles().get(0).error());
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            assertEquals(plan.stats().blocks() - 2, journal.previousBlocks(), "the two files, and the first block of the third");
        }
    }

    /** A load of a plan with the Hadoop settings it reads the UFS with, recording in a journal. */
    @FunctionalInterface
    private interface JournaledLoad {
        LoadReport execute(Map<String, String> hadoop, LoadPlan plan, Optional<JobJournal> journal);
    }

    /**
     * Loads {@code data}, its file {@code f2} of three blocks refused from its second block on,
     * and then again without the refusal, both runs with {@code load} and the same journal;
     * returns the job as the second run reports it.
     */
    private LoadReport.JobSummary resumedAfterAFileFailedAfterItsFirstBlock(Path data, JournaledLoad load) {
        Path jobs = directory.resolve("jobs-" + data.getFileName());
        LoadPlan first = LocalPlans.plan(client, data, BLOCK, 2);
        try (JobJournal journal = JobJournal.open(jobs, first.request(), false, client.clusterInfo().clusterId(), false)) {
            LoadReport report = load.execute(ReadDeniedPast.settings("f2", BLOCK), first, Optional.of(journal));
            assertEquals(1, report.failedFiles().size(), report.failedFiles().toString());
            FileReport failed = report.failedFiles().get(0);
            assertTrue(failed.error().contains("Permission denied (injected)"), failed.error());
            assertEquals(List.of(3, 1, 2), List.of(failed.blocks(), failed.blocksLoaded(), failed.blocksFailed()), "its first block committed");
        }
        LoadPlan second = LocalPlans.plan(client, data, BLOCK, 2);
        try (JobJournal journal = JobJournal.open(jobs, second.request(), false, client.clusterInfo().clusterId(), false)) {
            LoadReport report = load.execute(Map.of(), second, Optional.of(journal));
            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertEquals(2, report.totals().blocksLoaded(), "the blocks of the failed file the first run did not commit");
            return report.job();
        }
    }

    /** Runs a load of {@code plan} in {@code slices} with the journal of its job under {@code jobs}. */
    private LoadReport executeJournaled(Path jobs, LoadPlan plan, DistributedLoad.Slices slices) {
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, client.clusterInfo().clusterId(), false)) {
            return load(slices, ProgressListener.NONE).execute(plan, Optional.of(journal));
        }
    }

    @Test
    void partitionScopeKeepsEachPartitionInOneSlice() throws IOException {
        LoadPlan plan = twoPartitions("whole");
        List<List<List<FileLoad>>> slices = DistributedLoad.split(plan, 3, true);
        assertEquals(2, slices.size(), "a slice per partition at most");
        for (int p = 0; p < plan.partitions().size(); p++) {
            int withFiles = 0;
            for (List<List<FileLoad>> slice : slices) {
                if (!slice.get(p).isEmpty()) {
                    withFiles++;
                    assertEquals(plan.partitions().get(p).files(), slice.get(p), "the partition whole");
                }
            }
            assertEquals(1, withFiles);
        }
    }

    @Test
    void theSplitBalancesBytesToLoadAndKeepsPlanOrderInEachSlice() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        List<List<List<FileLoad>>> slices = DistributedLoad.split(plan, 3, false);
        assertEquals(3, slices.size());
        List<String> dealt = new ArrayList<>();
        long heaviest = 0;
        long lightest = Long.MAX_VALUE;
        for (List<List<FileLoad>> slice : slices) {
            long bytes = 0;
            for (int p = 0; p < plan.partitions().size(); p++) {
                List<String> paths = slice.get(p).stream().map(f -> f.file().path()).toList();
                List<String> inPlan = plan.partitions().get(p).files().stream().map(f -> f.file().path()).filter(paths::contains).toList();
                assertEquals(inPlan, paths, "plan order within the slice");
                dealt.addAll(paths);
                bytes += slice.get(p).stream().mapToLong(f -> f.file().length()).sum();
            }
            heaviest = Math.max(heaviest, bytes);
            lightest = Math.min(lightest, bytes);
        }
        assertEquals(plan.stats().files(), dealt.size());
        assertEquals(plan.stats().files(), dealt.stream().distinct().count(), "each file in one slice");
        assertTrue(heaviest - lightest <= 3 * BLOCK, "balanced by bytes: %d against %d".formatted(heaviest, lightest));
        assertEquals(plan.stats().files(), DistributedLoad.split(plan, 100, false).size(), "no more slices than files");
    }

    /** A plan of a file larger than the others together, 32 blocks, and four of half a block, in {@code name}. */
    private LoadPlan unevenPlan(String name) throws IOException {
        Path data = Files.createDirectories(directory.resolve(name));
        Files.write(data.resolve("large"), new byte[(int) (32 * BLOCK)]);
        for (int i = 0; i < 4; i++) {
            Files.write(data.resolve("small-" + i), new byte[(int) (BLOCK / 2)]);
        }
        return LocalPlans.plan(client, data, BLOCK, 1);
    }

    /** The slice of {@code slices} with one file. */
    private static SliceLoad withOneFile(List<SliceLoad> slices) {
        return slices.stream().filter(slice -> slice.plan().stats().files() == 1).findFirst().orElseThrow();
    }

    @Test
    void eachSliceLimitsItsReadsToAShareOfTheCapInProportionToWhatItReads() throws IOException {
        // a file larger than the others together: alone in its slice, which reads most of the load
        LoadPlan plan = unevenPlan("uneven");
        long cap = 10L << 20;

        List<SliceLoad> slices = load(new SerializedSlices(2), ExecutorOptions.defaults().withBandwidth(cap), ProgressListener.NONE).slices(plan);

        assertEquals(2, slices.size());
        SliceLoad large = withOneFile(slices);
        SliceLoad small = slices.stream().filter(slice -> slice != large).findFirst().orElseThrow();
        long largeShare = large.options().bandwidthBytesPerSecond();
        long smallShare = small.options().bandwidthBytesPerSecond();
        assertTrue(largeShare + smallShare <= cap && largeShare + smallShare > cap - 2, "the shares add up to the cap: " + (largeShare + smallShare));
        // by the bytes each reads (8 MiB against 512 KiB), the smaller held at a quarter of an even share before the two are
        // scaled to the cap: at its share, the larger reads its bytes in about the time the whole load takes at the cap
        assertEquals(cap / 2 / 4, smallShare, cap / 2 / 4 / 5, "a quarter of an even share, scaled");
        double wholeLoad = (double) plan.stats().bytes() / cap;
        assertEquals(wholeLoad, (double) large.plan().stats().bytes() / largeShare, wholeLoad / 10);

        // no cap: no share
        assertEquals(0, load(new SerializedSlices(2), ProgressListener.NONE).slices(plan).get(0).options().bandwidthBytesPerSecond());
        // a slice that reads little (or nothing, its files cached) still gets a quarter of an even share, for what it writes again
        long[] shares = DistributedLoad.bandwidthShares(OptionalLong.of(1000), new long[] {1L << 40, 64L << 20, 0, 0});
        assertEquals(1000, Arrays.stream(shares).sum(), 2, Arrays.toString(shares));
        assertTrue(shares[1] >= 1000 / 4 / 4 * 0.8 && shares[2] == shares[3] && shares[2] == shares[1], Arrays.toString(shares));
        assertTrue(shares[0] > 700, Arrays.toString(shares));
    }

    @Test
    void eachSliceIsTunedForTheShareOfTheCapItsLimiterHolds() throws IOException {
        // a file larger than the others together: alone in its slice, which reads most of the load
        LoadPlan plan = unevenPlan("uneven-tuned");
        long cap = 10L << 20;
        // a store of 20 ms a request and 1 MiB/s a stream: the streams a rate needs grow with it
        WorkloadProfile profile = WorkloadProfile.builder().cores(1).maxHeapBytes(1L << 30)
                .files(plan.workload().files(), plan.workload().bytes(), plan.workload().medianFileBytes(), plan.workload().meanFileBytes())
                .backend(new BackendProfile(Duration.ofMillis(20), 1L << 20, 0)).bandwidthCap(cap).build();

        List<SliceLoad> slices = new DistributedLoad(new SerializedSlices(2), client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN),
                Map.of()), share -> TuningAdvisor.recommend(profile.withSlice(share)), ExecutorOptions.defaults().withBandwidth(cap), ProgressListener.NONE,
                Clock.systemUTC()).slices(plan);

        assertEquals(2, slices.size());
        SliceLoad large = withOneFile(slices);
        SliceLoad small = slices.stream().filter(slice -> slice != large).findFirst().orElseThrow();
        for (SliceLoad slice : slices) {
            // sized as a load of its own at the share its limiter holds, and the reason says that share
            long share = slice.options().bandwidthBytesPerSecond();
            Setting threads = slice.settings().get(Settings.UFS_READ_THREADS);
            assertEquals(TuningAdvisor.recommend(WorkloadProfile.builder().cores(1).maxHeapBytes(1L << 30)
                    .files(profile.files(), profile.bytes(), profile.medianFileBytes(), profile.meanFileBytes())
                    .backend(profile.backend()).bandwidthCap(share).build()).value(Settings.UFS_READ_THREADS), threads.value(), threads.reason());
            assertTrue(threads.reason().contains("(slice %d of 2, by the bytes it reads) = %s/s".formatted(slice.index() + 1, Units.bytes(share))), threads.reason());
        }
        assertTrue(large.settings().value(Settings.UFS_READ_THREADS) > 2 * small.settings().value(Settings.UFS_READ_THREADS),
                "%s against %s".formatted(large.settings().get(Settings.UFS_READ_THREADS).reason(), small.settings().get(Settings.UFS_READ_THREADS).reason()));
    }

    @Test
    void aSliceThatDoesNotFinishFailsItsFilesAndSaysWhy() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        DistributedLoad.Slices oneFails = InProcessSlices.of(2, (slices, progress, finished) -> {
            finished.accept(slices.get(0), slices.get(0).load());
            // the second slice's task said how far it got before it failed for good
            progress.accept(slices.get(1), new SliceProgress(BLOCK, 1, 0, 2));
            throw new IllegalStateException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times\nat org.apache.spark...");
        });
        Map<Integer, SliceProgress> said = new java.util.concurrent.ConcurrentHashMap<>();

        LoadReport report = load(oneFails, new ProgressListener() {
            @Override
            public void sliceProgress(int slice, SliceProgress progress) {
                said.put(slice, progress);
            }
        }).execute(plan, Optional.empty());

        assertEquals(SliceProgress.NONE, said.get(1), "what the unfinished slice said no longer counts");

        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals("the slices of the load did not all finish: Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times",
                report.stopReason());
        List<PartitionLoad> second = load(oneFails, ProgressListener.NONE).slices(plan).get(1).partitions();
        long secondFiles = second.stream().mapToLong(p -> p.files().size()).sum();
        assertEquals(secondFiles, report.totals().filesFailed());
        assertTrue(report.failedFiles().stream().allMatch(f -> f.error().equals("not loaded: its slice of the load did not finish")));
        assertFalse(report.failedFiles().isEmpty());
    }

    /**
     * What a slice says of the master's silence reaches the load's progress as a local load's own
     * waiting does: each second, the silence growing from what the slice said, with the limit at
     * which the slices stop (twice the deadline of a master call); nothing once the slice finished.
     */
    @Test
    void aSliceWaitingForTheMasterIsSaidInTheProgressEachSecond() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        DistributedLoad.Slices waiting = InProcessSlices.of(1, (slices, progress, finished) -> {
            // as the executor's heartbeat says it: the slice's master silent for 4 s
            progress.accept(slices.get(0), new SliceProgress(0, 0, 0, 1, 4_000));
            try {
                Thread.sleep(3_500);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            progress.accept(slices.get(0), new SliceProgress(0, 0, 0, 1, 0));
            finished.accept(slices.get(0), slices.get(0).load());
        });
        List<MasterSilence> heard = Collections.synchronizedList(new ArrayList<>());
        LoadReport report = new DistributedLoad(waiting, client,
                new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of(), Duration.ofSeconds(5)), share -> settings(),
                ExecutorOptions.defaults(), new ProgressListener() {
                    @Override
                    public void waitingForMaster(MasterSilence silence) {
                        heard.add(silence);
                    }
                }, Clock.systemUTC()).execute(plan, Optional.empty());

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertTrue(heard.size() >= 2, "a line each second while the slice waits: " + heard);
        for (MasterSilence silence : heard) {
            assertEquals(cluster.masterTarget(), silence.masterTarget());
            assertEquals(Duration.ofSeconds(10), silence.limit(), "the slices stop at twice the deadline of a master call");
            assertTrue(silence.silentFor().compareTo(Duration.ofSeconds(4)) >= 0, "at least what the slice said: " + silence);
        }
        assertTrue(heard.get(heard.size() - 1).silentFor().compareTo(heard.get(0).silentFor()) > 0, "the silence grows: " + heard);
    }

    @Test
    void theFilesOfASliceWhoseJobFailedAfterItLoadedThemAreReportedAlreadyCached() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        DistributedLoad.Slices loadedButLost = InProcessSlices.of(2, (slices, progress, finished) -> {
            finished.accept(slices.get(0), slices.get(0).load());
            // the second slice's task loaded its files, and then its result never reached the driver
            slices.get(1).load();
            throw new IllegalStateException("Job aborted due to stage failure: Total size of serialized results of 1 tasks is bigger than "
                    + "spark.driver.maxResultSize");
        });

        LoadReport report = load(loadedButLost, ProgressListener.NONE).execute(plan, Optional.empty());

        assertEquals(List.of(), report.failedFiles(), "the workers hold every file");
        // no report says who wrote the second slice's files: found cached, as a retried slice finds what is cached since the plan
        LoadPlan first = load(loadedButLost, ProgressListener.NONE).slices(plan).get(0).plan();
        assertEquals(first.stats().blocks(), report.totals().blocksLoaded());
        assertEquals(first.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(plan.stats().blocks() - first.stats().blocks(), report.totals().blocksAlreadyCached());
        assertEquals(plan.stats().bytes() - first.stats().bytes(), report.totals().bytesAlreadyCached());
        assertEquals(LoadState.PARTIAL, report.state(), "a slice's job failed: the report says why");
        assertTrue(report.stopReason().startsWith("the slices of the load did not all finish: Job aborted"), report.stopReason());
    }

    @Test
    void replicasLostWithAWorkerAfterTheirSliceFinishedAreWrittenAgain() throws Exception {
        try (LocalCluster three = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("three")).workers(3).workerCapacityBytes(64L << 20)
                .build()); CacheClient threeClient = three.newClient()) {
            LoadPlan plan = LocalPlans.plan(threeClient, directory.resolve("data"), BLOCK, 2);
            int[] rounds = {0};
            DistributedLoad.Slices loseAWorkerAfterTheFirstRound = InProcessSlices.of(2, (slices, progress, finished) -> {
                new SerializedSlices(2).run(slices, progress, finished);
                if (rounds[0]++ == 0) {
                    // every slice has finished: the worker's replicas go with it
                    three.stopWorker(1);
                    LiveWorkers.await(threeClient, 2);
                }
            });
            DistributedLoad load = new DistributedLoad(loseAWorkerAfterTheFirstRound, threeClient,
                    new DistributedLoad.Connection(three.masterTarget(), Optional.empty(), Map.of()), share -> settings(), ExecutorOptions.defaults(),
                    ProgressListener.NONE, Clock.systemUTC());

            LoadReport report = load.execute(plan, Optional.empty());

            assertEquals(2, rounds[0], "the load and the round that writes the lost replicas again");
            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertEquals(List.of("worker-1"), report.restore().lostWorkers());
            assertTrue(report.restore().blocks() > 0, report.restore().toString());
            assertTrue(report.ufsBytesRead() >= plan.stats().bytes() + report.restore().bytes(),
                "what the load read, and what the round that wrote replicas again read: " + report.ufsBytesRead() + ", " + report.restore());
            for (PartitionLoad partition : plan.partitions()) {
                for (FileLoad file : partition.files()) {
                    for (io.gfsload.cache.api.CachedBlock block : threeClient.cachedBlocks(file.file())) {
                        assertTrue(block.replicas() >= 2, "two live replicas again: " + block);
                    }
                }
            }
        }
    }

    @Test
    void theReplicasARoundWroteAgainBeforeItsJobFailedAreAskedOfTheWorkersNotFailed() throws Exception {
        try (LocalCluster three = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("three")).workers(3).workerCapacityBytes(64L << 20)
                .build()); CacheClient threeClient = three.newClient()) {
            LoadPlan plan = LocalPlans.plan(threeClient, directory.resolve("data"), BLOCK, 2);
            int[] rounds = {0};
            long[] heard = {0};
            DistributedLoad.Slices roundFailsAfterItWrote = InProcessSlices.of(2, (slices, progress, finished) -> {
                if (rounds[0]++ == 0) {
                    new SerializedSlices(2).run(slices, progress, finished);
                    // every slice has finished: the worker's replicas go with it
                    three.stopWorker(1);
                    LiveWorkers.await(threeClient, 2);
                    return;
                }
                // the round's tasks write every lost replica again and say what they wrote; then their job fails without a report
                for (SliceLoad slice : slices) {
                    Tally tally = new Tally(said -> progress.accept(slice, said));
                    slice.load(tally, 0);
                    heard[0] += tally.bytes;
                }
                throw new IllegalStateException("Job aborted due to stage failure: Total size of serialized results of 1 tasks is bigger than "
                        + "spark.driver.maxResultSize");
            });
            DistributedLoad load = new DistributedLoad(roundFailsAfterItWrote, threeClient,
                    new DistributedLoad.Connection(three.masterTarget(), Optional.empty(), Map.of()), share -> settings(), ExecutorOptions.defaults(),
                    ProgressListener.NONE, Clock.systemUTC());
            Path jobs = directory.resolve("jobs");

            LoadReport report;
            try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, threeClient.clusterInfo().clusterId(), false)) {
                report = load.execute(plan, Optional.of(journal));
            }

            assertEquals(2, rounds[0], "the load and the round that writes the lost replicas again");
            assertEquals(List.of(), report.failedFiles(), "the workers hold every file again");
            assertEquals(LoadState.SUCCEEDED, report.state());
            assertEquals(plan.stats().blocks(), report.totals().blocksLoaded());
            assertEquals(List.of("worker-1"), report.restore().lostWorkers());
            assertTrue(report.restore().blocks() > 0, report.restore().toString());
            assertTrue(heard[0] > 0, "the round wrote replicas again");
            try (JobJournal journal = JobJournal.open(jobs, plan.request(), false, threeClient.clusterInfo().clusterId(), false)) {
                assertEquals(plan.stats().blocks(), journal.previousBlocks(), "every block the load committed");
                assertTrue(journal.previousUfsBytesRead() >= report.ufsBytesRead() + heard[0],
                        "what the round's slices said they wrote, read at least: " + journal.previousUfsBytesRead());
            }
        }
    }

    @Test
    void aWorkerLostWhileReplicasAreWrittenAgainIsNamedAmongTheLostWorkers() throws Exception {
        try (LocalCluster three = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("three")).workers(3).workerCapacityBytes(64L << 20)
                .build()); CacheClient threeClient = three.newClient()) {
            LoadPlan plan = LocalPlans.plan(threeClient, directory.resolve("data"), BLOCK, 2);
            int[] rounds = {0};
            DistributedLoad.Slices loseAWorkerAfterEachRound = InProcessSlices.of(2, (slices, progress, finished) -> {
                new SerializedSlices(2).run(slices, progress, finished);
                // after the load, and after the round that writes the first lost worker's replicas again
                int worker = ++rounds[0];
                three.stopWorker(worker);
                LiveWorkers.await(threeClient, 3 - worker);
            });
            DistributedLoad load = new DistributedLoad(loseAWorkerAfterEachRound, threeClient,
                    new DistributedLoad.Connection(three.masterTarget(), Optional.empty(), Map.of()), share -> settings(), ExecutorOptions.defaults(),
                    ProgressListener.NONE, Clock.systemUTC());

            LoadReport report = load.execute(plan, Optional.empty());

            assertEquals(2, rounds[0], "the load and the round that writes the lost replicas again");
            assertEquals(List.of("worker-1", "worker-2"), report.restore().lostWorkers());
            assertFalse(report.failedFiles().isEmpty(), "one live worker cannot hold two replicas");
        }
    }

    @Test
    void aFreedFileNotWrittenAgainForWorkersLostDuringTheRoundSaysItsReplicasWentMissingNotLostWithAWorker() throws Exception {
        try (LocalCluster three = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("three")).workers(3).workerCapacityBytes(64L << 20)
                .build()); CacheClient threeClient = three.newClient()) {
            LoadPlan plan = LocalPlans.plan(threeClient, directory.resolve("data"), BLOCK, 2);
            FileLoad freed = plan.partitions().get(0).files().get(0);
            int[] rounds = {0};
            DistributedLoad.Slices freeThenLoseWorkers = InProcessSlices.of(2, (slices, progress, finished) -> {
                if (rounds[0]++ == 1) {
                    // the round that writes the freed file again: two of the three workers go first
                    three.stopWorker(1);
                    three.stopWorker(2);
                    LiveWorkers.await(threeClient, 1);
                }
                new SerializedSlices(2).run(slices, progress, finished);
                if (rounds[0] == 1) {
                    // another client frees a file the load has cached
                    threeClient.free(freed.file());
                }
            });
            DistributedLoad load = new DistributedLoad(freeThenLoseWorkers, threeClient,
                    new DistributedLoad.Connection(three.masterTarget(), Optional.empty(), Map.of()), share -> settings(), ExecutorOptions.defaults(),
                    ProgressListener.NONE, Clock.systemUTC());

            LoadReport report = load.execute(plan, Optional.empty());

            assertEquals(2, rounds[0], "the load and the round that writes the freed file again");
            assertEquals(List.of("worker-1", "worker-2"), report.restore().lostWorkers());
            FileReport file = report.failedFiles().stream().filter(failed -> failed.path().equals(freed.file().path())).findFirst().orElseThrow();
            assertTrue(file.error().startsWith("replicas missing after the load not written again: "), file.error());
        }
    }

    @Test
    void theFailedFilesThresholdCountsTheWholeLoad() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        // more than one failed file fails the load; each slice fails one, which alone would not
        ExecutorOptions threshold = ExecutorOptions.defaults().withFailureThreshold(1, 0.0).withRetries(1, java.time.Duration.ZERO, java.time.Duration.ZERO);
        DistributedLoad load = load(new SerializedSlices(3), threshold, ProgressListener.NONE);
        List<SliceLoad> slices = load.slices(plan);
        for (SliceLoad slice : slices.subList(0, 2)) {
            Files.delete(Path.of(java.net.URI.create(slice.partitions().get(0).files().get(0).file().path())));
        }

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(2, report.totals().filesFailed(), report.failedFiles().toString());
        assertEquals(LoadState.FAILED, report.state(), "2 failed files pass the load's threshold of 1");
        assertEquals("2 of %d files failed, more than the threshold of 1 file and 0 %% of the files: the job stopped".formatted(plan.stats().files()),
                report.stopReason(), "the load's count, not a slice's");
    }

    @Test
    void aSliceStoppedByItsOwnFailedFilesIsNamedWhenTheLoadIsUnderTheThreshold() throws IOException {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        ExecutorOptions threshold = ExecutorOptions.defaults().withFailureThreshold(1, 0.5).withRetries(1, java.time.Duration.ZERO, java.time.Duration.ZERO);
        DistributedLoad load = load(new SerializedSlices(2), threshold, ProgressListener.NONE);
        List<FileLoad> first = load.slices(plan).get(0).partitions().stream().flatMap(p -> p.files().stream()).toList();
        assertTrue(first.size() >= 3 && first.size() <= 4, "a slice of 3 or 4 of the 7 files: " + first.size());
        // all but one of the first slice's files: more than half of its files, less than half of the load's
        for (FileLoad file : first.subList(1, first.size())) {
            Files.delete(Path.of(java.net.URI.create(file.file().path())));
        }

        LoadReport report = load.execute(plan, Optional.empty());

        assertEquals(LoadState.FAILED, report.state(), report.failedFiles().toString());
        assertTrue(report.stopReason().startsWith("slice 1 of the load stopped: ") && report.stopReason().contains(" files failed, more than the "
                + "threshold of 1 file and 50 % of the files"), report.stopReason());
    }

    @Test
    void aSlicesBuffersStayWithinItsShareOfTheProcesssHeap() {
        Settings driver = new Settings(List.of(new Setting(Settings.READ_BUFFER_BYTES, 8 << 20, "bytes", "advisor"),
                new Setting(Settings.MAX_UFS_READ_THREADS, 64, "threads", "advisor"), new Setting(Settings.UFS_READ_THREADS, 16, "threads", "advisor"),
                new Setting(Settings.IN_FLIGHT_BYTES, 512L << 20, "bytes", "advisor"), new Setting(Settings.STREAMS_PER_FILE, 4, "streams", "advisor")));

        Settings small = SliceLoad.withinHeap(driver, 64L << 20);

        assertEquals(8 << 20, small.value(Settings.READ_BUFFER_BYTES));
        assertEquals(8, small.value(Settings.MAX_UFS_READ_THREADS), "64 MiB of 8 MiB buffers");
        assertEquals(8, small.value(Settings.UFS_READ_THREADS));
        assertEquals(64L << 20, small.value(Settings.IN_FLIGHT_BYTES));
        assertEquals(4, small.value(Settings.STREAMS_PER_FILE));
        assertTrue(small.get(Settings.IN_FLIGHT_BYTES).reason().endsWith("within this process's share of heap / 4, 67108864 bytes"));
        assertEquals(driver, SliceLoad.withinHeap(driver, 8L << 30), "within a large share, as derived");
        assertEquals(1 << 20, SliceLoad.withinHeap(driver, 1 << 20).value(Settings.READ_BUFFER_BYTES));
        assertEquals(1, SliceLoad.withinHeap(driver, 1 << 20).value(Settings.MAX_UFS_READ_THREADS));
    }

    @Test
    void aSliceNamesNeitherTheTokenNorTheHadoopSettings() {
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 1);
        DistributedLoad load = new DistributedLoad(new SerializedSlices(2), client,
                new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of("fs.cosn.userinfo.secretKey", "SECRET-9876")),
                share -> settings(), ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC());
        for (SliceLoad slice : load.slices(plan)) {
            assertFalse(slice.toString().contains(TOKEN), slice.toString());
            assertFalse(slice.toString().contains("SECRET-9876"), slice.toString());
        }
    }

    /**
     * Loads the slices one after the other in this process, each after a round trip through Java
     * serialization, on a fake clock: {@code between} runs before each slice but the first.
     */
    private static final class SlicesOnAClock implements DistributedLoad.Slices {
        private final MutableClock clock;
        private final Sleeper sleeper;
        private final Runnable between;
        final List<SliceLoad> shipped = new ArrayList<>();
        final List<Instant> startedAt = new ArrayList<>();
        final List<Instant> finishedAt = new ArrayList<>();
        final List<LoadReport> reports = new ArrayList<>();

        SlicesOnAClock(MutableClock clock, Sleeper sleeper, Runnable between) {
            this.clock = clock;
            this.sleeper = sleeper;
            this.between = between;
        }

        @Override
        public int parallelism() {
            return 2;
        }

        @Override
        public synchronized void run(List<SliceLoad> slices, BiConsumer<SliceLoad, SliceProgress> progress, BiConsumer<SliceLoad, LoadReport> finished) {
            for (SliceLoad slice : slices) {
                if (!shipped.isEmpty()) {
                    between.run();
                }
                SliceLoad there = roundTrip(slice);
                shipped.add(there);
                startedAt.add(clock.instant());
                LoadReport report = roundTrip(there.load(SliceProgress.NoCounters.INSTANCE, 0, clock, sleeper));
                finishedAt.add(clock.instant());
                reports.add(report);
                finished.accept(slice, report);
            }
        }
    }

    /** The load window events a listener heard, and the plans it started with. */
    private static class WindowEvents implements ProgressListener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<WindowPause> pauses = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void started(LoadPlan plan) {
            events.add("started with " + plan.stats().files() + " files");
        }

        @Override
        public void windowClosed(WindowPause pause) {
            pauses.add(pause);
            events.add("closed");
        }

        @Override
        public void windowOpened(LoadWindow window, Duration closed) {
            events.add("opened after " + closed);
        }
    }

    /** The blocks of {@code plan} the cluster holds. */
    private long cachedBlocks(LoadPlan plan) {
        return plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .mapToLong(file -> client.cachedBlocks(file.file()).size()).sum();
    }

    private DistributedLoad windowed(DistributedLoad.Slices slices, ProgressListener listener, MutableClock clock) {
        return new DistributedLoad(slices, client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of()), share -> settings(),
                ExecutorOptions.defaults().withWindow(NIGHT), listener, clock, clock::sleep);
    }

    @Test
    void startedOutsideItsWindowTheLoadWaitsThenSendsSlicesOfAPlanMadeWhenItOpened() throws IOException {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"));
        WindowEvents events = new WindowEvents() {
            @Override
            public void windowClosed(WindowPause pause) {
                super.windowClosed(pause);
                try {
                    // added while the load waits
                    Files.write(directory.resolve("data/late"), new byte[(int) BLOCK + 99]);
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        SlicesOnAClock slices = new SlicesOnAClock(clock, clock::sleep, () -> {});
        LoadPlan before = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        List<LoadPlan> made = new ArrayList<>();

        LoadReport report = windowed(slices, events, clock).execute(before, Optional.empty(), () -> {
            made.add(LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2));
            return made.get(0);
        });

        assertEquals(1, made.size(), "planned again once, when the window opened");
        assertEquals(List.of(new WindowPause(NIGHT, Instant.parse("2026-11-20T22:48:00Z"), Instant.parse("2026-11-21T01:00:00Z"), true)), events.pauses);
        assertEquals(List.of("started with 7 files", "closed", "opened after PT2H12M", "started with 8 files"), events.events);
        assertEquals(2, slices.shipped.size());
        for (int i = 0; i < slices.shipped.size(); i++) {
            assertEquals(NIGHT, slices.shipped.get(i).options().window(), "each slice carries the window");
            assertTrue(NIGHT.isOpen(slices.startedAt.get(i)), "sent when the window had opened: " + slices.startedAt.get(i));
            assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 0, 0), slices.reports.get(i).window(), "loaded within it");
        }
        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(8, report.totals().files(), "late, added while the load waited, is loaded too");
        assertEquals(made.get(0).stats().blocks(), report.totals().blocksLoaded());
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", Duration.ofMinutes(132).toMillis(), 0, 0), report.window());
        assertTrue(report.durationMillis() >= Duration.ofMinutes(132).toMillis(), "the wait is part of the duration: " + report.durationMillis());
    }

    @Test
    void whenTheWindowClosesMidLoadTheSlicesPauseInTheirProcessesAndLoadWithinIt() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-21T05:00:00Z"));
        WindowEvents events = new WindowEvents();
        LoadPlan plan = LocalPlans.plan(client, directory.resolve("data"), BLOCK, 2);
        List<Long> cachedWhenWaiting = Collections.synchronizedList(new ArrayList<>());
        // what is cached when a slice's process first waits for the window
        Sleeper sleeper = duration -> {
            if (cachedWhenWaiting.isEmpty()) {
                cachedWhenWaiting.add(cachedBlocks(plan));
            }
            clock.sleep(duration);
        };
        // the window closes after the first slice
        SlicesOnAClock slices = new SlicesOnAClock(clock, sleeper, () -> clock.set(Instant.parse("2026-11-21T06:00:00Z")));

        LoadReport report = windowed(slices, events, clock).execute(plan, Optional.empty());

        assertEquals(2, slices.shipped.size());
        assertEquals(Instant.parse("2026-11-21T05:00:00Z"), slices.finishedAt.get(0), "the first slice loaded within the window");
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 0, 0), slices.reports.get(0).window());
        long firstSlicesBlocks = slices.shipped.get(0).partitions().stream().flatMap(partition -> partition.files().stream())
                .mapToLong(file -> file.blocks().size()).sum();
        assertEquals(List.of(firstSlicesBlocks), cachedWhenWaiting,
                "the second slice's process waited for the window, before it read any of its blocks");
        assertFalse(slices.finishedAt.get(1).isBefore(Instant.parse("2026-11-22T01:00:00Z")), "loaded when the window opened: " + slices.finishedAt.get(1));
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", Duration.ofHours(19).toMillis(), 0, 0), slices.reports.get(1).window(),
                "the slice's own report: it waited 19 h before its first read");
        assertEquals(List.of("started with 7 files"), events.events, "the pause was in the slice's process: this load heard none");
        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertEquals(plan.stats().blocks(), report.totals().blocksLoaded());
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 1, Duration.ofHours(19).toMillis()), report.window(),
                "the load paused once, for 19 h, in its second slice");
        assertTrue(report.durationMillis() >= Duration.ofHours(19).toMillis(), "the pause is part of the duration: " + report.durationMillis());
        assertTrue(report.bytesPerSecond() > report.totals().bytesLoaded() * 1000 / report.durationMillis(), "the throughput leaves the pause out");
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), "cached: " + file.file().path());
            }
        }
    }
}
