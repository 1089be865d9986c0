package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.executor.JobJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs of one atomic job from two gfsload homes (a scheduler's retry on another worker): a
 * run the master refuses the job's temp area, since another run still holds it, is refused before
 * it says what it would load or adopt, and leaves its home's journal as it found it; a run that
 * ends lets go of the area, and a run from the other home adopts it at once. A run holds the area
 * from its claim on, also while it waits for its load window: a run from the other home is refused
 * then too, and one that fails or is stopped during the wait lets go of the area at once.
 */
class TestAtomicRunsFromTwoHomes {
    /** One block each (64 MiB blocks), larger than a small file: each file is staged on its own. */
    private static final int FILE_BYTES = 3 << 19;
    private static final long WORKER_BYTES = 64L << 20;
    /** The expire time of the jobs that wait for their window: their runs renew the area every second, and hold it for two. */
    private static final String EXPIRE_TIME = "3s";
    /** More than two renewal periods of {@link #EXPIRE_TIME}, less than that expire time. */
    private static final Duration PAST_TWO_RENEWAL_PERIODS = Duration.ofMillis(2500);

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

            // a dry run says so as the load would, after the plan: from here and from a home where the job never ran
            String[] dryRun = {"distributedLoad", "-A", "--atomic-scope", "job", "--dry-run", "--json", "--master", cluster.masterTarget(), path};
            for (Path dryRunHome : List.of(home, directory.resolve("home-3"))) {
                assertDryRunRefused(CliRun.gfsload(dryRunHome, dryRun), jobId);
            }

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

            // the other run ends: a dry run passes, and the next run from here is the second, and adopts what the first staged
            assertTrue(client.tempAreas().releaseTempArea(jobId, other));
            CliRun passed = CliRun.gfsload(home, dryRun);
            assertEquals(ExitCode.OK, passed.exitCode(), passed.err());
            // a run from here holds the area: here its dry run passes (the load would adopt the area at once), not from elsewhere
            String runFromHere = JobJournal.readTempAreaRunId(new CliEnvironment(home).jobsDirectory(), jobId).orElseThrow();
            TempAreaRun here = new TempAreaRun(runFromHere, Duration.ofSeconds(30));
            client.tempAreas().openTempArea(jobId, Duration.ofHours(24), here);
            CliRun ownRun = CliRun.gfsload(home, dryRun);
            assertEquals(ExitCode.OK, ownRun.exitCode(), ownRun.err());
            assertDryRunRefused(CliRun.gfsload(directory.resolve("home-3"), dryRun), jobId);
            assertTrue(client.tempAreas().releaseTempArea(jobId, here));
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

    @Test
    void aRunWaitingForItsWindowHoldsTheAreaThroughoutAndThenLoads() throws IOException {
        holdsTheAreaWhileItWaitsForItsWindow(new CliEnvironment(directory.resolve("home-1")));
    }

    @Test
    void aSparkJobWaitingForItsWindowHoldsTheAreaThroughoutAndThenLoads() throws IOException {
        holdsTheAreaWhileItWaitsForItsWindow(new CliEnvironment(directory.resolve("home-1")).withSlices(new InProcessSlices()));
    }

    @Test
    void aRunThatFailsAsItsWindowOpensLetsGoOfTheAreaAtOnce() throws IOException {
        String path = writeFiles("atomic-window-failed");
        Path data = directory.resolve("data");
        MutableClock masterClock = new MutableClock(Instant.now());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES), masterClock);
                CacheClient client = cluster.newClient()) {
            String[] command = atomicJob(cluster, path);
            // the data is gone when the window opens: the plan made then fails the run
            AtomicBoolean moved = new AtomicBoolean();
            MutableClock windowClock = new MutableClock(Instant.now().minus(Duration.ofHours(2)), () -> {
                if (moved.compareAndSet(false, true)) {
                    move(data, directory.resolve("data-away"));
                }
            });
            CliRun failed = CliRun.gfsload(new CliEnvironment(directory.resolve("home-1")).withClock(windowClock, windowClock::sleep),
                    withWindow(command, openNow()));
            assertEquals(ExitCode.NOT_FOUND, failed.exitCode(), failed.err());
            move(directory.resolve("data-away"), data);

            // no time passes on the master's clock: a hold not let go would still refuse this run
            CliRun adopted = CliRun.gfsload(directory.resolve("home-2"), command);

            assertEquals(ExitCode.OK, adopted.exitCode(), "the failed run let go of the area: " + adopted.err());
            assertEquals(List.of(), client.tempAreas().listTempAreas(), "the job committed and deleted its area");
        }
    }

    @Test
    void aRunStoppedWhileWaitingForItsWindowLetsGoOfTheAreaAtOnce() throws IOException {
        String path = writeFiles("atomic-window-stopped");
        // no time passes on the master's clock: a hold not let go would refuse the run from the other home
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES), new MutableClock(Instant.now()))) {
            String[] command = atomicJob(cluster, path);
            Path home = directory.resolve("home-1");
            CliRun partial = withUnreadablePart1("atomic-window-stopped", () -> CliRun.gfsload(home, command));
            assertEquals(ExitCode.FAILED, partial.exitCode(), "the job scope commits nothing: " + partial.err());
            LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
            String[] waiting = withWindow(command, now.plusHours(2) + "-" + now.plusHours(3));
            waiting[Arrays.asList(waiting).indexOf("none")] = "json";
            CliRun stopped;
            // the same command from the same home resumes the job, holds its area, waits for its window, and is stopped meanwhile
            try (GfsLoadProcess process = GfsLoadProcess.start(home, waiting)) {
                ClusterProcesses.await(() -> process.errLines().stream().anyMatch(line -> line.contains("\"event\":\"paused\"")), Duration.ofMinutes(2),
                        "gfsload says it waits for the window; it printed " + process.errLines());
                stopped = process.terminate();
            }
            assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());

            CliRun adopted = CliRun.gfsload(directory.resolve("home-2"), command);

            assertEquals(ExitCode.OK, adopted.exitCode(), "the stopped run let go of the area: " + adopted.err());
            assertTrue(adopted.err().contains("adopting 1 block, 1.5 MiB staged by an earlier run of the job"), adopted.err());
        }
    }

    /**
     * Runs an atomic job from {@code environment}, started two hours before its window opens, while
     * more than two of its renewal periods pass on the master's clock: a run of the job from
     * another home is refused the area during the wait, and the waiting run then loads.
     */
    private void holdsTheAreaWhileItWaitsForItsWindow(CliEnvironment environment) throws IOException {
        String path = writeFiles("atomic-window");
        // the master's clock moves only when this test moves it, and the renewals' periods pass on it as the test says
        MutableClock masterClock = new MutableClock(Instant.now());
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, WORKER_BYTES), masterClock);
                CacheClient client = cluster.newClient()) {
            String[] command = atomicJob(cluster, path);
            AtomicBoolean renewed = new AtomicBoolean();
            AtomicReference<CliRun> refused = new AtomicReference<>();
            MutableClock windowClock = new MutableClock(Instant.now().minus(Duration.ofHours(2)), () -> {
                if (refused.get() != null) {
                    return;
                }
                TempArea claimed = client.tempAreas().listTempAreas().get(0);
                masterClock.advance(PAST_TWO_RENEWAL_PERIODS);
                // a renewal after that moves the area's expiry on, by more than a third of the expire time
                renewed.set(eventually(() -> client.tempAreas().findTempArea(claimed.jobId())
                        .filter(area -> area.expiresAt().isAfter(claimed.expiresAt())).isPresent()));
                refused.set(CliRun.gfsload(directory.resolve("home-2"), command));
            });

            CliRun waited = CliRun.gfsload(environment.withClock(windowClock, windowClock::sleep), withWindow(command, openNow()));

            assertTrue(renewed.get(), "the run did not renew its temp area while it waited for its window");
            assertEquals(ExitCode.FAILED, refused.get().exitCode(), refused.get().err());
            assertTrue(refused.get().err().contains("gfsload: Cannot run atomic job "), refused.get().err());
            assertTrue(refused.get().err().contains(": another run of it (from another gfsload home or host) renewed its temp area "), refused.get().err());
            assertEquals(ExitCode.OK, waited.exitCode(), waited.err());
            assertTrue(waited.err().contains("Loading 2 files, 2 blocks, 3.0 MiB"), waited.err());
            assertEquals(List.of(), client.tempAreas().listTempAreas(), "the job committed and deleted its area");
        }
    }

    /** A load of {@code path} as an atomic job at the job's scope, whose runs renew its temp area every second. */
    private static String[] atomicJob(LocalCluster cluster, String path) {
        return new String[] {"distributedLoad", "-A", "--atomic-scope", "job", "--expire-time", EXPIRE_TIME, "--progress", "none", "--master",
                cluster.masterTarget(), path};
    }

    /** {@code command} with {@code --window window} in UTC. */
    private static String[] withWindow(String[] command, String window) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(args.size() - 1, List.of("--window", window, "--window-zone", "UTC"));
        return args.toArray(String[]::new);
    }

    /** A dry run with {@code --json} that printed its plan and then failed as the load of job {@code jobId} would be refused. */
    private static void assertDryRunRefused(CliRun dryRun, String jobId) {
        String refusal = "Cannot run atomic job %s: another run of it (from another gfsload home or host) renewed its temp area ".formatted(jobId);
        assertEquals(ExitCode.FAILED, dryRun.exitCode(), dryRun.err());
        assertTrue(dryRun.err().contains("gfsload: " + refusal), dryRun.err());
        JsonNode plan;
        try {
            plan = new ObjectMapper().readTree(dryRun.out());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(1, plan.get("totals").get("blocksToLoad").asLong(), "the plan is printed: " + plan);
        assertEquals(ExitCode.FAILED, plan.get("exitCode").asInt(), plan.toString());
        assertTrue(plan.get("error").asText().startsWith(refusal), plan.toString());
    }

    /** A load window open now by the system's clock, in UTC: where a Spark job's slices check it. */
    private static String openNow() {
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        return now.minusHours(1) + "-" + now.plusHours(1);
    }

    /** Whether {@code condition} holds within half a minute. */
    private static boolean eventually(BooleanSupplier condition) {
        try {
            ClusterProcesses.await(condition, Duration.ofSeconds(30), "the condition holds");
            return true;
        }
        catch (AssertionError e) {
            return false;
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
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
