package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache master process frozen with SIGSTOP in the middle of a slow load (a long GC pause, a
 * host that hangs without closing its connections): its calls get no answer, and none fails
 * before its deadline. A load whose master stays silent for twice the deadline of a master call
 * ({@code $GFSLOAD_MASTER_TIMEOUT}, short here) ends as for a killed master, however many files wait
 * on it: exit 3, the stop reason, every unfinished file failed for it, the journal kept for the same
 * command to resume the job. A master that goes on before then lets the load go on.
 */
class TestMasterFrozenDuringLoad {
    /**
     * Small files only: they are written in batches, and those that fail with their batch are
     * retried block by block through the one read buffer such a load keeps, so that the files
     * waiting on the master far outnumber the calls to it, as in a large load.
     */
    private static final int FILES = 300;
    private static final int FILE_BYTES = 200 << 10;
    private static final Duration MASTER_TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    @Test
    void aMasterSilentForTwiceTheCallDeadlineEndsTheLoad() throws Exception {
        Path data = writeFiles(FILES);
        Path home = directory.resolve("home");
        Path reportFile = directory.resolve("load.json");
        String master;
        CliRun run;
        long frozenNanos;
        CliRun resumed;
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            master = cluster.masterTarget();
            // 58.6 MiB at 2 MiB/s: about 30 s, of which a few seconds are loaded before the master freezes
            try (GfsLoadProcess gfsload = GfsLoadProcess.startWithEnvironment(home, Map.of(CliEnvironment.MASTER_TIMEOUT, MASTER_TIMEOUT.toSeconds() + "s"),
                    "distributedLoad", "--bandwidth", "2MB/s", "--progress", "json", "--report", reportFile.toString(), "--master", master,
                    data.toString())) {
                gfsload.awaitFilesDone(20, Duration.ofSeconds(120));
                try {
                    cluster.suspendMaster();
                    frozenNanos = System.nanoTime();
                    // without a bound, every file in flight would wait its turn for a call that times out, attempt after attempt
                    run = gfsload.awaitExit(Duration.ofSeconds(150));
                }
                finally {
                    cluster.resumeMaster();
                }
            }
            long waited = System.nanoTime() - frozenNanos;
            assertTrue(waited >= MASTER_TIMEOUT.multipliedBy(2).toNanos(), "the load waited for the master at least twice the call deadline: " + waited);

            // the master is back: the same command (at full speed) resumes the job and loads the rest
            resumed = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--master", master, data.toString());
        }

        String jobId = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1), false);
        assertEquals(ExitCode.PARTIAL, run.exitCode(), run.err());
        List<String> errLines = run.err().lines().toList();
        assertEquals("gfsload: the cache master at %s stopped answering; the journal of job %s is kept: the same command resumes the job once the master is back"
                .formatted(master, jobId), errLines.get(errLines.size() - 1), run.err());
        assertFalse(run.err().contains("Exception"), "no exception: " + run.err());
        // the progress was not silent while the load waited for the master
        assertTrue(errLines.stream().filter(line -> line.startsWith("{")).map(TestMasterFrozenDuringLoad::json)
                .anyMatch(line -> line.get("event").asText().equals("waitingForMaster") && line.get("master").asText().equals(master)
                        && line.get("limitSeconds").asLong() == MASTER_TIMEOUT.multipliedBy(2).toSeconds()), run.err());

        JsonNode report = JSON.readTree(reportFile.toFile());
        assertEquals("PARTIAL", report.get("state").asText());
        assertEquals(ExitCode.PARTIAL, report.get("exitCode").asInt());
        assertEquals("the cache master at %s stopped answering".formatted(master), report.get("stopReason").asText());
        JsonNode totals = report.get("totals");
        long loaded = totals.get("blocksLoaded").asLong();
        long failed = totals.get("filesFailed").asLong();
        assertTrue(loaded >= 20, "blocks cached before the master froze: " + loaded);
        assertTrue(failed > 0 && loaded + failed == FILES, totals.toString());
        for (JsonNode partition : report.get("partitions")) {
            for (JsonNode file : partition.get("files")) {
                if (file.hasNonNull("error")) {
                    String error = file.get("error").asText();
                    assertTrue(error.equals("the cache master at %s stopped answering".formatted(master))
                            || error.equals("not attempted: the cache master at %s stopped answering".formatted(master)), error);
                }
            }
        }

        assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("Resuming job ") && resumed.err().contains("(run 2)"), resumed.err());
        assertTrue(resumed.out().contains("%d planned: %d loaded, %d already cached".formatted(FILES, FILES - loaded, loaded)), resumed.out());
    }

    @Test
    void aMasterThatGoesOnBeforeThenLetsTheLoadSucceed() throws Exception {
        int files = 60;
        Path data = writeFiles(files);
        Path home = directory.resolve("home");
        Path reportFile = directory.resolve("load.json");
        CliRun run;
        // heartbeats that a frozen master misses fewer than three of: it counts its workers live when it goes on
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2, "2GiB", Duration.ofSeconds(3))) {
            // 11.7 MiB at 2 MiB/s: about 6 s
            try (GfsLoadProcess gfsload = GfsLoadProcess.startWithEnvironment(home, Map.of(CliEnvironment.MASTER_TIMEOUT, MASTER_TIMEOUT.toSeconds() + "s"),
                    "distributedLoad", "--bandwidth", "2MB/s", "--progress", "json", "--report", reportFile.toString(), "--master",
                    cluster.masterTarget(), data.toString())) {
                gfsload.awaitFilesDone(10, Duration.ofSeconds(120));
                try {
                    cluster.suspendMaster();
                    // longer than a call's deadline, shorter than twice it: calls fail, the load waits
                    Thread.sleep(MASTER_TIMEOUT.toMillis() * 3 / 2);
                }
                finally {
                    cluster.resumeMaster();
                }
                run = gfsload.awaitExit(Duration.ofSeconds(150));
            }
        }

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode report = JSON.readTree(reportFile.toFile());
        assertEquals("SUCCEEDED", report.get("state").asText(), report.toString());
        assertFalse(report.hasNonNull("stopReason"), report.toString());
        assertEquals(files, report.get("totals").get("blocksLoaded").asLong(), report.toString());
    }

    private Path writeFiles(int count) throws IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(17);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < count; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
