package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.JobJournal;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs of one atomic job from two gfsload homes (a scheduler's retry on another worker): a
 * run the master refuses the job's temp area, since another run still holds it, is refused before
 * it says what it would load or adopt, and leaves its home's journal as it found it; a run that
 * ends lets go of the area, and a run from the other home adopts it at once.
 */
class TestAtomicRunsFromTwoHomes {
    /** One block each (64 MiB blocks), larger than a small file: each file is staged on its own. */
    private static final int FILE_BYTES = 3 << 19;
    private static final long WORKER_BYTES = 64L << 20;

    @TempDir
    Path directory;

    @Test
    void aRefusedRunSaysNothingOfWhatItWouldLoadAndLeavesItsJournalAsItWas() throws IOException {
        String path = writeFiles("atomic-refused");
        Path home = directory.resolve("home-2");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES));
                CacheClient client = cluster.newClient()) {
            String[] command = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), path};
            // part-1 cannot be read: part-0 stays staged, and the job's journal here records run 1
            CliRun partial = withUnreadablePart1("atomic-refused", () -> CliRun.gfsload(home, command));
            assertEquals(ExitCode.FAILED, partial.exitCode(), partial.err());
            TempArea area = client.tempAreas().listTempAreas().get(0);
            String jobId = area.jobId();
            assertEquals(1, area.blocks().size(), "part-0 is staged");
            // a run of the job from a third home, still going: it holds the area and renews it
            TempAreaRun other = new TempAreaRun("run-from-home-1", Duration.ofSeconds(30));
            client.tempAreas().openTempArea(jobId, Duration.ofHours(24), other);

            CliRun refused = CliRun.gfsload(home, command);
            CliRun refusedFresh = CliRun.gfsload(directory.resolve("home-3"), command);

            for (CliRun run : List.of(refused, refusedFresh)) {
                assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
                List<String> lines = run.err().lines().filter(line -> line.startsWith("gfsload:")).toList();
                assertEquals(1, lines.size(), run.err());
                assertTrue(lines.get(0).startsWith("gfsload: Cannot run atomic job %s: another run of it (from another gfsload home or host) renewed its temp area "
                        .formatted(jobId)), lines.get(0));
                assertFalse(run.err().contains("Loading"), "said what it would load: " + run.err());
                assertFalse(run.err().contains("adopting"), "said what it would adopt: " + run.err());
                assertFalse(run.err().contains("Resuming job"), "said which run it was: " + run.err());
            }
            assertFalse(JobJournal.exists(new CliEnvironment(directory.resolve("home-3")).jobsDirectory(), jobId),
                    "the refused run left a journal in a home where the job never ran");

            // the other run ends: the next run from here is the second, and adopts what the first staged
            assertTrue(client.tempAreas().releaseTempArea(jobId, other));
            CliRun resumed = CliRun.gfsload(home, command);
            assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err());
            assertTrue(resumed.err().contains("Resuming job %s (run 2): ".formatted(jobId)), resumed.err());
            assertTrue(resumed.err().contains("adopting 1 block, 1.5 MiB staged by an earlier run of the job"), resumed.err());
        }
    }

    @Test
    void aRunThatEndedLetsARunFromAnotherHomeAdoptTheAreaAtOnce() throws IOException {
        String path = writeFiles("atomic-released");
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES))) {
            String[] command = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), path};
            CliRun failed = withUnreadablePart1("atomic-released", () -> CliRun.gfsload(directory.resolve("home-1"), command));
            assertEquals(ExitCode.FAILED, failed.exitCode(), "the job scope commits nothing: " + failed.err());

            // a retry on another host, right after the first attempt failed
            CliRun retry = CliRun.gfsload(directory.resolve("home-2"), command);

            assertEquals(ExitCode.OK, retry.exitCode(), retry.err());
            assertTrue(retry.err().contains("adopting 1 block, 1.5 MiB staged by an earlier run of the job"), retry.err());
        }
    }

    /** Two files under {@code faulty://<authority>}, whose part-1 {@link #withUnreadablePart1} makes unreadable. */
    private String writeFiles(String authority) throws IOException {
        Path data = Files.createDirectories(directory.resolve("data"));
        Files.write(data.resolve("part-0"), new byte[FILE_BYTES]);
        Files.write(data.resolve("part-1"), new byte[FILE_BYTES]);
        return "faulty://" + authority + data;
    }

    /** Runs {@code run} while part-1 under {@code faulty://<authority>} cannot be opened. */
    private static CliRun withUnreadablePart1(String authority, java.util.function.Supplier<CliRun> run) throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.faulty.permanent.paths", "/part-1");
        // the instance the in-process commands get from Hadoop's cache
        FileSystem faulty = FileSystem.get(URI.create("faulty://" + authority + "/"), conf);
        try {
            return run.get();
        }
        finally {
            faulty.close();
        }
    }
}
