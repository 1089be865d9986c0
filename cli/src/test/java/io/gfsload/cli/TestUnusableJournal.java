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
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal whose store cannot be used (a process killed while deleting it left CURRENT naming a
 * MANIFEST that is gone) does not block its job: the same command moves it aside, says so, starts
 * the job afresh and succeeds. A journal that cannot be opened for another reason fails the
 * command (exit 4), and the message names {@code --restart}, which starts the job afresh.
 */
class TestUnusableJournal {
    @TempDir
    Path home;

    @TempDir
    Path clusterDirectory;

    @Test
    void aHalfDeletedJournalIsMovedAsideAndTheSameCommandSucceeds() throws Exception {
        Path data = writeFiles(100_000, 100_001);
        Path jobs = home.resolve("jobs");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            String jobId = journalOf(jobs, data, client);
            Path directory = jobs.resolve(jobId);
            // what a success's delete in place, killed after the OPTIONS and MANIFEST files, left
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    String name = file.getFileName().toString();
                    if (name.startsWith("OPTIONS") || name.startsWith("MANIFEST")) {
                        Files.delete(file);
                    }
                }
            }

            CliRun run = CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", "--master", cluster.masterTarget(), data.toString());

            assertEquals(0, run.exitCode(), run.err());
            Path aside;
            try (Stream<Path> entries = Files.list(jobs)) {
                List<Path> left = entries.toList();
                assertEquals(1, left.size(), left.toString());
                aside = left.get(0);
            }
            assertTrue(aside.getFileName().toString().matches(jobId + "\\.unusable-\\d{8}T\\d{9}Z"), aside.toString());
            assertTrue(run.err().lines().anyMatch(line -> line.matches("The journal of job %s cannot be used \\(While opening a file for sequentially reading: %s/MANIFEST-\\d+: No such file or directory\\); moved it to %s and starting the job afresh"
                    .formatted(jobId, Pattern.quote(directory.toString()), Pattern.quote(aside.toString())))), run.err());
            JsonNode report = new ObjectMapper().readTree(run.out());
            assertEquals("SUCCEEDED", report.get("state").asText());
            assertEquals(1, report.get("job").get("run").asLong());
            assertEquals(0, report.get("job").get("previousBlocks").asLong());
            assertEquals(2, report.get("totals").get("blocksLoaded").asLong());

            // and again: nothing left to resume, nothing moved aside
            CliRun again = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString());
            assertEquals(0, again.exitCode(), again.err());
            assertFalse(again.err().contains("cannot be used"), again.err());
        }
    }

    @Test
    void aJournalThatCannotBeOpenedForAnotherReasonFailsNamingRestart() throws Exception {
        Path data = writeFiles(100_000);
        Path jobs = home.resolve("jobs");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            String jobId = journalOf(jobs, data, client);
            Path directory = jobs.resolve(jobId);
            // a journal RocksDB cannot lock: nothing says its records are lost
            Files.delete(directory.resolve("LOCK"));
            Files.createDirectory(directory.resolve("LOCK"));

            CliRun run = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString());

            assertEquals(4, run.exitCode(), run.err());
            assertTrue(run.err().contains("gfsload: Cannot open the journal of job %s in %s: while open a file for lock: %s: Is a directory; the same command with --restart starts the job afresh"
                    .formatted(jobId, directory, directory.resolve("LOCK"))), run.err());
            assertTrue(Files.isDirectory(directory.resolve("LOCK")), "left as it is");

            CliRun restarted = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--restart", "--master", cluster.masterTarget(), data.toString());
            assertEquals(0, restarted.exitCode(), restarted.err());
            try (Stream<Path> entries = Files.list(jobs)) {
                assertEquals(List.of(), entries.toList());
            }
        }
    }

    /** Files {@code part-0}, {@code part-1}, ... of the given lengths in {@code home/data}. */
    private Path writeFiles(int... lengths) throws java.io.IOException {
        Path data = Files.createDirectories(home.resolve("data"));
        for (int i = 0; i < lengths.length; i++) {
            Files.write(data.resolve("part-" + i), new byte[lengths[i]]);
        }
        return data;
    }

    /** The id of the job of {@code distributedLoad data}, whose journal a run that recorded one block left in {@code jobs}. */
    private static String journalOf(Path jobs, Path data, CacheClient client) {
        LoadRequest request = new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1);
        try (JobJournal journal = JobJournal.open(jobs, request, false, client.clusterInfo().clusterId(), false)) {
            journal.recordCommitted("f0-0");
            return journal.jobId();
        }
    }
}
