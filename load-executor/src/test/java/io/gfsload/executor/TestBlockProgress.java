package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.LoadPlanner;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import io.gfsload.planner.PlannerConfig;
import io.gfsload.ufs.simulator.FaultyFileSystem;
import io.gfsload.ufs.simulator.ThrottledFileSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress of large blocks while their bytes stream from a slow UFS into a real local
 * cluster: bytes before the block is loaded, and none counted twice when an attempt fails.
 */
class TestBlockProgress {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final long BLOCK = 2 << 20;
    private static final int READ_BUFFER = 256 << 10;
    /** One block in about half a second. */
    private static final long BANDWIDTH = 4L << 20;

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
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    @Test
    void aBlockReadOnOneStreamShowsItsBytesBeforeItIsLoaded() throws IOException {
        assertBytesShownBeforeTheBlockIsLoaded(throttledStore(), 1);
    }

    @Test
    void aBlockReadAsConcurrentRangesShowsItsBytesBeforeItIsLoaded() throws IOException {
        assertBytesShownBeforeTheBlockIsLoaded(throttledStore(), 4);
    }

    @Test
    void aBlockCopiedFromALocalFileShowsItsBytesBeforeItIsLoaded() throws IOException {
        assertBytesShownBeforeTheBlockIsLoaded(data.toUri().toString(), 1);
    }

    @Test
    void theBytesOfAFailedAttemptOnOneStreamAreTakenBackAndCountOnce() throws IOException {
        assertRetriedBlocksCountOnce(1);
    }

    @Test
    void theBytesOfAFailedAttemptOfConcurrentRangesAreTakenBackAndCountOnce() throws IOException {
        assertRetriedBlocksCountOnce(4);
    }

    /**
     * Loads a file of several blocks of four read buffers from a UFS where a fifth of the reads
     * fail, so that blocks fail after some of their bytes were written and are written again
     * from their first byte, and checks that the bytes shown never pass the bytes to load and
     * end at the bytes loaded. Which read fails first among concurrent ranges depends on the
     * threads' timing, so that a load may retry only blocks none of whose bytes were written
     * yet: the load is repeated (another store, another seed) until one attempt failed after
     * writing, each load checked alike.
     */
    private void assertRetriedBlocksCountOnce(int streams) throws IOException {
        long block = 4L * READ_BUFFER;
        writeFile("part-0", 4 * block + 12_345);
        long abandoned = 0;
        for (int seed = 7; seed < 17 && abandoned == 0; seed++) {
            Configuration conf = new Configuration();
            conf.set("fs.faulty.transient.fraction", "0.2");
            conf.set("fs.faulty.seed", Integer.toString(seed));
            String root = FaultyFileSystem.SCHEME + "://progress" + STORES.incrementAndGet() + data.toAbsolutePath();
            FileSystem.get(URI.create(root), conf);
            LoadPlan plan = plan(root, conf, block);
            Recorder recorder = new Recorder();

            LoadReport report = executor(conf, streams, ExecutorOptions.defaults().withRetries(100, Duration.ofMillis(1), Duration.ofMillis(2)), recorder)
                    .execute(plan);

            assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
            assertTrue(report.totals().retries() > 0, "faults were injected");
            assertTrue(recorder.mostShown() <= plan.stats().bytesToLoad(), "never more than the bytes to load: " + recorder.mostShown());
            assertEquals(plan.stats().bytesToLoad(), report.totals().bytesLoaded());
            assertEquals(report.totals().bytesLoaded(), recorder.shown(), "the bytes loaded, each counted once: " + recorder);
            assertTrue(recorder.problems().isEmpty(), recorder.problems().toString());
            abandoned = recorder.abandoned();
        }
        assertTrue(abandoned > 0, "in one of the loads an attempt failed after some of its block was written");
    }

