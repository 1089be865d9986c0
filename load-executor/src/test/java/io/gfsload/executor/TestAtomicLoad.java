package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic loads into a real local cluster: nothing of a failed scope is visible, a re-run adopts, an abandoned area expires. */
class TestAtomicLoad {
    private static final long BLOCK = 128 << 10;
    private static final int FILE_BYTES = 300_000;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 256L << 20));
        client = cluster.newClient();
        data = directory.resolve("data");
        Files.createDirectories(data);
        for (String name : List.of("a", "b", "c", "d")) {
            writeFile(name, name.hashCode());
        }
    }

    private void writeFile(String name, long seed) throws IOException {
        byte[] bytes = new byte[FILE_BYTES];
        new Random(seed).nextBytes(bytes);
        Files.write(data.resolve(name), bytes);
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private LoadPlan plan() {
        return LocalPlans.plan(client, data, BLOCK, 2);
    }

    private static Settings settings() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }

    private LoadReport load(LoadPlan plan, AtomicOptions atomic) {
        return load(plan, atomic, Optional.empty());
    }

    private LoadReport load(LoadPlan plan, AtomicOptions atomic, Optional<JobJournal> journal) {
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).withAtomic(atomic);
        return new LoadExecutor(client, new Configuration(), settings(), options, ProgressListener.NONE, Clock.systemUTC()).execute(plan, journal);
    }

    private LoadReport verify(LoadPlan plan, LoadReport report) {
        return new LoadExecutor(client, new Configuration(), settings(), ProgressListener.NONE, Clock.systemUTC()).verify(plan, report);
    }

    private long visibleBlocks(LoadPlan plan) {
        return plan.partitions().get(0).files().stream().mapToLong(f -> client.cachedBlocks(f.file()).size()).sum();
    }

    private Optional<TempArea> area(String jobId) {
        return client.tempAreas().findTempArea(jobId);
    }

    /** The workers' block files and temp files; not the file of the copy numbers a worker reserved. */
    private long workerFiles() throws IOException {
        long count = 0;
        for (Path worker : cluster.workerBlockDirectories()) {
            try (Stream<Path> files = Files.walk(worker)) {
                count += files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().equals("copy-numbers")).count();
            }
        }
        return count;
    }

    @Test
    void aFailureInTheJobScopeLeavesNothingVisibleAndTheReRunAdoptsWhatWasStaged() throws IOException {
        LoadPlan first = plan();
        Files.delete(data.resolve("b"));

        Path jobs = data.resolveSibling("jobs");
        LoadReport failed;
        try (JobJournal journal = JobJournal.open(jobs, first.request(), true, client.clusterInfo().clusterId(), false)) {
            failed = load(first, new AtomicOptions("job-1", AtomicOptions.Scope.JOB, Duration.ofHours(1)), Optional.of(journal));
        }

        assertEquals(LoadState.FAILED, failed.state());
        assertEquals(0, visibleBlocks(first), "nothing of the failed scope is visible");
        assertEquals(4, failed.failedFiles().size());
        assertTrue(failed.failedFiles().get(0).error().startsWith("not committed: the job has failed files"), failed.failedFiles().get(0).error());
        assertTrue(failed.failedFiles().get(1).error().endsWith(" does not exist (deleted since it was planned?)"), failed.failedFiles().get(1).error());
        assertEquals(9, area("job-1").orElseThrow().blocks().size(), "a, c and d are staged: 3 blocks each");
        assertEquals(0, failed.totals().bytesLoaded(), "staged is not loaded");
        assertEquals(0, failed.totals().blocksLoaded());

        writeFile("b", 99);
        LoadPlan second = plan();
        LoadReport rerun;
        try (JobJournal journal = JobJournal.open(jobs, second.request(), true, client.clusterInfo().clusterId(), false)) {
            assertEquals(0, journal.previousBlocks(), "the failed run committed nothing");
            rerun = load(second, new AtomicOptions("job-1", AtomicOptions.Scope.JOB, Duration.ofHours(1)), Optional.of(journal));
        }
        assertEquals(12, rerun.totals().blocksLoaded());
        assertEquals(4 * FILE_BYTES, rerun.totals().bytesLoaded(), "the adopted blocks are loaded by the run that commits them");

        assertEquals(LoadState.SUCCEEDED, rerun.state(), String.valueOf(rerun.failedFiles()));
        assertEquals(FILE_BYTES, rerun.ufsBytesRead(), "only b is read again; the staged blocks are adopted");
        assertEquals(9, rerun.job().adoptedBlocks(), "the report says what the run took over: a, c and d");
        assertEquals(3 * FILE_BYTES, rerun.job().adoptedBytes());
        assertTrue(rerun.bytesPerSecond() <= FILE_BYTES * 1000L / Math.max(1, rerun.durationMillis()) + 1,
                "the rate counts what the run read and wrote, b: " + rerun.bytesPerSecond());
        assertEquals(12, visibleBlocks(second));
        for (FileLoad file : second.partitions().get(0).files()) {
            assertEquals(List.of(2, 2, 2), client.cachedBlocks(file.file()).stream().map(b -> b.replicas()).toList());
        }
        assertEquals(Optional.empty(), area("job-1"), "a committed job leaves no temp area");
        LoadReport verified = verify(second, rerun);
        assertEquals(rerun.partitions(), verified.partitions(), "the workers hold every committed block, the adopted ones too");
        assertEquals(LoadState.SUCCEEDED, verified.state());
    }

    @Test
    void fileScopeCommitsEachFileOnItsOwn() throws IOException {
        LoadPlan plan = plan();
        Files.delete(data.resolve("c"));
        LoadReport report = load(plan, new AtomicOptions("job-2", AtomicOptions.Scope.FILE, Duration.ofHours(1)));
        assertEquals(LoadState.PARTIAL, report.state());
        List<FileLoad> files = plan.partitions().get(0).files();
        assertEquals(List.of(3, 3, 0, 3), files.stream().map(f -> client.cachedBlocks(f.file()).size()).toList());
    }

    @Test
    void aLoadLongerThanTheExpireTimeKeepsItsTempArea() {
        LoadPlan plan = plan();
        // 1.2 MB at 400 KiB/s: about 3 s, six times the expire time; the master expires areas every second
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).withBandwidth(400 << 10)
                .withAtomic(new AtomicOptions("job-4", AtomicOptions.Scope.JOB, Duration.ofMillis(500)));
        LoadReport report = new LoadExecutor(client, new Configuration(), settings(), options, ProgressListener.NONE, Clock.systemUTC()).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(report.durationMillis() > 1500, "the load outlived its expire time: " + report.durationMillis() + " ms");
        assertEquals(plan.stats().blocks(), visibleBlocks(plan));
        assertEquals(Optional.empty(), area("job-4"), "a committed job leaves no temp area");
    }

    /**
     * A job whose temp area is gone while it runs (expired while the master did not answer, or
     * aborted) lost what it staged: it stops at once with the reason, rather than stage on into a
     * new area that the renewal opened and fail at the commit.
     */
    @Test
    void aJobWhoseTempAreaIsGoneMeanwhileStopsAtOnceWithTheReason() throws Exception {
        LoadPlan plan = plan();
        // 1.2 MB at 400 KiB/s, two files at a time: about 3 s, the area renewed every 200 ms
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).withBandwidth(400 << 10)
                .withAtomic(new AtomicOptions("job-6", AtomicOptions.Scope.JOB, Duration.ofMillis(600)));
        Thread deleter = new Thread(() -> {
            try {
                while (area("job-6").map(area -> area.blocks().isEmpty()).orElse(true)) {
                    Thread.sleep(20);
                }
                // what the master does to an area whose renewals it did not answer in time
                client.tempAreas().abortTempArea("job-6");
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-temp-area-deleter");
        deleter.start();
        LoadReport report = new LoadExecutor(client, new Configuration(), settings(), options, ProgressListener.NONE, Clock.systemUTC()).execute(plan);
        deleter.join();

        assertEquals(LoadState.FAILED, report.state());
        String reason = "the temp area of atomic job job-6 is gone from the master (aborted, or expired by the master's clock; it was to expire at ";
        assertTrue(report.stopReason() != null && report.stopReason().startsWith(reason)
                && report.stopReason().endsWith("); its staged blocks were deleted: run the same command again"), report.stopReason());
        assertTrue(report.failedFiles().stream().anyMatch(file -> file.error().startsWith("not attempted: " + reason)),
                "files not started when the area was found gone are not attempted: " + report.failedFiles());
        assertEquals(Optional.empty(), area("job-6"), "the renewal opened a new temp area");
        assertEquals(0, visibleBlocks(plan));
    }

    @Test
    void anAbandonedTempAreaExpiresOnTheMasterAndTheWorkers() throws Exception {
        long before = workerFiles();
        LoadPlan plan = plan();
        Files.delete(data.resolve("d"));
        LoadReport report = load(plan, new AtomicOptions("job-3", AtomicOptions.Scope.PARTITION, Duration.ofSeconds(2)));
        assertEquals(LoadState.FAILED, report.state());
        assertTrue(report.failedFiles().get(0).error().startsWith("not committed: partition " + data + " has failed files"), report.failedFiles().get(0).error());
        assertTrue(area("job-3").isPresent());
        assertTrue(workerFiles() > before, "the staged blocks are on the workers");

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((area("job-3").isPresent() || workerFiles() > before) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(Optional.empty(), area("job-3"), "expired on the master");
        assertEquals(before, workerFiles(), "expired blocks deleted on the workers");
        assertEquals(0, visibleBlocks(plan));
    }
}
