package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.InvalidRequestException;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load deletes, as it starts, the journals that killed or failed runs of other jobs left and no
 * run has written for {@code $GFSLOAD_JOURNAL_RETENTION} (14 days by default), and says so; the
 * journal of its own job it resumes, however old.
 */
class TestJournalRetention {
    @TempDir
    Path home;

    @TempDir
    Path clusterDirectory;

    @Test
    void aLoadDeletesTheJournalsOfOtherJobsNotRunForTheRetention() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[100_000]);
        Path jobs = home.resolve("jobs");
        Instant now = Instant.now();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            String clusterId = client.clusterInfo().clusterId();
            // what killed nightly loads of other partitions left, 15 and 13 days ago
            String stale = killedRun(jobs, "/warehouse/events/dt=2026-11-05", clusterId, now.minus(Duration.ofDays(15)));
            String recent = killedRun(jobs, "/warehouse/events/dt=2026-11-07", clusterId, now.minus(Duration.ofDays(13)));
            // and a killed run of this very command, long ago: resumed, not deleted
            String own = killedRun(jobs, "file:" + data, clusterId, now.minus(Duration.ofDays(30)));

            CliRun run = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString());

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().lines().anyMatch(line -> line.matches(
                    "Deleted 1 journal of jobs not run for 14 days \\(GFSLOAD_JOURNAL_RETENTION\\), \\d+\\.\\d (B|KiB|MiB) freed, from "
                            + java.util.regex.Pattern.quote(jobs.toString()))), run.err());
            assertTrue(run.err().contains("Resuming job %s (run 2)".formatted(own)), run.err());
            assertFalse(Files.exists(jobs.resolve(stale)));
            assertTrue(Files.exists(jobs.resolve(recent)));

            // a shorter retention, as the environment sets it
            CliRun shorter = CliRun.gfsload(new CliEnvironment(home).withJournalRetention("12d"), "distributedLoad", "--progress", "none",
                    "--master", cluster.masterTarget(), data.toString());

            assertEquals(0, shorter.exitCode(), shorter.err());
            assertTrue(shorter.err().contains("Deleted 1 journal of jobs not run for 12 days (GFSLOAD_JOURNAL_RETENTION)"), shorter.err());
            try (Stream<Path> left = Files.list(jobs)) {
                assertEquals(List.of(), left.toList());
            }

            // nothing to delete: nothing said
            CliRun again = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", cluster.masterTarget(), data.toString());
            assertEquals(0, again.exitCode(), again.err());
            assertFalse(again.err().contains("Deleted"), again.err());
        }
    }

    @Test
    void aRetentionWithoutAUnitInMillisecondsOrUnderAnHourIsRefused() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[1_000]);
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30))) {
            String notATime = "expected a whole number and a unit, s, min, h (hour) or d (day), such as 14d";
            String tooShort = "at least 1 h, so that a job killed a moment ago can resume";
            // milliseconds, given or implied, and less than an hour would delete the journals of loads killed a moment ago
            Map<String, String> refused = new LinkedHashMap<>();
            List.of("14", "500ms", "86400000 ms", "2 milliseconds").forEach(retention -> refused.put(retention, notATime));
            List.of("1s", "30min", "3599s").forEach(retention -> refused.put(retention, tooShort));
            refused.forEach((retention, reason) -> {
                CliRun run = CliRun.gfsload(new CliEnvironment(home).withJournalRetention(retention), "distributedLoad", "--progress", "none",
                        "--master", cluster.masterTarget(), data.toString());

                assertEquals(2, run.exitCode(), retention + ": " + run.err());
                assertTrue(run.err().contains("Invalid GFSLOAD_JOURNAL_RETENTION '%s': %s".formatted(retention, reason)), run.err());
                assertFalse(run.err().contains("Deleted"), run.err());
            });
        }
    }

    @Test
    void aBadRetentionIsRefusedBeforeTheCacheIsAsked() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // no master answers there: the retention, bad input, is said first, before any attempt to reach it
        CliRun run = CliRun.gfsload(new CliEnvironment(home).withJournalRetention("0d"), "distributedLoad", "--progress", "none",
                "--master", "127.0.0.1:" + closedPort, home.toString());

        assertEquals(2, run.exitCode(), run.err());
        assertEquals("gfsload: Invalid GFSLOAD_JOURNAL_RETENTION '0d': at least 1 h, so that a job killed a moment ago can resume", run.err().strip());
    }

    @Test
    void planRefusesABadRetentionAsTheDryRunAndTheLoadDo() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // plan exits as the load would: a bad retention is bad input there too, said before the cache is asked
        for (List<String> command : List.of(List.of("plan", "--path"), List.of("distributedLoad", "--dry-run"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of(home.toString(), "--master", "127.0.0.1:" + closedPort));
            CliRun run = CliRun.gfsload(new CliEnvironment(home).withJournalRetention("0d"), args.toArray(String[]::new));

            assertEquals(2, run.exitCode(), command + ": " + run.err());
            assertEquals("gfsload: Invalid GFSLOAD_JOURNAL_RETENTION '0d': at least 1 h, so that a job killed a moment ago can resume",
                    run.err().strip(), command.toString());
        }
    }

    @Test
    void aRetentionOfZeroOrOverTenYearsIsRefusedSayingSo() {
        for (String retention : List.of("0d", "0h", "0s")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> new CliEnvironment(home).withJournalRetention(retention).journalRetention());
            assertEquals("Invalid GFSLOAD_JOURNAL_RETENTION '%s': at least 1 h, so that a job killed a moment ago can resume".formatted(retention),
                    e.getMessage());
        }
        for (String retention : List.of("3651d", "99999999999999999999d")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> new CliEnvironment(home).withJournalRetention(retention).journalRetention());
            assertEquals("Invalid GFSLOAD_JOURNAL_RETENTION '%s': at most 3650 days".formatted(retention), e.getMessage());
        }
        assertEquals(Duration.ofDays(3650), new CliEnvironment(home).withJournalRetention("3650d").journalRetention());
    }

    @Test
    void theRetentionIsSaidInTheUnitThatHoldsItWhole() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-0"), new byte[1_000]);
        Path jobs = home.resolve("jobs");
        Instant now = Instant.now();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(clusterDirectory, 1, 1L << 30)); CacheClient client = cluster.newClient()) {
            String clusterId = client.clusterInfo().clusterId();
            String stale = killedRun(jobs, "/warehouse/events/dt=2026-11-05", clusterId, now.minus(Duration.ofHours(2)));

            CliRun run = CliRun.gfsload(new CliEnvironment(home).withJournalRetention("90min"), "distributedLoad", "--progress", "none",
                    "--master", cluster.masterTarget(), data.toString());

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.err().contains("Deleted 1 journal of jobs not run for 90 min (GFSLOAD_JOURNAL_RETENTION)"), run.err());
            assertFalse(Files.exists(jobs.resolve(stale)));
        }
        assertEquals("14 days", LoadAction.describe(Duration.ofDays(14)));
        assertEquals("1 day", LoadAction.describe(Duration.ofHours(24)));
        assertEquals("36 h", LoadAction.describe(Duration.ofHours(36)));
        assertEquals("45 s", LoadAction.describe(Duration.ofSeconds(45)));
        assertEquals("90 s", LoadAction.describe(Duration.ofSeconds(90)));
    }

    /** Leaves the journal of a load of {@code path} as a killed run does, last written at {@code lastWritten}; returns its job id. */
    private static String killedRun(Path jobs, String path, String clusterId, Instant lastWritten) throws Exception {
        String jobId;
        try (JobJournal journal = JobJournal.open(jobs, new LoadRequest(new LoadTarget.Paths(List.of(path)), 1), false, clusterId, false)) {
            journal.recordRead(1_000);
            jobId = journal.jobId();
        }
        Path directory = jobs.resolve(jobId);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, FileTime.from(lastWritten));
            }
        }
        Files.setLastModifiedTime(directory, FileTime.from(lastWritten));
        return jobId;
    }
}
