package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.advisor.Units;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.InvalidRequestException;
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
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads real files into a real local cluster (gRPC on loopback, RocksDB, block files). */
class TestLoadExecutor {
    private static final long BLOCK = 256 << 10;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() throws IOException {
        // the workers do not look for missing block files on their own: reads and the check of verify find them
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(3).workerCapacityBytes(64L << 20)
                .blockFileChecksPerHeartbeat(0).build());
        client = cluster.newClient();
        Random random = new Random(7);
        for (String name : List.of("a", "b", "c")) {
            byte[] bytes = new byte[(int) (BLOCK * 2 + 1000 + random.nextInt(1000))];
            random.nextBytes(bytes);
            Files.createDirectories(directory.resolve("data"));
            Files.write(directory.resolve("data/" + name), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private LoadPlan plan(int replication) {
        return LocalPlans.plan(client, directory.resolve("data"), BLOCK, replication);
    }

    private static Settings executorSettings() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 100_000, "bytes", "test: not a divisor of the block size")));
    }

    private LoadExecutor executor(ProgressListener listener) {
        return new LoadExecutor(client, new Configuration(), executorSettings(), listener, Clock.systemUTC());
    }

    @Test
    void aPlanWithAFileTwiceIsRefusedBeforeAnythingIsLoaded() {
        LoadPlan plan = plan(1);
        io.gfsload.planner.PartitionLoad partition = plan.partitions().get(0);
        LoadPlan twice = new LoadPlan(plan.request(), plan.blockSize(),
                List.of(partition, new io.gfsload.planner.PartitionLoad("again", partition.location(), partition.files(), 0)), plan.taskSets(),
                plan.stats());

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> executor(ProgressListener.NONE).execute(twice));

        assertTrue(refused.getMessage().startsWith("The plan has the file " + partition.files().get(0).file().path() + " twice (partition again)"),
                refused.getMessage());
        assertTrue(client.cachedBlocks(partition.files().get(0).file()).isEmpty(), "nothing loaded");
    }

    @Test
    void loadsEveryBlockWithItsReplicasOnDistinctWorkers() throws IOException {
        AtomicInteger loadedEvents = new AtomicInteger();
        LoadPlan plan = plan(2);
        LoadReport report = executor(new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                loadedEvents.incrementAndGet();
            }
        }).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(9, report.totals().blocks());
        assertEquals(9, report.totals().blocksLoaded());
        assertEquals(9, loadedEvents.get());
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        for (FileLoad file : plan.partitions().get(0).files()) {
            List<CachedBlock> cached = client.cachedBlocks(file.file());
            assertEquals(3, cached.size());
            for (CachedBlock block : cached) {
                assertEquals(2, new HashSet<>(block.workerIds()).size(), "two distinct workers for " + block);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(bytes);
                }
            }
            assertArrayEquals(Files.readAllBytes(Path.of(java.net.URI.create(file.file().path()))), bytes.toByteArray());
        }

        LoadReport again = executor(ProgressListener.NONE).execute(plan(2));
        assertEquals(LoadState.SUCCEEDED, again.state());
        assertEquals(0, again.totals().bytesLoaded());
        assertEquals(9, again.totals().blocksAlreadyCached());
    }

    @Test
    void aWorkerLostDuringTheLoadLeavesEveryBlockWithItsReplicasOnTheOthers() {
        LoadPlan plan = plan(2);
        AtomicInteger loaded = new AtomicInteger();
        AtomicReference<String> stopped = new AtomicReference<>();
        CountingCacheClient counting = new CountingCacheClient(client);
        LoadReport report = new LoadExecutor(counting, new Configuration(), executorSettings(), new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (loaded.incrementAndGet() == 3) {
                    // a worker that holds a replica already, stopped as a killed process is
                    CachedBlock cached = client.cachedBlocks(block.key().file()).stream().filter(b -> b.index() == block.index()).findFirst().orElseThrow();
                    stopped.set(cached.workerIds().get(0));
                    cluster.killWorker(Integer.parseInt(stopped.get().substring("worker-".length())));
                    // until the master counts it lost: the load's remaining blocks may all go to the other workers, and the
                    // worker must not go unnamed for want of a write that tried it
                    awaitLiveWorkers(2);
                }
            }
        }, Clock.systemUTC()).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(9, report.totals().blocksLoaded());
        assertEquals(List.of(stopped.get()), report.restore().lostWorkers());
        assertTrue(report.restore().blocks() >= 1, "the block that had a replica on the lost worker is written again: " + report.restore());
        for (FileLoad file : plan.partitions().get(0).files()) {
            for (CachedBlock block : client.cachedBlocks(file.file())) {
                // the master may count the stopped worker live for a few more heartbeats
                assertEquals(2, block.workerIds().stream().filter(id -> !id.equals(stopped.get())).distinct().count(), block.toString());
            }
        }
        // each block committed once with its 2 replicas, then each block written again only with the replica it lost
        assertEquals(2L * plan.stats().blocksToLoad() + report.restore().blocks(), counting.replicasWritten(), report.restore().toString());
        assertEquals(2L * plan.stats().bytesToLoad() + report.restore().bytes(), counting.replicaBytesWritten(), report.restore().toString());
    }

    /**
     * Two of three workers lost once every block is written with 2 replicas: no block can get its
     * replicas back, and the files written again after the load share one wait for room rather than
     * wait a minute each, one after the other, with nothing to show for it (13 minutes for 18
     * files on a real cluster).
     */
    @Test
    void filesThatCannotGetTheirReplicasBackAfterWorkersAreLostShareOneWaitForRoom() {
        LoadPlan plan = plan(2);
        long blocks = plan.stats().blocksToLoad();
        AtomicInteger loaded = new AtomicInteger();
        AtomicReference<String> survivor = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        Set<String> waitedAfterTheLoad = ConcurrentHashMap.newKeySet();
        LoadReport report = executor(new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (loaded.incrementAndGet() == blocks) {
                    // the worker holding the first block of the most files survives: their first block waits for room (it holds
                    // it, and no other live worker can take the missing replica), which no wait can make
                    Map<String, Long> firstBlocks = plan.partitions().get(0).files().stream()
                            .flatMap(file -> client.cachedBlocks(file.file()).stream().filter(b -> b.index() == 0).flatMap(b -> b.workerIds().stream()))
                            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                    survivor.set(firstBlocks.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey());
                    for (int worker = 0; worker < 3; worker++) {
                        if (!survivor.get().equals("worker-" + worker)) {
                            cluster.killWorker(worker);
                        }
                    }
                    awaitLiveWorkers(1);
                }
            }

            @Override
            public void retrying(String path, int attempt, String reason) {
                // the writes after the load run on the calling thread, the load's on its pool
                if (Thread.currentThread() == caller) {
                    waitedAfterTheLoad.add(path);
                }
            }
        }).execute(plan);

        assertEquals(LoadState.FAILED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(3, report.failedFiles().size());
        for (FileReport failed : report.failedFiles()) {
            assertTrue(failed.error().contains(", and writing it again failed: Cannot place "), failed.error());
        }
        assertTrue(waitedAfterTheLoad.size() <= 1, "one wait for room for the files written again, not one each: " + waitedAfterTheLoad);
    }

    /**
     * The shared wait for room ends with the first file written again in full: a file that finds no
     * room later in a long restore (a master started again, whose workers have not registered yet)
     * waits anew rather than fail at its first attempt because the restore began over a minute ago.
     */
    @Test
    void aFileWrittenAgainInFullGivesTheNextOneItsOwnWaitForRoom() {
        LoadPlan plan = plan(2);
        long blocks = plan.stats().blocksToLoad();
        AtomicInteger loaded = new AtomicInteger();
        Thread caller = Thread.currentThread();
        MutableClock clock = new MutableClock(java.time.Instant.now());
        List<String> rewritten = new ArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        CacheClient roomless = new ForwardingCacheClient(client) {
            @Override
            public io.gfsload.cache.api.BlockWriter openWriter(BlockKey block, long length, io.gfsload.cache.api.WriteOptions options) {
                // the writes after the load run on the calling thread, the load's on its pool
                if (Thread.currentThread() == caller && !rewritten.contains(block.file().path())) {
                    rewritten.add(block.file().path());
                    if (rewritten.size() == 1) {
                        // the first file written again takes longer than the whole wait for room
                        clock.sleep(LoadExecutor.ROOM_WAIT.multipliedBy(2));
                    }
                    else if (rewritten.size() == 2) {
                        refusals.incrementAndGet();
                        throw new io.gfsload.cache.api.NoRoomException("Placing block %s failed: only 0 of 2 live workers have room".formatted(block),
                                "no room");
                    }
                }
                return super.openWriter(block, length, options);
            }
        };
        LoadReport report = new LoadExecutor(roomless, new Configuration(), executorSettings(), ExecutorOptions.defaults(), new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (loaded.incrementAndGet() == blocks) {
                    // the worker holding replicas of the most files: two files or more are written again
                    Map<String, Long> files = plan.partitions().get(0).files().stream()
                            .flatMap(file -> client.cachedBlocks(file.file()).stream().flatMap(b -> b.workerIds().stream()).distinct())
                            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                    String lost = files.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
                    cluster.killWorker(Integer.parseInt(lost.substring("worker-".length())));
                    awaitLiveWorkers(2);
                }
            }
        }, clock).execute(plan);

        assertEquals(1, refusals.get(), "the second file written again found no room once: " + rewritten);
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(report.restore().blocks() > 0, report.restore().toString());
    }

    /** A worker lost while the replicas of one lost before are written again is named in the report's restore too. */
    @Test
    void aWorkerLostWhileReplicasAreWrittenAgainIsNamedAmongTheLostWorkers() {
        LoadPlan plan = plan(2);
        long blocks = plan.stats().blocksToLoad();
        AtomicInteger loaded = new AtomicInteger();
        Thread caller = Thread.currentThread();
        Set<String> killed = ConcurrentHashMap.newKeySet();
        CacheClient losing = new ForwardingCacheClient(client) {
            @Override
            public io.gfsload.cache.api.BlockWriter openWriter(BlockKey block, long length, io.gfsload.cache.api.WriteOptions options) {
                // the writes after the load run on the calling thread, the load's on its pool
                if (Thread.currentThread() == caller && killed.size() == 1) {
                    kill(killed, 1);
                }
                return super.openWriter(block, length, options);
            }
        };
        LoadReport report = new LoadExecutor(losing, new Configuration(), executorSettings(), new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (loaded.incrementAndGet() == blocks) {
                    kill(killed, 2);
                }
            }
        }, Clock.systemUTC()).execute(plan);

        assertEquals(2, killed.size(), "one worker lost after the load, one while its replicas were written again: " + report.restore());
        assertEquals(List.copyOf(new java.util.TreeSet<>(killed)), report.restore().lostWorkers());
        assertFalse(report.failedFiles().isEmpty(), "one live worker cannot hold two replicas");
    }

    /** Kills a worker not killed yet, remembered in {@code killed}, and waits until the master counts {@code live} workers live. */
    private void kill(Set<String> killed, int live) {
        for (int worker = 0; worker < 3; worker++) {
            if (killed.add("worker-" + worker)) {
                cluster.killWorker(worker);
                awaitLiveWorkers(live);
                return;
            }
        }
    }

    /** Waits (30 s at most) until the master counts {@code live} workers live. */
    private void awaitLiveWorkers(int live) {
        LiveWorkers.await(client, live);
    }

    @Test
    void verifyFindsBlocksWithoutTheirReplicas() {
        LoadPlan single = plan(1);
        LoadReport loaded = executor(ProgressListener.NONE).execute(single);
        LoadReport verified = executor(ProgressListener.NONE).verify(single, loaded);
        assertEquals(loaded.partitions(), verified.partitions(), "everything loaded is there");
        assertEquals(LoadState.SUCCEEDED, verified.state());
        assertFalse(loaded.verified());
        assertTrue(verified.verified());

        LoadPlan twice = plan(2);
        LoadReport claimed = new LoadReport(loaded.target(), LoadState.SUCCEEDED, 2, loaded.totals(), loaded.partitions(), 0, 0, 0, List.of(), 0, null, null, null, null,
                false, null, LoadReport.Evicted.NONE, null);
        LoadReport underReplicated = executor(ProgressListener.NONE).verify(twice, claimed);
        assertEquals(LoadState.FAILED, underReplicated.state());
        assertEquals(3, underReplicated.failedFiles().size());
        assertEquals("verify: block 0 has 1 of 2 replicas", underReplicated.failedFiles().get(0).error());
    }

    @Test
    void verifyCountsOnlyTheReplicasTheWorkersStillHold() throws IOException, InterruptedException {
        LoadPlan plan = plan(2);
        LoadReport loaded = executor(ProgressListener.NONE).execute(plan);
        assertEquals(LoadState.SUCCEEDED, loaded.state());
        assertEquals(loaded.partitions(), executor(ProgressListener.NONE).verify(plan, loaded).partitions(), "both replicas of every block are there");
        // planned again now, everything is cached
        LoadPlan again = plan(2);
        LoadReport nothingToDo = executor(ProgressListener.NONE).execute(again);
        assertEquals(again.stats().bytes(), nothingToDo.totals().bytesAlreadyCached());

        FileLoad a = plan.partitions().get(0).files().stream().filter(f -> f.file().path().endsWith("/data/a")).findFirst().orElseThrow();
        BlockKey block = a.blocks().get(0).key();
        String lost = client.cachedBlocks(a.file()).get(0).workerIds().get(0);
        Path blockFile = cluster.workerBlockDirectories().get(Integer.parseInt(lost.substring("worker-".length())))
                .resolve(block.blockId() + ".block");
        Files.delete(blockFile);
        assertEquals(2, client.cachedBlocks(a.file()).get(0).replicas(), "the master still lists the deleted replica");

        // the check finds a's block short of a replica
        LoadReport checked = executor(ProgressListener.NONE).verify(again, nothingToDo);
        assertEquals(LoadState.PARTIAL, checked.state());
        assertEquals(again.stats().bytes() - a.file().length(), checked.totals().bytesAlreadyCached(), "a is not counted as cached");
        assertEquals(checked.totals().bytesAlreadyCached(), checked.partitions().stream().mapToLong(p -> p.totals().bytesAlreadyCached()).sum());

        List<String> failedEvents = new ArrayList<>();
        LoadReport verified = executor(new ProgressListener() {
            @Override
            public void fileFailed(String path, String error) {
                failedEvents.add(path + ": " + error);
            }
        }).verify(plan, loaded);
        assertEquals(LoadState.PARTIAL, verified.state());
        assertEquals(1, verified.failedFiles().size());
        FileReport failed = verified.failedFiles().get(0);
        assertEquals(a.file().path(), failed.path());
        assertEquals("verify: block 0 has 1 of 2 replicas", failed.error());
        assertEquals(List.of(a.file().path() + ": verify: block 0 has 1 of 2 replicas"), failedEvents);
        // a failed file's blocks count as neither loaded nor cached, nor do their bytes
        assertEquals(0, failed.bytesLoaded());
        assertEquals(plan.stats().bytes() - a.file().length(), verified.totals().bytesLoaded());
        assertEquals(plan.stats().blocks() - a.blocks().size(), verified.totals().blocksLoaded());

        // The worker found the file missing: it tells the master, so that a re-run plans the block again.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.cachedBlocks(a.file()).get(0).replicas() != 1) {
            assertTrue(System.nanoTime() < deadline, "the master drops the missing replica within 30 s");
            Thread.sleep(20);
        }
    }

    @Test
    void aFailedFileIsReportedAndItsNeighboursAreLoaded() throws IOException {
        LoadPlan plan = plan(1);
        Files.delete(directory.resolve("data/b"));
        LoadReport report = executor(ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals(1, report.failedFiles().size());
        FileReport failed = report.failedFiles().get(0);
        assertTrue(failed.path().endsWith("/data/b"), failed.path());
        assertEquals(3, failed.blocksFailed());
        assertEquals("File " + failed.path() + " does not exist (deleted since it was planned?)", failed.error());
        for (FileReport file : report.partitions().get(0).files()) {
            if (!file.path().endsWith("/data/b")) {
                assertEquals(3, file.blocksLoaded());
                assertNull(file.error());
            }
        }
        assertEquals(6, report.totals().blocksLoaded());
    }

    @Test
    void aHigherReplicationWritesOnlyTheReplicasMissingAndNeedsOnlyTheirSpace() {
        assertEquals(LoadState.SUCCEEDED, executor(ProgressListener.NONE).execute(plan(1)).state());
        LoadPlan twice = plan(2);
        long bytes = twice.stats().bytes();
        assertEquals(bytes, twice.stats().bytesToLoad(), "no block has its 2 replicas yet");
        List<BlockTask> blocks = twice.partitions().stream().flatMap(p -> p.files().stream()).flatMap(f -> f.blocks().stream()).toList();
        for (BlockTask block : blocks) {
            assertEquals(1, block.heldBy().size(), "held by the worker of the first load: " + block);
            assertEquals(1, block.replicasToWrite(2));
        }

        // the need counts the one replica each block misses, and says so
        PlanCapacity capacity = PlanCapacity.of(twice, client.clusterInfo());
        assertEquals(bytes, capacity.neededBytes());
        assertEquals(bytes, capacity.heldBytes());
        assertEquals("%s (%s to load x 2 replicas, less %s of replicas already cached)".formatted(Units.size(bytes), Units.size(bytes), Units.size(bytes)),
                capacity.describeNeed());

        double writtenBefore = workerBytesWritten();
        LoadReport report = executor(ProgressListener.NONE).execute(twice);
        assertEquals(LoadState.SUCCEEDED, report.state());
        // the workers stored each block once more: not again on the worker that held it, nor a third replica
        assertEquals(bytes, (long) (workerBytesWritten() - writtenBefore));
        for (FileLoad file : twice.partitions().get(0).files()) {
            List<CachedBlock> cached = client.cachedBlocks(file.file());
            assertEquals(file.blocks().size(), cached.size());
            for (CachedBlock block : cached) {
                assertEquals(2, block.replicas(), block.toString());
                assertTrue(block.workerIds().containsAll(file.blocks().get(block.index()).heldBy()), block + " keeps its first replica");
            }
        }
    }

    /** The bytes of blocks the workers stored so far, as their metrics count them. */
    private double workerBytesWritten() {
        double written = 0;
        for (int i = 0; i < cluster.config().workers(); i++) {
            written += cluster.metrics().value("gfsload_worker_written_bytes_total", Map.of("worker", "worker-" + i)).orElse(0);
        }
        return written;
    }

    @Test
    void aPlanLargerThanTheFreeSpaceIsRefused() {
        LoadPlan plan = plan(2);
        long needed = plan.stats().bytes() * 2;
        long free = client.clusterInfo().liveFreeBytes();
        executor(ProgressListener.NONE).validate(plan, true);
        try (LocalCluster small = LocalCluster.start(new LocalClusterConfig(directory.resolve("small"), 2, plan.stats().bytes() / 2));
                CacheClient smallClient = small.newClient()) {
            LoadExecutor smallExecutor = new LoadExecutor(smallClient, new Configuration(), executorSettings(), ProgressListener.NONE, Clock.systemUTC());
            InsufficientCapacityException e = assertThrows(InsufficientCapacityException.class, () -> smallExecutor.validate(plan, true));
            assertEquals(("Not enough cache capacity: the plan needs %s (%s to load x 2 replicas), the 2 live workers have %s free or evictable. "
                    + "Make room with 'gfsload free' (of tables or paths cached earlier), or load anyway with --ignore-capacity (the blocks the cache cannot take fail)")
                    .formatted(Units.size(needed), Units.size(plan.stats().bytes()), Units.size(plan.stats().bytes() / 2 * 2)), e.getMessage());
            smallExecutor.validate(plan, false);
        }
        assertTrue(free > needed);
    }

    @Test
    void replicationAboveTheLiveWorkersIsRefusedBeforeLoading() {
        LoadPlan plan = plan(4);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> executor(ProgressListener.NONE).execute(plan));
        assertEquals("Invalid replication 4: the cluster has only 3 workers", e.getMessage());
        assertEquals(List.of(), client.cachedBlocks(plan.partitions().get(0).files().get(0).file()));
    }

    @Test
    void replicationAboveTheLiveWorkersOfALargeEnoughClusterIsNotBadInput() throws InterruptedException {
        cluster.killWorker(1);
        cluster.stopWorker(2);
        awaitLiveWorkers(1);
        LoadPlan plan = plan(3);

        io.gfsload.cache.api.NotEnoughWorkersException e = assertThrows(io.gfsload.cache.api.NotEnoughWorkersException.class,
                () -> executor(ProgressListener.NONE).execute(plan));

        assertEquals("Replication 3 needs 3 live workers: only 1 of the cluster's 3 is live (lost: worker-1; stopped: worker-2); the load can run "
                + "once enough are back", e.getMessage());
        assertEquals(List.of(), client.cachedBlocks(plan.partitions().get(0).files().get(0).file()));
    }
}
