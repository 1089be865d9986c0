package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A scope commit that the master carries out but whose answer the client loses once (the master
 * answered too late, or the connection broke after the request went out): the load tries it again,
 * which the master answers with the blocks committed, so no file readers see whole is reported
 * "not committed".
 */
class TestScopeCommitAnswerLost {
    private static final long BLOCK = 128 << 10;

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 2, 256L << 20));
        client = cluster.newClient();
        data = directory.resolve("data");
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private void writeFiles(int bytes) throws IOException {
        Files.createDirectories(data);
        for (String name : List.of("a", "b")) {
            byte[] content = new byte[bytes];
            new Random(name.hashCode()).nextBytes(content);
            Files.write(data.resolve(name), content);
        }
    }

    /**
     * FILE with 300,000-byte files goes the block-by-block path (retried while the master is silent),
     * FILE with 50,000-byte files the small-file batch path, PARTITION and JOB the scope commits of
     * LoadExecutor.commitScope.
     */
    @ParameterizedTest
    @CsvSource({"FILE, 300000", "FILE, 50000", "PARTITION, 300000", "JOB, 300000"})
    void aCommitWhoseAnswerWasLostIsNotReportedUncommitted(AtomicOptions.Scope scope, int fileBytes) throws IOException {
        writeFiles(fileBytes);
        LoadPlan plan = LocalPlans.plan(client, data, BLOCK, 2);
        CommitAnswerLostOnce areas = new CommitAnswerLostOnce(client.tempAreas());
        CacheClient cache = new ForwardingCacheClient(client) {
            @Override
            public TempAreas tempAreas() {
                return areas;
            }
        };
        AtomicOptions atomic = new AtomicOptions("job-lost-answer-" + scope.name().toLowerCase() + "-" + fileBytes, scope, Duration.ofHours(1));
        ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).withAtomic(atomic);
        Settings settings = new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
        LoadReport report;
        try (JobJournal journal = JobJournal.open(directory.resolve("jobs"), plan.request(), Optional.of(scope), client.clusterInfo().clusterId(), false)) {
            report = new LoadExecutor(cache, new Configuration(), settings, options, ProgressListener.NONE, java.time.Clock.systemUTC())
                    .execute(plan, Optional.of(journal));
        }

        assertTrue(areas.commits() > 0, "a commit's answer was lost");
        // what readers see: every block of every file, committed by the commit whose answer was lost
        for (FileLoad file : plan.partitions().get(0).files()) {
            assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), "visible blocks of " + file.file().path());
        }
        // what the report says of them
        assertEquals(List.of(), report.failedFiles().stream().map(f -> f.path() + ": " + f.error()).toList(),
                "files reported not committed although readers see every block of them (state " + report.state() + ", stop reason "
                        + report.stopReason() + ")");
        assertEquals(LoadState.SUCCEEDED, report.state());
    }
}
