package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal is tied to the cache cluster its runs loaded into: the same command run against
 * another cluster (here the embedded one, after a run against a cluster elsewhere left its journal)
 * starts the job afresh, says so, and reports no earlier runs. Against the same cluster it resumes,
 * and says what the earlier runs did.
 */
class TestJournalOfAnotherCluster {
    @TempDir
    Path home;

    @TempDir
    Path elsewhere;

    @Test
    void aJournalLeftByARunAgainstAnotherClusterIsNotResumed() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        for (int i = 0; i < 3; i++) {
            Files.write(data.resolve("part-%d".formatted(i)), new byte[100_000 + i]);
        }
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        // what a run against the other cluster, interrupted, leaves in $GFSLOAD_HOME/jobs
        String otherClusterId;
        try (LocalCluster other = LocalCluster.start(new LocalClusterConfig(elsewhere, 1, 1L << 30)); CacheClient client = other.newClient()) {
            otherClusterId = client.clusterInfo().clusterId();
        }
        try (JobJournal journal = JobJournal.open(home.resolve("jobs"), request, false, otherClusterId, false)) {
            journal.recordCommitted(List.of("f0-0", "f1-0"));
            journal.recordRead(200_001);
        }

        CliRun run = CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", data.toString());

        assertEquals(0, run.exitCode(), run.err());
        String jobId = JobJournal.jobId(request, false);
        assertTrue(run.err().contains("The journal of job %s was written against another cache cluster (%s); starting the job afresh%n"
                .formatted(jobId, otherClusterId)), run.err());
        assertFalse(run.err().contains("Resuming job"), run.err());
        assertTrue(lineIndex(run.err(), "The journal of job ") < lineIndex(run.err(), "Loading 3 files"), "what became of the journal first: " + run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(jobId, report.get("job").get("jobId").asText());
        assertEquals(1, report.get("job").get("run").asLong());
        assertEquals(0, report.get("job").get("previousBlocks").asLong());
        assertEquals(0, report.get("job").get("previousBlocksCached").asLong());
        assertEquals(0, report.get("job").get("previousUfsBytesRead").asLong());
        assertEquals(3, report.get("totals").get("blocksLoaded").asLong());
        assertFalse(Files.exists(home.resolve("jobs").resolve(jobId)), "a job that succeeds deletes its journal");

        // the same again, with everything cached now: the journal's line comes before the one saying there is nothing to load
        try (JobJournal journal = JobJournal.open(home.resolve("jobs"), request, false, otherClusterId, false)) {
            journal.recordCommitted(List.of("f0-0"));
        }
        CliRun cached = CliRun.gfsload(home, "distributedLoad", "--progress", "none", data.toString());
        assertEquals(0, cached.exitCode(), cached.err());
        assertTrue(lineIndex(cached.err(), "The journal of job %s was written against another cache cluster".formatted(jobId))
                < lineIndex(cached.err(), "Nothing to load: 3 files, 3 blocks"), cached.err());
    }

