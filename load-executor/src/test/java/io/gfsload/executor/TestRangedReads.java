package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large files read as concurrent ranged reads, each on a stream of its own, into a real local cluster. */
class TestRangedReads {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final long BLOCK = 256 << 10;
    /** Not a divisor of the block size, so that ranges end at block ends as well as at buffer ends. */
    private static final int READ_BUFFER = 100_000;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() throws IOException {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 64L << 20));
        client = cluster.newClient();
        data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(5);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = new byte[(int) (BLOCK * 3 + 12_345 * (i + 1))];
            random.nextBytes(bytes);
            Files.write(data.resolve("part-" + i), bytes);
        }
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private String store(String scheme, Configuration conf) throws IOException {
        String root = scheme + "://ranged" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), conf);
        return root;
    }

    private LoadPlan plan(String root, Configuration conf) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(BLOCK, 1024, BLOCK * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 1));
    }

    /** {@code threads} fixed read threads, {@code buffers} read buffers in flight, {@code streams} ranged reads per file. */
    private LoadExecutor executor(Configuration conf, int threads, int buffers, int streams, ProgressListener listener) {
        return executor(conf, threads, buffers, streams, listener, ExecutorOptions.defaults(), Clock.systemUTC(), Sleeper.SYSTEM);
    }

    private LoadExecutor executor(Configuration conf, int threads, int buffers, int streams, ProgressListener listener, ExecutorOptions base, Clock clock,
            Sleeper sleeper) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, threads, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, READ_BUFFER, "bytes", "test"),
                new Setting(Settings.IN_FLIGHT_BYTES, (long) buffers * READ_BUFFER, "bytes", "test"),
                new Setting(Settings.STREAMS_PER_FILE, streams, "streams", "test")));
        ExecutorOptions options = base.withRetries(10, Duration.ofMillis(1), Duration.ofMillis(10));
        return new LoadExecutor(client, conf, settings, options, listener, clock, sleeper);
    }

    private void assertCachedAsInTheUfs(LoadPlan plan) throws IOException {
        for (FileLoad file : plan.partitions().get(0).files()) {
            ByteArrayOutputStream cached = new ByteArrayOutputStream();
            for (BlockTask block : file.blocks()) {
                try (InputStream in = client.openReader(block.key())) {
                    in.transferTo(cached);
                }
            }
            String name = file.file().path().substring(file.file().path().lastIndexOf('/') + 1);
            assertArrayEquals(Files.readAllBytes(data.resolve(name)), cached.toByteArray(), name);
        }
    }

    @Test
    void aLargeFileIsReadAsConcurrentRangesEachOnAStreamOfItsOwn() throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.throttled.request.latency.ms", "10");
        String root = store(ThrottledFileSystem.SCHEME, conf);
        LoadPlan plan = plan(root, conf);
        Set<String> rangeThreads = ConcurrentHashMap.newKeySet();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void ufsBytesRead(int bytes) {
                rangeThreads.add(Thread.currentThread().getName());
            }
        };
        LoadExecutor executor = executor(conf, 8, 16, 4, listener);
        assertEquals(8, executor.rangeThreads());

        LoadReport report = executor.execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded());
        assertEquals(plan.stats().bytes(), report.ufsBytesRead());
        assertCachedAsInTheUfs(plan);
        assertTrue(rangeThreads.size() > 1 && rangeThreads.stream().allMatch(name -> name.startsWith("gfsload-ufs-range-")), rangeThreads.toString());
        long ranges = 0;
        for (FileLoad file : plan.partitions().get(0).files()) {
            for (BlockTask block : file.blocks()) {
                ranges += (block.length() + READ_BUFFER - 1) / READ_BUFFER;
            }
        }
        ThrottledFileSystem fs = (ThrottledFileSystem) FileSystem.get(URI.create(root), conf);
        long opens = fs.stats().requests() - ranges;
        assertTrue(opens > 3 && opens <= 3 * 4, "each file is opened once per concurrent range at most, not once per range: %d opens for %d ranges".formatted(opens, ranges));
    }

    @Test
    void oneBufferInFlightStillLoadsEveryFile() throws IOException {
        Configuration conf = new Configuration();
        String root = store(ThrottledFileSystem.SCHEME, conf);
        LoadPlan plan = plan(root, conf);

        LoadReport report = executor(conf, 3, 1, 4, ProgressListener.NONE).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertCachedAsInTheUfs(plan);
    }

    @Test
    void aFailedRangeIsRetriedFromItsBlock() throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.faulty.transient.fraction", "0.1");
        conf.set("fs.faulty.seed", "4");
        String root = store(FaultyFileSystem.SCHEME, conf);
        LoadPlan plan = plan(root, conf);

        LoadReport report = executor(conf, 4, 8, 4, ProgressListener.NONE).execute(plan);

        FaultyFileSystem fs = (FaultyFileSystem) FileSystem.get(URI.create(root), conf);
        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(fs.stats().transientFaults() > 0, "faults were injected: " + fs.stats());
        assertTrue(report.totals().retries() > 0);
        assertEquals(plan.stats().bytes(), report.totals().bytesLoaded(), "a retried block counts once");
        assertCachedAsInTheUfs(plan);
    }

    @Test
    void whenTheWindowClosesRangedReadsFinishTheirBlocksAndStartNoOthersUntilItOpens() throws IOException {
        Configuration conf = new Configuration();
        String root = store(ThrottledFileSystem.SCHEME, conf);
        LoadPlan plan = plan(root, conf);
        LoadWindow night = LoadWindow.parse("01:00-06:00", java.time.ZoneOffset.UTC);
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-11-21T05:00:00Z"));
        AtomicInteger blocks = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong readWhileClosed = new java.util.concurrent.atomic.AtomicLong();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (blocks.incrementAndGet() == 2) {
                    clock.set(java.time.Instant.parse("2026-11-21T06:00:00Z"));
                }
            }

            @Override
            public void ufsBytesRead(int bytes) {
                if (!night.isOpen(clock.instant())) {
                    readWhileClosed.addAndGet(bytes);
                }
            }
        };
        int threads = 2;
        int streams = 4;

        LoadReport report = executor(conf, threads, 16, streams, listener, ExecutorOptions.defaults().withWindow(night), clock, clock::sleep).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertCachedAsInTheUfs(plan);
        assertEquals(new LoadReport.Window("01:00-06:00", "Z", 0, 1, Duration.ofHours(19).toMillis()), report.window());
        assertTrue(readWhileClosed.get() <= threads * (BLOCK + (long) streams * READ_BUFFER),
                "only the blocks being written when the window closed, and the reads already under way, are read outside it: " + readWhileClosed.get());
    }
}