    /**
     * Loads one file of one large block through a UFS capped at {@link #BANDWIDTH} and checks
     * that the listener heard some of its bytes, fewer than the block, before the block was loaded.
     */
    private void assertBytesShownBeforeTheBlockIsLoaded(String root, int streams) throws IOException {
        writeFile("part-0", BLOCK);
        Configuration conf = new Configuration();
        LoadPlan plan = plan(root, conf, BLOCK);
        assertEquals(1, plan.stats().blocksToLoad());
        Recorder recorder = new Recorder();

        LoadReport report = executor(conf, streams, ExecutorOptions.defaults().withBandwidth(BANDWIDTH), recorder).execute(plan);

        assertEquals(LoadState.SUCCEEDED, report.state(), String.valueOf(report.failedFiles()));
        assertTrue(recorder.shownBeforeLoaded().stream().anyMatch(bytes -> bytes > 0 && bytes < BLOCK),
                "progress within the block before it was loaded: " + recorder.shownBeforeLoaded());
        assertEquals(BLOCK, recorder.shown(), "the whole block once it is loaded");
        assertEquals(BLOCK, report.totals().bytesLoaded());
        assertTrue(recorder.problems().isEmpty(), recorder.problems().toString());
    }

    private String throttledStore() throws IOException {
        String root = ThrottledFileSystem.SCHEME + "://progress" + STORES.incrementAndGet() + data.toAbsolutePath();
        FileSystem.get(URI.create(root), new Configuration());
        return root;
    }

    private void writeFile(String name, long length) throws IOException {
        byte[] bytes = new byte[Math.toIntExact(length)];
        new Random(3).nextBytes(bytes);
        Files.write(data.resolve(name), bytes);
    }

    private LoadPlan plan(String root, Configuration conf, long blockBytes) {
        LoadPlanner planner = new LoadPlanner(Optional.empty(), conf, client::cachedBlocks, new PlannerConfig(blockBytes, 1024, blockBytes * 4, 2));
        return planner.plan(new LoadRequest(new LoadTarget.Paths(List.of(root)), 1));
    }

    private LoadExecutor executor(Configuration conf, int streams, ExecutorOptions options, ProgressListener listener) {
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, READ_BUFFER, "bytes", "test"),
                new Setting(Settings.IN_FLIGHT_BYTES, 8L * READ_BUFFER, "bytes", "test"),
                new Setting(Settings.STREAMS_PER_FILE, streams, "streams", "test")));
        return new LoadExecutor(client, conf, settings, options, listener, Clock.systemUTC());
    }

    /**
     * Counts bytes as a progress display does: the blocks loaded plus the bytes written of the
     * blocks in flight, the bytes of an abandoned attempt dropped.
     */
    private static final class Recorder implements ProgressListener {
        private final Map<BlockKey, Long> inFlight = new HashMap<>();
        /** The bytes shown after each piece written. */
        private final List<Long> shownBeforeLoaded = new ArrayList<>();
        /** What a display could not count right: more than a block in flight, an abandon of nothing. */
        private final List<String> problems = new ArrayList<>();
        private long loaded;
        private long inFlightBytes;
        private long mostShown;
        private int abandoned;

        @Override
        public synchronized void blockBytesWritten(BlockTask block, int bytes) {
            long written = inFlight.merge(block.key(), (long) bytes, Long::sum);
            if (written > block.length()) {
                problems.add("%d bytes of block %d in flight, longer than the block".formatted(written, block.index()));
            }
            inFlightBytes += bytes;
            shownBeforeLoaded.add(shown());
            mostShown = Math.max(mostShown, shown());
        }

        @Override
        public synchronized void blockLoaded(BlockTask block) {
            Long written = inFlight.remove(block.key());
            inFlightBytes -= written == null ? 0 : written;
            loaded += block.length();
            mostShown = Math.max(mostShown, shown());
        }

        @Override
        public synchronized void blockAbandoned(BlockTask block) {
            Long written = inFlight.remove(block.key());
            if (written == null) {
                problems.add("block %d abandoned without bytes in flight".formatted(block.index()));
                return;
            }
            inFlightBytes -= written;
            abandoned++;
        }

        synchronized long shown() {
            return loaded + inFlightBytes;
        }

        synchronized long mostShown() {
            return mostShown;
        }

        synchronized int abandoned() {
            return abandoned;
        }

        synchronized List<String> problems() {
            return List.copyOf(problems);
        }

        synchronized List<Long> shownBeforeLoaded() {
            return List.copyOf(shownBeforeLoaded);
        }

        @Override
        public synchronized String toString() {
            return "%d loaded, %d in flight of %d blocks, %d attempts abandoned".formatted(loaded, inFlightBytes, inFlight.size(), abandoned);
        }
    }
}