    /** The index of the first line of {@code text} that starts with {@code prefix}; fails when none does. */
    private static int lineIndex(String text, String prefix) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("No line starts with '%s': %s".formatted(prefix, text));
    }

    @Test
    void aRunAfterOneThatCommittedNothingSaysSo() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[100_000]);
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(elsewhere, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            // what a run that failed before committing anything leaves
            JobJournal.open(home.resolve("jobs"), request, false, client.clusterInfo().clusterId(), false).close();

            CliRun run = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString());

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("Resuming job %s (run 2): the earlier run committed nothing%n".formatted(JobJournal.jobId(request, false))),
                    run.err());
        }
    }

    @Test
    void aResumeSaysHowManyOfTheBlocksEarlierRunsCommittedAreStillCached() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[100_000]);
        Files.write(data.resolve("part-1"), new byte[100_000]);
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(elsewhere, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            CliRun first = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString() + "/part-0");
            assertEquals(0, first.exitCode(), first.err());
            // an earlier, killed run committed both files' blocks; one of them has been evicted since
            try (JobJournal journal = JobJournal.open(home.resolve("jobs"), request, false, client.clusterInfo().clusterId(), false)) {
                journal.recordCommitted(List.of(
                        new io.gfsload.cache.api.BlockKey(CacheContents.identity("file:" + data.resolve("part-0")), 0).blockId(),
                        new io.gfsload.cache.api.BlockKey(CacheContents.identity("file:" + data.resolve("part-1")), 0).blockId()));
                journal.recordRead(200_000);
            }

            Path reportFile = elsewhere.resolve("report.json");
            CliRun run = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--report", reportFile.toString(), "--master", cluster.masterTarget(),
                    data.toString());

            assertEquals(0, run.exitCode(), run.err());
            String jobId = JobJournal.jobId(request, false);
            assertTrue(run.err().contains("Resuming job %s (run 2): 2 blocks committed (1 of them cached now), 195.3 KiB read from the UFS by the earlier run%n"
                    .formatted(jobId)), run.err());
            assertTrue(lineIndex(run.err(), "Resuming job ") < lineIndex(run.err(), "Loading 1 of 2 files"), "the resume explains the Loading line: " + run.err());
            assertTrue(run.out().contains("  blocks  2 planned: 1 loaded, 1 already cached, 0 failed"), run.out());
            assertTrue(run.out().contains("  resumed job %s, run 2: the journal records 2 blocks committed (1 of them cached when this run started)"
                    .formatted(jobId)), run.out());
            // the report carries both figures, as the status line does
            JsonNode job = new ObjectMapper().readTree(reportFile.toFile()).get("job");
            assertEquals(jobId, job.get("jobId").asText(), job.toString());
            assertEquals(2, job.get("run").asLong(), job.toString());
            assertEquals(2, job.get("previousBlocks").asLong(), job.toString());
            assertEquals(1, job.get("previousBlocksCached").asLong(), job.toString());
            assertEquals(200_000, job.get("previousUfsBytesRead").asLong(), job.toString());
        }
    }

    /**
     * After a killed run, files rewritten or deleted in the UFS are not the cache's loss: the
     * resume counts their committed blocks apart from those cached now (and those evicted or lost).
     */
    @Test
    void aResumeCountsTheBlocksOfFilesChangedOrDeletedSinceApart() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Path kept = Files.write(data.resolve("part-0"), new byte[100_000]);
        Path rewritten = Files.write(data.resolve("part-1"), new byte[100_000]);
        Path deleted = Files.write(data.resolve("part-2"), new byte[100_000]);
        Path evicted = Files.write(data.resolve("part-3"), new byte[100_000]);
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(elsewhere, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            CliRun first = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), kept.toString());
            assertEquals(0, first.exitCode(), first.err());
            // an earlier, killed run committed the four files' blocks; since then one file was
            // rewritten, one deleted, and the block of one evicted
            try (JobJournal journal = JobJournal.open(home.resolve("jobs"), request, false, client.clusterInfo().clusterId(), false)) {
                journal.recordCommitted(List.of(kept, rewritten, deleted, evicted).stream()
                        .map(path -> new io.gfsload.cache.api.BlockKey(CacheContents.identity("file:" + path), 0).blockId())
                        .toList());
                journal.recordRead(400_000);
            }
            Files.write(rewritten, new byte[120_000]);
            Files.delete(deleted);

            Path reportFile = elsewhere.resolve("report.json");
            CliRun run = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--report", reportFile.toString(), "--master", cluster.masterTarget(),
                    data.toString());

            assertEquals(0, run.exitCode(), run.err());
            String jobId = JobJournal.jobId(request, false);
            assertTrue(run.err().contains("Resuming job %s (run 2): 4 blocks committed (1 of them cached now, 2 of files changed or deleted since), "
                    .formatted(jobId) + "390.6 KiB read from the UFS by the earlier run%n".formatted()), run.err());
            assertTrue(run.out().contains("  resumed job %s, run 2: the journal records 4 blocks committed (1 of them cached when this run started, "
                    .formatted(jobId) + "2 of files changed or deleted since)"), run.out());
            JsonNode job = new ObjectMapper().readTree(reportFile.toFile()).get("job");
            assertEquals(4, job.get("previousBlocks").asLong(), job.toString());
            assertEquals(1, job.get("previousBlocksCached").asLong(), job.toString());
            assertEquals(2, job.get("previousBlocksOfChangedFiles").asLong(), job.toString());
        }
    }

    @Test
    void aSparkJobsResumeSaysItsJournalHearsFinishedSlicesOnly() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[100_000]);
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        // slices loaded in this process, one after the other, as executors would load them
        io.gfsload.executor.DistributedLoad.Slices inProcess = new io.gfsload.executor.DistributedLoad.Slices() {
            @Override
            public int parallelism() {
                return 1;
            }

            @Override
            public void run(List<io.gfsload.executor.SliceLoad> slices, java.util.function.BiConsumer<io.gfsload.executor.SliceLoad,
                    io.gfsload.executor.SliceProgress> progress, java.util.function.BiConsumer<io.gfsload.executor.SliceLoad,
                    io.gfsload.executor.LoadReport> finished) {
                slices.forEach(slice -> finished.accept(slice, slice.load()));
            }
        };
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(elsewhere, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            // what a job killed before any slice finished leaves
            JobJournal.open(home.resolve("jobs"), request, false, client.clusterInfo().clusterId(), false).close();

            CliRun run = CliRun.gfsload(new CliEnvironment(home).withSlices(inProcess), "distributedLoad", "--progress", "none", "--master",
                    cluster.masterTarget(), data.toString());

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("Resuming job %s (run 2): no slice of the earlier run finished; blocks of the plan already cached are not "
                    .formatted(JobJournal.jobId(request, false)) + "loaded again"), run.err());
            // the read threads are each slice's, not this process's
            assertTrue(run.err().contains("Loading 1 file, 1 block, 97.7 KiB (0 B already cached) with replication 1, in slices on the Spark executors, "
                    + "1 at a time, up to 1 read thread each\n"), run.err());
            assertEquals(1, client.cachedBlocks(io.gfsload.cli.CacheContents.identity("file:" + data.resolve("part-0"))).size(), "loaded by the slice");
        }
    }
}
