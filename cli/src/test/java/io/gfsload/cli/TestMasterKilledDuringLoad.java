package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache master process killed with SIGKILL in the middle of a load: the load ends as a partial
 * load, with the summary of what it cached up to then, its report written, one line naming the
 * master that stopped answering and saying that the job's journal is kept for the same command to
 * resume it. A master that cannot be reached before the load starts is one line too.
 */
class TestMasterKilledDuringLoad {
    private static final int FILES = 40;
    private static final int FILE_BYTES = 2 << 20;
    private static final int SMALL_FILES = 8;
    private static final int SMALL_FILE_BYTES = 64 << 10;

    @TempDir
    Path directory;

    @Test
    void theLoadEndsPartialWithItsReportAndKeepsTheJournal() throws Exception {
        Path data = writeData(11, SMALL_FILES);
        Path home = directory.resolve("home");
        Path reportFile = directory.resolve("reports").resolve("load.json");
        String master;
        CliRun run;
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            master = cluster.masterTarget();
            // 80 MiB at 16 MiB/s, two files at a time: about 5 s, of which the last 4 without the master
            // the load gives the master up after 2 x 2 s of silence
            try (GfsLoadProcess gfsload = GfsLoadProcess.startWithEnvironment(home, Map.of("GFSLOAD_MASTER_TIMEOUT", "2s"), "distributedLoad",
                    "--bandwidth", "16MB/s", "--active-jobs", "2", "--progress", "json", "--report", reportFile.toString(), "--master", master, data.toString())) {
                gfsload.awaitFilesDone(FILES / 4, Duration.ofSeconds(120));
                cluster.killMaster();
                run = gfsload.awaitExit(Duration.ofSeconds(120));
            }
        }

        String jobId = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1), false);
        assertEquals(ExitCode.PARTIAL, run.exitCode(), run.err());
        List<String> errLines = run.err().lines().toList();
        assertEquals("gfsload: the cache master at %s stopped answering; the journal of job %s is kept: the same command resumes the job once the master is back"
                .formatted(master, jobId), errLines.get(errLines.size() - 1), run.err());
        assertFalse(run.err().contains("UNAVAILABLE"), "no gRPC status: " + run.err());
        assertFalse(run.err().contains("Exception"), "no exception: " + run.err());
        assertTrue(Files.isDirectory(home.resolve("jobs").resolve(jobId)), "the journal of the job is kept");

        // the usual summary of what was done up to then
        List<String> summary = run.out().lines().toList();
        assertEquals(data + ": PARTIAL", summary.get(0), run.out());
        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        assertEquals("PARTIAL", report.get("state").asText());
        assertEquals("the cache master at %s stopped answering".formatted(master), report.get("stopReason").asText());
        JsonNode totals = report.get("totals");
        long failed = totals.get("filesFailed").asLong();
        long blocksLoaded = totals.get("blocksLoaded").asLong();
        assertTrue(blocksLoaded >= FILES / 4, "blocks cached before the master was killed: " + blocksLoaded);
        assertTrue(failed > 0 && failed < FILES + SMALL_FILES, "files failed: " + failed);
        assertEquals(FILES + SMALL_FILES, blocksLoaded + totals.get("blocksFailed").asLong(), totals.toString());
        assertEquals("  files   %d planned, %d failed".formatted(FILES + SMALL_FILES, failed), summary.get(1), run.out());
        assertTrue(run.out().contains("%n  cause   the cache master at %s stopped answering%n  failed files:%n".formatted(master)), run.out());
        for (JsonNode partition : report.get("partitions")) {
            for (JsonNode file : partition.get("files")) {
                if (file.hasNonNull("error")) {
                    String error = file.get("error").asText();
                    assertTrue(error.equals("the cache master at %s stopped answering".formatted(master))
                            || error.equals("not attempted: the cache master at %s stopped answering".formatted(master)), error);
                }
            }
        }
    }

    @Test
    void aMasterStartedAgainWithinTheSilenceLimitLetsTheLoadGoOn() throws Exception {
        Path data = writeData(12, 0);
        Path home = directory.resolve("home");
        Path reportFile = directory.resolve("load.json");
        CliRun run;
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            // 80 MiB at 16 MiB/s: the master is killed after a quarter and started again 8 s later (the default silence limit is 60 s)
            // atomic, each file committed on its own: the commits wait for the master as the writes do
            try (GfsLoadProcess gfsload = GfsLoadProcess.start(home, "distributedLoad", "-A", "--bandwidth", "16MB/s", "--active-jobs", "2",
                    "--progress", "json", "--report", reportFile.toString(), "--master", cluster.masterTarget(), data.toString())) {
                gfsload.awaitFilesDone(FILES / 4, Duration.ofSeconds(120));
                cluster.killMaster();
                // down for longer than a file's retries of other failures take (about 4 s)
                Thread.sleep(8_000);
                cluster.restartMaster();
                run = gfsload.awaitExit(Duration.ofSeconds(180));
            }
        }

        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        // the files that failed, with why, where the progress has only their count
        assertEquals(List.of(), CacheContents.files(report).stream().filter(file -> !file.get("error").isNull())
                .map(file -> file.get("path").asText() + ": " + file.get("error").asText()).toList(), run.err());
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        assertEquals("SUCCEEDED", report.get("state").asText(), report.toString());
        assertEquals(FILES, report.get("totals").get("blocksLoaded").asLong(), report.get("totals").toString());
        assertTrue(report.get("stopReason").isNull(), report.toString());
        assertTrue(run.err().contains("\"event\":\"waitingForMaster\""), "the progress said the load waited for the master: " + run.err());
    }

    /** Writes {@link #FILES} files of {@link #FILE_BYTES} random bytes and {@code smallFiles} of {@link #SMALL_FILE_BYTES} into a new directory. */
    private Path writeData(long seed, int smallFiles) throws java.io.IOException {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(seed);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        byte[] small = new byte[SMALL_FILE_BYTES];
        for (int i = 0; i < smallFiles; i++) {
            random.nextBytes(small);
            Files.write(data.resolve("small-%03d".formatted(i)), small);
        }
        return data;
    }

    @Test
    void aMasterThatCannotBeReachedBeforeTheLoadIsOneLine() throws Exception {
        Path data = directory.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("part-000"), new byte[1000]);
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path reportFile = directory.resolve("load.json");

        CliRun run = CliRun.gfsload(directory.resolve("home"), "distributedLoad", "--progress", "none", "--report", reportFile.toString(),
                "--master", "127.0.0.1:" + port, data.toString());

        assertEquals(ExitCode.FAILED, run.exitCode());
        assertEquals("gfsload: Cannot reach the cache master at 127.0.0.1:" + port + ": Connection refused", run.err().strip());
        assertEquals("", run.out());
        // nothing was loaded, nor planned: the report says only that the command failed, and why
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(reportFile));
        assertEquals("FAILED", report.get("state").asText());
        assertEquals(ExitCode.FAILED, report.get("exitCode").asInt());
        assertEquals("Cannot reach the cache master at 127.0.0.1:" + port + ": Connection refused", report.get("error").asText());
        assertFalse(report.has("totals"), report.toString());
    }
}
