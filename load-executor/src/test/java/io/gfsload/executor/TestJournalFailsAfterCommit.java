package io.gfsload.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.advisor.Setting;
import io.gfsload.advisor.Settings;
import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.planner.BlockTask;
import io.gfsload.planner.FileLoad;
import io.gfsload.planner.LoadPlan;
import io.gfsload.planner.PartitionLoad;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The job's journal fails to be written (its disk full) right after the master committed what the
 * write records: what the master committed is loaded all the same, and the report counts it so and
 * says what the journal lacks, rather than failing the files or losing the report.
 */
class TestJournalFailsAfterCommit {
    private static final long BLOCK = 128 << 10;
    private static final String DISK_FULL = "IO error: No space left on device";
    private static final String TOKEN = "slice-token-journal";
    private static final Pattern NOT_RECORDED = Pattern.compile("the journal lacks (\\d+) blocks? this run committed, which are loaded");

    @TempDir
    Path directory;

    private LocalCluster cluster;
    private CacheClient client;
    private Path data;
    private Path jobs;

    @BeforeEach
    void start() {
        cluster = LocalCluster.start(LocalClusterConfig.builder(directory.resolve("cluster")).workers(2).workerCapacityBytes(64L << 20).token(TOKEN).build());
        client = cluster.newClient();
        data = directory.resolve("data");
        jobs = directory.resolve("jobs");
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /**
     * FILE with 300,000-byte files records each file's blocks after its commit, FILE with
     * 50,000-byte files each batch of small files', PARTITION and JOB the scope's once it commits.
     */
    @ParameterizedTest
    @CsvSource({"FILE, 300000", "FILE, 50000", "PARTITION, 300000", "JOB, 300000"})
    void anAtomicLoadWhoseJournalFailsAfterTheFirstCommitKeepsItsFilesLoaded(AtomicOptions.Scope scope, int fileBytes) throws IOException {
        LoadPlan plan = plan(fileBytes);
        String jobId = "journal-fails-" + scope.name().toLowerCase() + "-" + fileBytes;
        LoadReport report;
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), Optional.of(scope), client.clusterInfo().clusterId(), false)) {
            TempAreas failingAfterCommit = new ForwardingTempAreas(client.tempAreas()) {
                @Override
                public ScopeCommit commitScope(String job, List<BlockKey> blocks, TempAreaRun run) {
                    ScopeCommit committed = delegate.commitScope(job, blocks, run);
                    journal.failWrites(DISK_FULL);
                    return committed;
                }
            };
            CacheClient cache = new ForwardingCacheClient(client) {
                @Override
                public TempAreas tempAreas() {
                    return failingAfterCommit;
                }
            };
            ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2))
                    .withAtomic(new AtomicOptions(jobId, scope, Duration.ofHours(1)));

            report = new LoadExecutor(cache, new Configuration(), settings(), options, ProgressListener.NONE, Clock.systemUTC())
                    .execute(plan, Optional.of(journal));

            journal.failWrites(null);
        }

        assertLoaded(plan, report);
        assertEquals(plan.stats().blocksToLoad(), notRecorded(report), "the first commit's blocks too: " + report.job().warning());
        assertEquals(0, previousBlocks(plan, Optional.of(scope)), "no write of the journal succeeded after the first commit");
    }

    /** A plain load commits each block as it is written: the blocks written after the journal failed are loaded all the same. */
    @Test
    void aPlainLoadWhoseJournalFailsAfterABlockCommittedKeepsItsFilesLoaded() throws IOException {
        LoadPlan plan = plan(300000);
        LoadReport report;
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false)) {
            ProgressListener failingAfterABlock = new ProgressListener() {
                @Override
                public void blockLoaded(BlockTask block) {
                    journal.failWrites(DISK_FULL);
                }
            };
            ExecutorOptions options = ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2));

            report = new LoadExecutor(client, new Configuration(), settings(), options, failingAfterABlock, Clock.systemUTC())
                    .execute(plan, Optional.of(journal));

            journal.failWrites(null);
        }

        assertLoaded(plan, report);
        long notRecorded = notRecorded(report);
        assertTrue(notRecorded > 0, report.job().warning());
        assertEquals(plan.stats().blocksToLoad(), previousBlocks(plan, Optional.empty()) + notRecorded,
                "each block committed is recorded or counted as not: " + report.job().warning());
    }

    /** The slices commit their files: the journal of the load that failed as the first slice reported keeps the slices' files loaded. */
    @Test
    void aLoadInSlicesWhoseJournalFailsAsASliceReportsKeepsItsFilesLoaded() throws IOException {
        LoadPlan plan = plan(300000);
        LoadReport report;
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false)) {
            // each slice committed its files before it reports
            DistributedLoad.Slices failingAsTheyReport = InProcessSlices.of(2, (slices, progress, finished) -> slices.forEach(slice -> {
                LoadReport loaded = slice.load();
                journal.failWrites(DISK_FULL);
                finished.accept(slice, loaded);
            }));

            report = distributed(failingAsTheyReport, ExecutorOptions.defaults(), client).execute(plan, Optional.of(journal));

            journal.failWrites(null);
        }

        assertLoaded(plan, report);
        assertEquals(plan.stats().blocksToLoad(), notRecorded(report), report.job().warning());
        assertEquals(0, previousBlocks(plan, Optional.empty()));
    }

    /** The load commits the job's scope once its slices staged it: a journal failing then keeps the job loaded. */
    @Test
    void aLoadInSlicesWhoseJournalFailsAfterTheJobCommittedKeepsItsFilesLoaded() throws IOException {
        LoadPlan plan = plan(300000);
        LoadReport report;
        AtomicBoolean committed = new AtomicBoolean();
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), Optional.of(AtomicOptions.Scope.JOB), client.clusterInfo().clusterId(), false)) {
            TempAreas failingAfterCommit = new ForwardingTempAreas(client.tempAreas()) {
                @Override
                public ScopeCommit commitScope(String job, List<BlockKey> blocks, TempAreaRun run) {
                    ScopeCommit answer = delegate.commitScope(job, blocks, run);
                    committed.set(true);
                    journal.failWrites(DISK_FULL);
                    return answer;
                }
            };
            CacheClient driver = new ForwardingCacheClient(client) {
                @Override
                public TempAreas tempAreas() {
                    return failingAfterCommit;
                }
            };
            ExecutorOptions options = ExecutorOptions.defaults().withAtomic(new AtomicOptions("journal-fails-job-in-slices", AtomicOptions.Scope.JOB,
                    Duration.ofHours(1)));

            report = distributed(InProcessSlices.oneAfterAnother(2), options, driver).execute(plan, Optional.of(journal));

            journal.failWrites(null);
        }

        assertTrue(committed.get(), "the load committed the job through its driver");
        assertLoaded(plan, report);
        assertEquals(plan.stats().blocksToLoad(), notRecorded(report), report.job().warning());
        assertEquals(0, previousBlocks(plan, Optional.of(AtomicOptions.Scope.JOB)));
    }

    /** A journal that records everything leaves the report's job without a warning. */
    @Test
    void aJournalThatRecordsEverythingLeavesNoWarning() throws IOException {
        LoadPlan plan = plan(300000);
        LoadReport report;
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false)) {
            report = new LoadExecutor(client, new Configuration(), settings(), ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC())
                    .execute(plan, Optional.of(journal));
        }

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertNull(report.job().warning());
        assertEquals(plan.stats().blocksToLoad(), previousBlocks(plan, Optional.empty()));
    }

    /** The job succeeded as its journal failed: the journal, which could not be closed cleanly, is deleted all the same. */
    @Test
    void aJobThatSucceedsAsItsJournalFailsHasItsReportAndNoJournal() throws IOException {
        LoadPlan plan = plan(300000);
        LoadExecutor executor = new LoadExecutor(client, new Configuration(), settings(), ExecutorOptions.defaults(), ProgressListener.NONE, Clock.systemUTC());

        LoadReport report = JobJournal.withJournal(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false, journal -> {
            LoadReport loaded = executor.execute(plan, Optional.of(journal));
            journal.failWrites(DISK_FULL);
            return loaded;
        });

        assertEquals(LoadState.SUCCEEDED, report.state(), report.failedFiles().toString());
        assertNull(report.job().warning(), "the journal recorded every block, and is deleted with what it could not write as it closed");
        assertFalse(JobJournal.exists(jobs, JobJournal.jobId(plan.request(), Optional.empty())), "the job is done: its journal is deleted");
    }

    /** A partial load keeps its journal for the next run: one that cannot be written as it closes keeps the report, which says so. */
    @Test
    void aPartialLoadWhoseJournalCannotBeClosedHasItsReport() throws IOException {
        LoadPlan plan = plan(300000);
        // gone from the UFS since it was planned: the file fails, the others are loaded
        Files.delete(data.resolve("p1").resolve("b"));
        LoadExecutor executor = new LoadExecutor(client, new Configuration(), settings(),
                ExecutorOptions.defaults().withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)), ProgressListener.NONE, Clock.systemUTC());

        LoadReport report = JobJournal.withJournal(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false, journal -> {
            LoadReport loaded = executor.execute(plan, Optional.of(journal));
            journal.failWrites(DISK_FULL);
            return loaded;
        });

        assertEquals(LoadState.PARTIAL, report.state(), report.failedFiles().toString());
        assertEquals(List.of("/p1/b"), report.failedFiles().stream().map(file -> file.path().substring(file.path().length() - "/p1/b".length())).toList());
        String warning = report.job().warning();
        assertNotNull(warning, "the report says the journal failed");
        assertTrue(warning.matches("Cannot write the journal of job [0-9a-f]{16}: " + DISK_FULL + "; the journal keeps the count of the UFS bytes read it "
                + "last recorded, not this run's exact figure"), warning);
        long loaded = plan.stats().blocksToLoad() - report.failedFiles().get(0).blocks();
        assertEquals(loaded, previousBlocks(plan, Optional.empty()), "the journal is kept with the blocks the run committed");
    }

    /** A load that fails is reported by its own failure, not by the journal's failing to close after it. */
    @Test
    void aLoadThatFailsIsNotHiddenByItsJournalFailingToClose() throws IOException {
        LoadPlan plan = plan(300000);

        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> JobJournal.withJournal(jobs, plan.request(), Optional.empty(), client.clusterInfo().clusterId(), false, journal -> {
                    // it read some, which the journal writes exactly as it closes
                    journal.recordRead(1000);
                    journal.failWrites(DISK_FULL);
                    throw new IllegalStateException("A load task failed unexpectedly");
                }));

        assertEquals("A load task failed unexpectedly", failure.getMessage());
        assertEquals(1, failure.getSuppressed().length, List.of(failure.getSuppressed()).toString());
        assertTrue(failure.getSuppressed()[0].getMessage().endsWith(": " + DISK_FULL), failure.getSuppressed()[0].getMessage());
    }

    private LoadPlan plan(int fileBytes) throws IOException {
        for (String partition : List.of("p0", "p1")) {
            Files.createDirectories(data.resolve(partition));
            for (String name : List.of("a", "b")) {
                byte[] content = new byte[fileBytes];
                new Random((partition + name).hashCode()).nextBytes(content);
                Files.write(data.resolve(partition).resolve(name), content);
            }
        }
        return LocalPlans.plan(client, data, BLOCK, 1);
    }

    /** That every file of {@code plan} is loaded and visible to readers, and {@code report} says so, with a warning of the journal's failure. */
    private void assertLoaded(LoadPlan plan, LoadReport report) {
        assertEquals(List.of(), report.failedFiles().stream().map(file -> file.path() + ": " + file.error()).toList());
        assertEquals(LoadState.SUCCEEDED, report.state());
        assertEquals(plan.stats().blocksToLoad(), report.totals().blocksLoaded());
        for (PartitionLoad partition : plan.partitions()) {
            for (FileLoad file : partition.files()) {
                assertEquals(file.blocks().size(), client.cachedBlocks(file.file()).size(), "visible blocks of " + file.file().path());
            }
        }
        assertNotNull(report.job().warning(), "the report says the journal failed");
        assertTrue(report.job().warning().startsWith("Cannot write the journal of job "), report.job().warning());
        assertTrue(report.job().warning().contains(DISK_FULL), report.job().warning());
    }

    /** The blocks the warning of {@code report}'s job says the journal lacks. */
    private static long notRecorded(LoadReport report) {
        Matcher matcher = NOT_RECORDED.matcher(report.job().warning());
        assertTrue(matcher.find(), report.job().warning());
        return Long.parseLong(matcher.group(1));
    }

    /** The blocks the journal of {@code plan}'s job records committed, as the next run finds it. */
    private long previousBlocks(LoadPlan plan, Optional<AtomicOptions.Scope> scope) {
        try (JobJournal journal = JobJournal.open(jobs, plan.request(), scope, client.clusterInfo().clusterId(), false)) {
            return journal.previousBlocks();
        }
    }

    private DistributedLoad distributed(DistributedLoad.Slices slices, ExecutorOptions options, CacheClient driver) {
        return new DistributedLoad(slices, driver, new DistributedLoad.Connection(cluster.masterTarget(), Optional.of(TOKEN), Map.of()), share -> settings(),
                options, ProgressListener.NONE, Clock.systemUTC());
    }

    private static Settings settings() {
        return new Settings(List.of(
                new Setting(Settings.UFS_READ_THREADS, 2, "threads", "test"),
                new Setting(Settings.READ_BUFFER_BYTES, 64 << 10, "bytes", "test")));
    }
}
