package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.client.ClientConfig;
import io.gfsload.cache.client.GrpcCacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache cluster stops in the middle of a load: the load ends with a report of what it cached
 * up to then, the files under way failed and the others not attempted, and the report says that
 * the master stopped answering, instead of failing with the master's error.
 */
class TestMasterStopsAnswering {
    private static final int FILES = 12;
    /** Above the small files' bound, so that each file is loaded on its own, one after another. */
    private static final int FILE_BYTES = (1 << 20) + 100_000;
    private static final long BLOCK_BYTES = 4 << 20;
    private static final int STOP_AFTER = 4;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 256L << 20));
        // master calls with a 1 s deadline: the load gives a silent master up after 2 s
        client = GrpcCacheClient.connect(cluster.masterTarget(), ClientConfig.defaults().withRpcTimeout(Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private Path writeFiles() throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(13);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }

    private static Settings oneReadThread() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 1, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }

    private static ExecutorOptions fastRetries() {
        return ExecutorOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(10));
    }

    @Test
    void aLoadWhoseMasterStopsEndsPartialWithItsReport() throws IOException {
        Path data = writeFiles();
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK_BYTES, 1);
        String master = cluster.masterTarget();
        AtomicInteger loaded = new AtomicInteger();
        // the cluster stops as the load's fourth block is cached: nothing answers for the others
        ProgressListener stopTheCluster = new ProgressListener() {
            @Override
            public void blockLoaded(BlockTask block) {
                if (loaded.incrementAndGet() == STOP_AFTER) {
                    cluster.close();
                }
            }
        };

        LoadReport report = new LoadExecutor(client, new Configuration(), oneReadThread(), fastRetries(), stopTheCluster, Clock.systemUTC()).execute(plan);

        String stopped = "the cache master at %s stopped answering".formatted(master);
        assertEquals(LoadState.PARTIAL, report.state());
        assertEquals(stopped, report.stopReason());
        assertEquals(STOP_AFTER, report.totals().blocksLoaded());
        assertEquals(FILES - STOP_AFTER, report.totals().filesFailed());
        List<FileReport> failed = report.failedFiles();
        assertEquals(stopped, failed.get(0).error(), "the file under way failed once the master was silent past the limit");
        for (FileReport file : failed.subList(1, failed.size())) {
            assertEquals("not attempted: " + stopped, file.error(), file.path());
            assertEquals(0, file.retries(), file.path());
        }
        assertNull(report.restore(), "nothing is restored without the master");
        assertFalse(report.verified());
    }

    @Test
    void aCheckWhoseMasterStopsChecksNoFile() throws IOException {
        Path data = writeFiles();
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK_BYTES, 1);
        String master = cluster.masterTarget();
        LoadExecutor executor = new LoadExecutor(client, new Configuration(), oneReadThread(), fastRetries(), ProgressListener.NONE, Clock.systemUTC());
        LoadReport loaded = executor.execute(plan);
        assertEquals(LoadState.SUCCEEDED, loaded.state());
        cluster.close();

        LoadReport verified = executor.verify(plan, loaded);

        String stopped = "the cache master at %s stopped answering".formatted(master);
        assertEquals(LoadState.FAILED, verified.state(), "no file is known to be cached");
        assertFalse(verified.verified());
        assertEquals(stopped, verified.stopReason());
        assertEquals(FILES, verified.totals().filesFailed());
        assertTrue(verified.failedFiles().stream().allMatch(file -> file.error().equals("verify: not checked: " + stopped)), verified.failedFiles().toString());
    }
}
