package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.api.RemovalMarks;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load larger than the cache's room evicts its own blocks: the report says so instead of SUCCEEDED. */
class TestEvictedDuringLoad {
    private static final long BLOCK = 128 << 10;

    @TempDir
    Path directory;

    @Test
    void aLoadThatEvictsItsOwnBlocksDoesNotSayTheyAreCached() throws IOException {
        evictingLoad(false);
    }

    @Test
    void aLoadInSlicesThatEvictsItsOwnBlocksDoesNotSayTheyAreCached() throws IOException {
        evictingLoad(true);
    }

    private void evictingLoad(boolean inSlices) throws IOException {
        Path data = files("data", 12);
        // one worker with room for a third of the load
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 800_000));
                CacheClient client = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);

            LoadReport report = inSlices
                    ? load(InProcessSlices.oneAfterAnother(2), cluster, client, plan)
                    : load(client, ProgressListener.NONE, plan);

            assertNotEquals(LoadState.SUCCEEDED, report.state(), "the cache cannot hold the load");
            Map<String, FileLoad> planned = plan.partitions().stream().flatMap(p -> p.files().stream())
                    .collect(Collectors.toMap(file -> file.file().path(), Function.identity()));
            List<FileReport> files = report.partitions().stream().flatMap(p -> p.files().stream()).toList();
            assertFalse(report.failedFiles().isEmpty());
            for (FileReport file : files) {
                FileLoad load = planned.get(file.path());
                boolean held = load.blocks().stream().allMatch(block -> BlockTask.cachedIn(client.confirmedBlocks(load.file()), block.index(), block.length(), 1));
                // what the workers hold: the master hears of an eviction at the worker's next heartbeat
                assertEquals(!file.failed(), held, "a file the report says cached is in the cache, and only such a file: " + file);
                if (file.failed()) {
                    // no other client, no worker lost: the load's own writes evicted it, and it needs three times the worker's room
                    assertTrue(file.error().matches("block \\d has 0 of 1 replicas in the cache after the load: " + Pattern.quote(
                            "evicted by the load's own later writes, as the cache has no room for all of the load with its replicas (2.3 MiB with 1 replica; "
                                    + "the live workers hold 781.3 KiB in all, other data included)")), file.error());
                }
            }
            assertEquals(report.totals().bytesLoaded(), files.stream().filter(file -> !file.failed()).mapToLong(FileReport::bytesLoaded).sum());
            assertBytesOfTheCachedFiles(report);

            // the re-run finds some of it cached, and evicts it again writing the rest: its files failed after it count none of those bytes
            LoadPlan again = plan(client, data, 1);
            assertTrue(again.stats().cachedBytes() > 0, "the first run left some of it cached");
            LoadReport rerun = inSlices
                    ? load(InProcessSlices.oneAfterAnother(2), cluster, client, again)
                    : load(client, ProgressListener.NONE, again);
            if (!inSlices) {
                // slices may, in their rounds of writing again, end with all of it
                assertNotEquals(LoadState.SUCCEEDED, rerun.state(), "the cache still cannot hold the load");
            }
            assertBytesOfTheCachedFiles(rerun);
        }
    }

    /** The bytes loaded and already cached are those of the files the report says cached, no more: a failed file counts none. */
    private static void assertBytesOfTheCachedFiles(LoadReport report) {
        long cachedFiles = report.partitions().stream().flatMap(p -> p.files().stream()).filter(file -> !file.failed()).mapToLong(FileReport::length).sum();
        assertEquals(cachedFiles, report.totals().bytesLoaded() + report.totals().bytesAlreadyCached(), report.totals().toString());
        assertEquals(report.totals(), LoadTotals.of(report.partitions()));
    }

    @Test
    void blocksAnotherClientFreesDuringTheLoadAreLoadedAgain() throws IOException {
        Path data = files("freed", 6);
        try (LocalCluster cluster = roomyCluster("roomy");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 2);
            Set<String> freed = ConcurrentHashMap.newKeySet();
            ProgressListener freeing = freesTheFirstThree(other, plan, freed);

            LoadReport report = load(client, freeing, plan);

            assertEquals(3, freed.size());
            assertHeldAsReported(client, plan, report, 2);
            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertTrue(report.restore() != null && report.restore().blocks() >= 3 * 2, "the freed blocks are written again: " + report.restore());
        }
    }

    /** A load that pulls has the workers pull the blocks it writes again too: its process reads none of them. */
    @Test
    void blocksFreedDuringALoadThatPullsArePulledAgain() throws IOException {
        Path data = files("freedPulled", 6);
        try (LocalCluster cluster = roomyCluster("roomyPulled");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 2);
            long planned = plan.partitions().stream().flatMap(p -> p.files().stream()).mapToLong(file -> file.blocks().size()).sum();

            LoadReport report = new LoadExecutor(client, new Configuration(), settings(), ExecutorOptions.defaults().withDataPath(DataPath.PULL),
                    freesTheFirstThree(other, plan, ConcurrentHashMap.newKeySet()), Clock.systemUTC()).execute(plan);

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertHeldAsReported(client, plan, report, 2);
            assertTrue(report.restore() != null && report.restore().blocks() >= 3 * 2, "the freed blocks are written again: " + report.restore());
            double pulled = List.of("worker-0", "worker-1").stream()
                    .mapToDouble(worker -> cluster.metrics().value("gfsload_worker_pulls_total", Map.of("worker", worker, "source", "ufs")).orElse(0))
                    .sum();
            assertEquals((double) planned + report.restore().blocks(), pulled, "each block loaded and each written again pulled from the UFS by a worker");
        }
    }

    @Test
    void aFileAnotherClientFreesWhileTheLoadWritesAgainFailsNamingAnotherClient() throws IOException {
        Path data = files("freedLate", 6);
        try (LocalCluster cluster = roomyCluster("freedLateCluster");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);
            Map<String, FileLoad> planned = planned(plan);
            Set<String> freed = ConcurrentHashMap.newKeySet();
            // another client frees one file during the load, which the load writes again; while it does, another client frees a second
            ProgressListener freeing = whileWritingAgain(plan, freed, () -> freeTheFirstNotFreed(other, planned, freed), other);

            LoadReport report = load(client, freeing, plan);

            assertEquals(2, freed.size(), "one file freed during the load, one while it wrote the first again");
            assertHeldAsReported(client, plan, report, 1);
            assertEquals(1, report.failedFiles().size(), report.failedFiles().toString());
            FileReport failed = report.failedFiles().get(0);
            assertTrue(freed.contains(failed.path()), failed.toString());
            assertEquals("block 0 has 0 of 1 replicas in the cache after the load: evicted or freed by another client (another load, or gfsload free) "
                    + "since it was written", failed.error());
        }
    }

    @Test
    void aFileAnotherClientFreesWhileTheSlicesWriteAgainFailsNamingAnotherClient() throws IOException {
        Path data = files("freedLateInSlices", 6);
        try (LocalCluster cluster = roomyCluster("freedLateSlices");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);
            Map<String, FileLoad> planned = planned(plan);
            List<String> freed = new ArrayList<>();
            // once the slices have loaded, another client frees a file, which the load writes again; before it does, another client frees a second
            DistributedLoad.Slices freeing = InProcessSlices.of(2, (slices, progress, finished) -> {
                boolean again = !freed.isEmpty();
                if (again) {
                    freeTheFirstNotFreed(other, planned, freed);
                }
                slices.forEach(slice -> finished.accept(slice, slice.load()));
                if (!again) {
                    freeTheFirstNotFreed(other, planned, freed);
                }
            });

            LoadReport report = load(freeing, cluster, client, plan);

            assertEquals(2, freed.size(), "one file freed after the slices, one before the load wrote the first again");
            assertHeldAsReported(client, plan, report, 1);
            assertEquals(List.of(freed.get(1)), report.failedFiles().stream().map(FileReport::path).toList());
            assertEquals("block 0 has 0 of 1 replicas in the cache after the load: evicted or freed by another client (another load, or gfsload free) "
                    + "since it was written", report.failedFiles().get(0).error());
        }
    }

    @Test
    void aFileWhoseWorkerIsLostWhileTheLoadWritesAgainFailsNamingTheWorker() throws IOException {
        Path data = files("lostLate", 6);
        try (LocalCluster cluster = roomyCluster("lostLateCluster");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);
            Map<String, FileLoad> planned = planned(plan);
            Set<String> freed = ConcurrentHashMap.newKeySet();
            Set<String> onWorker1 = ConcurrentHashMap.newKeySet();
            // another client frees one file during the load, which the load writes again; while it does, worker-1 stops
            ProgressListener stopping = whileWritingAgain(plan, freed, () -> {
                planned.values().stream()
                        .filter(file -> client.cachedBlocks(file.file()).stream().anyMatch(block -> block.workerIds().contains("worker-1")))
                        .forEach(file -> onWorker1.add(file.file().path()));
                cluster.stopWorker(1);
            }, other);

            LoadReport report = load(client, stopping, plan);

            assertFalse(onWorker1.isEmpty(), "worker-1 held blocks of the load when it stopped");
            assertHeldAsReported(client, plan, report, 1);
            assertEquals(onWorker1, report.failedFiles().stream().map(FileReport::path).collect(Collectors.toSet()),
                    "the files with a block on worker-1 are failed, and only those");
            for (FileReport failed : report.failedFiles()) {
                assertTrue(failed.error().matches("block \\d has 0 of 1 replicas in the cache after the load: lost with worker worker-1"), failed.error());
            }
        }
    }

    /**
     * A listener on which the first file the load finishes is freed by {@code other}, into
     * {@code freed}, so that the check after the load writes it again; {@code meanwhile} runs once,
     * as that write reads the file.
     */
    private static ProgressListener whileWritingAgain(LoadPlan plan, Set<String> freed, Runnable meanwhile, CacheClient other) {
        Map<String, FileLoad> planned = planned(plan);
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        return new ProgressListener() {
            @Override
            public void fileFinished(FileReport file) {
                synchronized (freed) {
                    if (freed.isEmpty() && !file.failed()) {
                        other.free(planned.get(file.path()).file());
                        freed.add(file.path());
                    }
                }
                finished.incrementAndGet();
            }

            @Override
            public void ufsBytesRead(int bytes) {
                // every file finished: the bytes are those the load reads to write blocks again
                if (finished.get() == planned.size() && ran.getAndIncrement() == 0) {
                    meanwhile.run();
                }
            }
        };
    }

    @Test
    void blocksAnotherClientFreesAfterASliceAreLoadedAgainByTheLoad() throws IOException {
        Path data = files("freedInSlices", 6);
        try (LocalCluster cluster = roomyCluster("roomySlices");
                CacheClient client = cluster.newClient();
                CacheClient other = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);
            Set<String> freed = ConcurrentHashMap.newKeySet();
            // the slices one after the other; once the first has finished, another client frees what it loaded
            DistributedLoad.Slices freeingAfterTheFirst = InProcessSlices.of(2, (slices, progress, finished) -> {
                for (SliceLoad slice : slices) {
                    LoadReport report = slice.load();
                    finished.accept(slice, report);
                    if (freed.isEmpty()) {
                        report.partitions().forEach(partition -> partition.files().forEach(file -> {
                            other.free(planned(plan).get(file.path()).file());
                            freed.add(file.path());
                        }));
                    }
                }
            });

            LoadReport report = load(freeingAfterTheFirst, cluster, client, plan);

            assertFalse(freed.isEmpty());
            assertHeldAsReported(client, plan, report, 1);
            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertTrue(report.restore() != null && report.restore().blocks() >= freed.size(), "the freed blocks are written again: " + report.restore());
        }
    }

    @Test
    void aLoadDuringWhichTheCacheRemovesNothingDoesNotAskAboutEachBlock() throws IOException {
        Path data = files("untouched", 6);
        try (LocalCluster cluster = roomyCluster("untouchedCluster");
                CacheClient client = cluster.newClient()) {
            AtomicInteger asked = new AtomicInteger();
            CacheClient counting = new ForwardingCacheClient(client) {
                @Override
                public Map<FileIdentity, List<CachedBlock>> confirmedBlocks(Collection<FileIdentity> files) {
                    asked.incrementAndGet();
                    return delegate.confirmedBlocks(files);
                }
            };
            LoadPlan plan = plan(client, data, 2);

            LoadReport report = load(counting, ProgressListener.NONE, plan);
            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            assertHeldAsReported(client, plan, report, 2);
            assertEquals(0, asked.get(), "no eviction, free or lost worker: the workers are not asked about each block");

            // the same in slices: the driver asks nothing either
            LoadPlan inSlices = plan(client, files("untouchedSlices", 6), 1);
            LoadReport sliced = load(InProcessSlices.oneAfterAnother(2), cluster, counting, inSlices);
            assertEquals(LoadState.SUCCEEDED, sliced.state(), sliced.failedFiles().toString());
            assertEquals(0, asked.get());
        }
    }

    @Test
    void theCacheCountsWhatItRemoves() throws IOException {
        Path data = files("counted", 2);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("counting"), 1, 64L << 20));
                CacheClient client = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 1);
            assertEquals(LoadState.SUCCEEDED, load(client, ProgressListener.NONE, plan).state());
            Optional<RemovalMarks> loaded = client.removalMarks();
            assertTrue(loaded.isPresent());
            assertEquals(1, loaded.get().workers().size());
            assertEquals(loaded, client.removalMarks(), "nothing removed since");

            // freed: the master counts at once, before its worker hears of it
            FileLoad first = planned(plan).values().iterator().next();
            client.free(first.file());
            Optional<RemovalMarks> freed = client.removalMarks();
            assertNotEquals(loaded.get().master(), freed.orElseThrow().master());
        }
    }

    /** Every file the report says cached has every block confirmed by {@code replication} workers, and every other file is failed. */
    private static void assertHeldAsReported(CacheClient client, LoadPlan plan, LoadReport report, int replication) {
        Map<String, FileLoad> planned = planned(plan);
        for (FileReport file : report.partitions().stream().flatMap(p -> p.files().stream()).toList()) {
            FileLoad load = planned.get(file.path());
            boolean held = load.blocks().stream()
                    .allMatch(block -> BlockTask.cachedIn(client.confirmedBlocks(load.file()), block.index(), block.length(), replication));
            assertEquals(!file.failed(), held, "a file the report says cached is in the cache, and only such a file: " + file);
        }
    }

    private Path files(String name, int count) throws IOException {
        Path data = Files.createDirectories(directory.resolve(name));
        Random random = new Random(7);
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[200_000];
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%02d".formatted(i)), bytes);
        }
        return data;
    }

    private static LoadPlan plan(CacheClient client, Path data, int replication) {
        return new LoadPlanner(Optional.empty(), new Configuration(), client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2))
                .plan(new LoadRequest(new LoadTarget.Paths(List.of(data.toUri().toString())), replication));
    }

    private static Map<String, FileLoad> planned(LoadPlan plan) {
        return plan.partitions().stream().flatMap(p -> p.files().stream()).collect(Collectors.toMap(file -> file.file().path(), Function.identity()));
    }

    private static Settings settings() {
        return new Settings(List.of(new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"), new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }

    /** A listener by which {@code other} frees the first three files the load has written, adding them to {@code freed}, while it writes the others. */
    private static ProgressListener freesTheFirstThree(CacheClient other, LoadPlan plan, Set<String> freed) {
        return new ProgressListener() {
            @Override
            public void fileFinished(FileReport file) {
                synchronized (freed) {
                    if (freed.size() < 3 && !file.failed()) {
                        other.free(planned(plan).get(file.path()).file());
                        freed.add(file.path());
                    }
                }
            }
        };
    }

    /** Two workers with room for every load here: a load cannot evict its own blocks. */
    private LocalCluster roomyCluster(String name) {
        return LocalCluster.start(new LocalClusterConfig(directory.resolve(name), 2, 64L << 20));
    }

    /** {@code other} frees the first of the {@code planned} files, in path order, not in {@code freed}, and adds it there. */
    private static void freeTheFirstNotFreed(CacheClient other, Map<String, FileLoad> planned, Collection<String> freed) {
        String path = planned.keySet().stream().filter(file -> !freed.contains(file)).sorted().findFirst().orElseThrow();
        other.free(planned.get(path).file());
        freed.add(path);
    }

    /** Loads {@code plan} in this process. */
    private static LoadReport load(CacheClient client, ProgressListener listener, LoadPlan plan) {
        return new LoadExecutor(client, new Configuration(), settings(), ExecutorOptions.defaults(), listener, Clock.systemUTC()).execute(plan);
    }

    /** Loads {@code plan} in {@code slices}, the driver asking {@code cluster}'s master through {@code client}. */
    private static LoadReport load(DistributedLoad.Slices slices, LocalCluster cluster, CacheClient client, LoadPlan plan) {
        return new DistributedLoad(slices, client, new DistributedLoad.Connection(cluster.masterTarget(), Optional.empty(), Map.of()), share -> settings(),
                ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC()).execute(plan, Optional.empty());
    }

    @Test
    void aWorkerThatComesBackDuringTheLoadHoldsEveryReplicaItShouldAtTheEnd() throws Exception {
        Path data = files("slow", 8);
        try (LocalCluster cluster = roomyCluster("two");
                CacheClient client = cluster.newClient()) {
            LoadPlan plan = plan(client, data, 2);
            // 1.6 MB at 500 KB/s: about 3 s, during which worker-1 is killed and starts again before the master finds it lost
            ExecutorOptions options = ExecutorOptions.defaults().withBandwidth(500_000);
            java.util.concurrent.CompletableFuture<LoadReport> load = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> new LoadExecutor(client, new Configuration(), settings(), options, ProgressListener.NONE, Clock.systemUTC()).execute(plan));
            Thread.sleep(1000);
            cluster.killWorker(1);
            Thread.sleep(1000);
            cluster.startWorker(1);

            LoadReport report = load.get(2, java.util.concurrent.TimeUnit.MINUTES);

            assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
            for (FileLoad file : plan.partitions().get(0).files()) {
                for (BlockTask block : file.blocks()) {
                    assertTrue(BlockTask.cachedIn(client.confirmedBlocks(file.file()), block.index(), block.length(), 2),
                            "both workers hold block %d of %s".formatted(block.index(), file.file().path()));
                }
            }
        }
    }
}
