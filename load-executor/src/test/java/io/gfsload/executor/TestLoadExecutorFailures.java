package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.FileIdentity;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries, permanent failures, changed files, the failure threshold and the bandwidth limit, on a real local cluster. */
class TestLoadExecutorFailures {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final long BLOCK = 128 << 10;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 256L << 20));
        client = cluster.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private Path writeFiles(int count, int length, String... prefixes) throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(11);
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            String prefix = i < prefixes.length ? prefixes[i] : "part";
            Files.write(data.resolve("%s-%03d".formatted(prefix, i)), bytes);
        }
        return data;
    }

    /** A faulty:// store of its own over {@code data}, created with {@code conf}. */
    private static String store(Path data, Configuration conf) throws IOException {
        String root = "faulty://store" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
        return root;
    }

    private LoadPlan plan(String root, Configuration conf) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 1));
    }

    private LoadExecutor executor(Configuration conf, ExecutorOptions options, int threads, long readBuffer) {
        return executor(conf, options, threads, readBuffer, ProgressListener.NONE);
    }

    private LoadExecutor executor(Configuration conf, ExecutorOptions options, int threads, long readBuffer, ProgressListener listener) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, threads, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, readBuffer, "bytes", "test")));
        return new LoadExecutor(client, conf, settings, options, listener, Clock.systemUTC());
    }

    private static ExecutorOptions fastRetries(int attempts) {
        return ExecutorOptions.defaults().withRetries(attempts, Duration.ofMillis(1), Duration.ofMillis(10));
    }

    @Test
    void transientReadFaultsAreRetriedAndCounted() throws IOException {
        Path data = writeFiles(40, 300_000);
        Configuration conf = new Configuration();
        conf.set("fs.faulty.transient.fraction", "0.05");
        conf.set("fs.faulty.seed", "3");
        String root = store(data, conf);
        LoadPlan plan = plan(root, conf);

        LoadReport report = executor(conf, fastRetries(10), 2, 64 << 10).execute(plan);

        FaultyFileSystem fs = (FaultyFileSystem) FileSystem.get(URI.create(root), conf);
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(fs.stats().transientFaults() > 0, "faults were injected: " + fs.stats());
        assertEquals(fs.stats().transientFaults(), report.totals().retries(), "one retry per injected fault");
        assertEquals(report.totals().retries(), report.partitions().get(0).files().stream().mapToLong(FileReport::retries).sum());
        FileLoad first = plan.partitions().get(0).files().get(0);
        ByteArrayOutputStream cached = new ByteArrayOutputStream();
        for (BlockTask block : first.blocks()) {
            try (InputStream in = client.openReader(block.key())) {
                in.transferTo(cached);
            }
        }
        assertArrayEquals(Files.readAllBytes(data.resolve("part-000")), cached.toByteArray());
    }

    @Test
    void permanentFailuresAreReportedWithoutRetriesAndNeighboursLoad() throws IOException {
        Path data = writeFiles(12, 200_000);
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-002,/part-005,/part-009");
        String root = store(data, conf);

        LoadReport report = executor(conf, fastRetries(5), 2, 64 << 10).execute(plan(root, conf));

        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals(List.of("part-002", "part-005", "part-009"),
                report.failedFiles().stream().map(f -> f.path().substring(f.path().lastIndexOf('/') + 1)).toList());
        for (FileReport failed : report.failedFiles()) {
            assertTrue(failed.error().startsWith("AccessDeniedException: ") && failed.error().endsWith("Permission denied (injected)"), failed.error());
            assertEquals(0, failed.retries(), "permanent failures are not retried");
            assertEquals(2, failed.blocksFailed());
        }
        assertEquals(9 * 2, report.totals().blocksLoaded());
        assertEquals(3, report.totals().filesFailed());
    }

    @Test
    void aFileChangedAfterPlanningIsNotLoadedUnderItsOldIdentity() throws IOException {
        Path data = writeFiles(3, 200_000);
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toUri().toString(), conf);
        Files.write(data.resolve("part-001"), new byte[10]);

        LoadReport report = executor(conf, fastRetries(5), 1, 64 << 10).execute(plan);

        assertEquals(LoadState.PARTIAL, report.state());
        FileReport changed = report.failedFiles().get(0);
        assertTrue(changed.path().endsWith("/part-001"), changed.path());
        // times in ISO-8601 UTC, not epoch milliseconds
        assertEquals("File changed since it was planned: length 200000 -> 10, modification time %s -> %s".formatted(
                Instant.ofEpochMilli(plan.partitions().get(0).files().get(1).file().modificationTime()),
                Files.getLastModifiedTime(data.resolve("part-001")).toInstant().truncatedTo(ChronoUnit.MILLIS)), changed.error());
        assertTrue(changed.error().matches(".*modification time \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z -> \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z"), changed.error());
        assertEquals(0, changed.retries());
        assertEquals(List.of(), client.cachedBlocks(plan.partitions().get(0).files().get(1).file()));
    }

    @Test
    void aFileReplacedByADirectoryAfterPlanningSaysSo() throws IOException {
        // a small file (read whole, with one stat of the local file) and one of four blocks (Hadoop's file status)
        Path data = writeFiles(1, 200_000);
        Random random = new Random(12);
        byte[] large = new byte[(int) (4 * BLOCK)];
        random.nextBytes(large);
        Files.write(data.resolve("part-large"), large);
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toUri().toString(), conf);
        for (String name : List.of("part-000", "part-large")) {
            Files.delete(data.resolve(name));
            Files.createDirectories(data.resolve(name).resolve("_temporary"));
        }

        LoadReport report = executor(conf, fastRetries(5), 1, 64 << 10).execute(plan);

        assertEquals(LoadState.FAILED, report.state());
        assertEquals(2, report.failedFiles().size());
        for (FileReport changed : report.failedFiles()) {
            FileIdentity planned = plan.partitions().get(0).files().stream()
                    .filter(file -> file.file().path().equals(changed.path())).findFirst().orElseThrow().file();
            assertEquals("File changed since it was planned: the path is now a directory (planned: a file of %d bytes modified %s)"
                    .formatted(planned.length(), Instant.ofEpochMilli(planned.modificationTime())), changed.error());
            assertEquals(0, changed.retries());
        }
    }

    @Test
    void aFileTruncatedWhileItsBlockIsReadFailsAsChangedWithoutARetry() throws IOException {
        // two blocks: not the small-file path, which reads a file whole
        Path data = writeFiles(1, (int) (2 * BLOCK));
        Path file = data.resolve("part-000");
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toUri().toString(), conf);
        java.util.concurrent.atomic.AtomicBoolean truncated = new java.util.concurrent.atomic.AtomicBoolean();
        // once the first piece of the block is written, the file is cut to half its length
        ProgressListener truncating = new ProgressListener() {
            @Override
            public void blockBytesWritten(io.gfsload.planner.BlockTask block, int bytes) {
                if (truncated.compareAndSet(false, true)) {
                    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                        channel.truncate(BLOCK / 2);
                    }
                    catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        };

        LoadReport report = executor(conf, fastRetries(5), 1, BLOCK / 4, truncating).execute(plan);

        assertTrue(truncated.get(), "the block was read a piece at a time");
        assertEquals(LoadState.FAILED, report.state());
        FileReport changed = report.failedFiles().get(0);
        assertEquals("File changed since it was planned: it ends before byte %d of its planned length".formatted(BLOCK * 3 / 4), changed.error());
        assertEquals(0, changed.retries(), "a shorter file is not retried");
        assertEquals(List.of(), client.cachedBlocks(plan.partitions().get(0).files().get(0).file()));
    }

    @Test
    void pastTheThresholdTheJobStopsAndFails() throws IOException {
        Path data = writeFiles(10, 50_000, "a-bad", "b-bad", "c-bad");
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "**/*-bad-*");
        conf.set("fs.faulty.permanent.error", "not-found");
        String root = store(data, conf);

        LoadReport report = executor(conf, fastRetries(5).withFailureThreshold(1, 0.1), 1, 64 << 10).execute(plan(root, conf));

        assertEquals(LoadState.FAILED, report.state());
        List<FileReport> files = report.partitions().get(0).files();
        for (FileReport file : files.subList(0, 2)) {
            assertEquals("File " + file.path() + " does not exist (injected) (deleted since it was planned?)", file.error());
        }
        for (FileReport file : files.subList(2, files.size())) {
            assertEquals("not attempted: the job failed after 2 of 10 files failed", file.error());
        }
        assertEquals(0, report.totals().blocksLoaded());
        assertEquals("2 of 10 files failed, more than the threshold of 1 file and 10 % of the files: the job stopped", report.stopReason());
    }

    @Test
    void underTheThresholdFailuresDoNotFailTheJob() throws IOException {
        Path data = writeFiles(10, 50_000, "a-bad");
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "**/*-bad-*");
        String root = store(data, conf);
        LoadReport report = executor(conf, fastRetries(5).withFailureThreshold(1, 0.1), 1, 64 << 10).execute(plan(root, conf));
        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals(9, report.totals().blocksLoaded());
        report.partitions().get(0).files().stream().skip(1).forEach(f -> assertNull(f.error()));
    }

    @Test
    void adaptiveLoadFromAThrottlingStoreSucceedsWithRetries() throws IOException {
        Path data = writeFiles(30, 100_000);
        Configuration conf = new Configuration();
        conf.set("fs.throttled.request.latency.ms", "5");
        conf.set("fs.throttled.throttle.fraction", "0.1");
        conf.set("fs.throttled.seed", "9");
        String root = "throttled://store" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
        LoadPlan plan = plan(root, conf);
        Settings settings = io.gfsload.advisor.TuningAdvisor.recommend(new io.gfsload.advisor.WorkloadProfile(
                2, 1L << 30, plan.stats().files(), plan.stats().bytes(), plan.stats().medianFileBytes(), plan.stats().meanFileBytes()));
        LoadExecutor executor = new LoadExecutor(client, conf, settings, fastRetries(10), ProgressListener.NONE, Clock.systemUTC());
        assertEquals(settings.value(Settings.MAX_UFS_READ_THREADS), executor.readThreads(), "the pool is the advisor's maximum; the controller admits readers");

        LoadReport report = executor.execute(plan);

        io.gfsload.ufs.simulator.ThrottledFileSystem fs = (io.gfsload.ufs.simulator.ThrottledFileSystem) FileSystem.get(URI.create(root), conf);
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(fs.stats().throttledErrors() > 0, "the store throttled: " + fs.stats());
        assertEquals(fs.stats().throttledErrors(), report.totals().retries(), "every 503 was retried once");
    }

    @Test
    void bandwidthLimitCapsTheReadRate() throws IOException {
        // 24 MiB at 12 MiB/s in reads of 1 MiB
        assertLoadTakesItsTimeAtTheLimit(4, 6 << 20, 12L << 20, 1 << 20);
    }

    @Test
    void bandwidthLimitCapsALoadOfOneRead() throws IOException {
        // one 3 MiB read at 2 MiB/s: the read itself waits for its 1.5 s, not only the next one
        assertLoadTakesItsTimeAtTheLimit(1, 3 << 20, 2L << 20, 4 << 20);
    }

    private void assertLoadTakesItsTimeAtTheLimit(int files, int fileBytes, long limit, long readBuffer) throws IOException {
        Path data = writeFiles(files, fileBytes);
        Configuration conf = new Configuration();
        LoadPlan plan = plan(data.toUri().toString(), conf);
        LoadReport report = executor(conf, ExecutorOptions.defaults().withBandwidth(limit), 4, readBuffer).execute(plan);
        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals((long) files * fileBytes, report.totals().bytesLoaded());
        long floorMillis = report.totals().bytesLoaded() * 1000 / limit;
        assertTrue(report.durationMillis() >= floorMillis * 0.95, "took %d ms, the limit allows no less than %d ms".formatted(report.durationMillis(), floorMillis));
    }
}
