package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduler retries a step while its first attempt still loads: the same command, the same
 * {@code --report}. The retry stops at once (another process runs the job) and leaves the report
 * file to the first attempt, which writes its own report there when it ends. A retry of an atomic
 * step on another worker (another gfsload home) is refused by the master, since the first attempt
 * renews the job's temp area.
 */
class TestSameCommandRunningReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FILES = 12;
    private static final int FILE_BYTES = 4 << 20;

    @TempDir
    Path directory;

    @Test
    void aRunOfAJobAnotherProcessRunsLeavesTheReportFileToIt() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            Path home = directory.resolve("home");
            Path data = writeFiles(directory.resolve("data"));
            Path report = directory.resolve("reports/report.json");
            // 48 MiB at 8 MiB/s: several seconds of loading
            String[] command = {"distributedLoad", "--bandwidth", "8MB/s", "--active-jobs", "2", "--progress", "json", "--report", report.toString(),
                    "--master", cluster.masterTarget(), data.toString()};
            try (GfsLoadProcess first = GfsLoadProcess.start(home, command)) {
                first.awaitFilesDone(1, Duration.ofMinutes(2));

                // a dry run of the job from the same home prints the plan, then says why the load would stop
                String[] dryRun = {"distributedLoad", "--dry-run", "--master", cluster.masterTarget(), data.toString()};
                CliRun planned = CliRun.gfsload(home, dryRun);
                assertEquals(ExitCode.FAILED, planned.exitCode(), planned.err());
                assertTrue(planned.out().startsWith("Plan for " + data + ": "), planned.out());
                assertTrue(planned.err().lines().anyMatch(line -> line.matches(
                        "gfsload: Cannot open the journal of job [0-9a-f]{16} in .*: another gfsload process is running the same job")), planned.err());
                CliRun elsewhere = CliRun.gfsload(directory.resolve("home-2"), dryRun);
                assertEquals(ExitCode.OK, elsewhere.exitCode(), "from another home, the job of a plain load is its own: " + elsewhere.err());

                try (GfsLoadProcess retry = GfsLoadProcess.start(home, withJson(command))) {
                    CliRun run = retry.awaitExit(Duration.ofMinutes(2));
                    assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
                    List<String> lines = run.err().lines().filter(line -> line.startsWith("gfsload:")).toList();
                    assertEquals(2, lines.size(), run.err());
                    assertTrue(lines.get(0).matches("gfsload: Cannot open the journal of job [0-9a-f]{16} in .*: another gfsload process is running the same job"),
                            lines.get(0));
                    assertEquals("gfsload: wrote no report to %s: gfsload process %d, running with the same --report, writes its report there"
                            .formatted(report, first.pid()), lines.get(1));
                    // its own stdout still says how it ended
                    JsonNode failure = JSON.readTree(run.out());
                    assertEquals("FAILED", failure.get("state").asText());
                    assertEquals(ExitCode.FAILED, failure.get("exitCode").asInt());
                }
                assertFalse(Files.exists(report), "the first run's report is not written yet, and the retry wrote none");
                assertTrue(first.isAlive(), "the first run still loads: " + first.errLines());

                CliRun done = first.awaitExit(Duration.ofMinutes(2));
                assertEquals(ExitCode.OK, done.exitCode(), done.err());
            }
            JsonNode written = JSON.readTree(report.toFile());
            assertEquals("SUCCEEDED", written.get("state").asText(), written.toString());
            assertEquals(FILES, written.get("totals").get("files").asInt(), written.toString());
            // the claim on the report is given back: the same command now runs, and writes its report there
            CliRun again = CliRun.gfsload(home, "distributedLoad", "--progress", "none", "--report", report.toString(), "--master", cluster.masterTarget(),
                    data.toString());
            assertEquals(ExitCode.OK, again.exitCode(), again.err());
            assertEquals(0, JSON.readTree(report.toFile()).get("totals").get("blocksLoaded").asInt());
        }
    }

    @Test
    void anotherCommandWithTheSameReportLeavesItToTheRunThatHoldsIt() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            Path home = directory.resolve("home");
            Path data = writeFiles(directory.resolve("data"));
            Path report = directory.resolve("reports/report.json");
            // 48 MiB at 8 MiB/s: several seconds of loading
            try (GfsLoadProcess load = GfsLoadProcess.start(home, "distributedLoad", "--bandwidth", "8MB/s", "--active-jobs", "2", "--progress", "json",
                    "--report", report.toString(), "--master", cluster.masterTarget(), data.toString())) {
                load.awaitFilesDone(1, Duration.ofMinutes(2));

                // a plan of the same data, its work done while the load runs: it succeeds, and writes nothing there
                CliRun plan = CliRun.gfsload(home, "plan", "--json", "--report", report.toString(), "--master", cluster.masterTarget(), "--path",
                        data.toString());
                assertEquals(ExitCode.OK, plan.exitCode(), plan.err());
                assertEquals(List.of("gfsload: wrote no report to %s: gfsload process %d, running with the same --report, writes its report there"
                        .formatted(report, load.pid())), plan.err().lines().filter(line -> line.startsWith("gfsload:")).toList());
                // its own stdout still has its plan
                assertEquals(ExitCode.OK, JSON.readTree(plan.out()).get("exitCode").asInt(), plan.out());
                assertFalse(Files.exists(report), "the load's report is not written yet, and the plan wrote none");
                assertTrue(load.isAlive(), "the load still runs: " + load.errLines());

                CliRun done = load.awaitExit(Duration.ofMinutes(2));
                assertEquals(ExitCode.OK, done.exitCode(), done.err());
            }
            JsonNode written = JSON.readTree(report.toFile());
            assertEquals("SUCCEEDED", written.get("state").asText(), written.toString());
            assertEquals(FILES, written.get("totals").get("files").asInt(), written.toString());
        }
    }

    @Test
    void aRunFromAnotherHomeIsRefusedWhileTheFirstRenewsTheTempArea() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            Path data = writeFiles(directory.resolve("data"));
            Path report = directory.resolve("first.json");
            // 48 MiB at 4 MiB/s: several seconds of loading
            try (GfsLoadProcess first = GfsLoadProcess.start(directory.resolve("home-1"), "distributedLoad", "-A", "--atomic-scope", "job",
                    "--bandwidth", "4MB/s", "--active-jobs", "2", "--progress", "json", "--report", report.toString(),
                    "--master", cluster.masterTarget(), data.toString())) {
                first.awaitFilesDone(1, Duration.ofMinutes(2));

                CliRun retry = CliRun.gfsload(directory.resolve("home-2"), "distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none",
                        "--master", cluster.masterTarget(), data.toString());

                assertEquals(ExitCode.FAILED, retry.exitCode(), retry.err());
                List<String> lines = retry.err().lines().filter(line -> line.startsWith("gfsload:")).toList();
                assertEquals(1, lines.size(), retry.err());
                assertTrue(lines.get(0).matches("gfsload: Cannot run atomic job [0-9a-f]{16}: another run of it \\(from another gfsload home or host\\) "
                        + "renewed its temp area [0-9]+ m?s ago, so it is still going: wait for it to end; a run that has not renewed the area for 60 s "
                        + "is taken as gone, and the same command then adopts what it staged"), lines.get(0));
                assertTrue(first.isAlive(), "the first run still loads: " + first.errLines());

                CliRun done = first.awaitExit(Duration.ofMinutes(2));
                assertEquals(ExitCode.OK, done.exitCode(), done.err());
            }
            JsonNode written = JSON.readTree(report.toFile());
            assertEquals("SUCCEEDED", written.get("state").asText(), written.toString());
            assertEquals(FILES, written.get("totals").get("blocksLoaded").asInt(), written.toString());
        }
    }

    @Test
    void aRunKilledOutrightHoldsTheTempAreaAndOneStoppedWithSigtermLetsGoOfIt() throws IOException {
        try (ClusterProcesses cluster = ClusterProcesses.start(directory.resolve("cluster"), 2)) {
            Path data = writeFiles(directory.resolve("data"));
            // 48 MiB at 4 MiB/s: several seconds of loading
            String[] first = {"distributedLoad", "-A", "--atomic-scope", "job", "--bandwidth", "4MB/s", "--active-jobs", "2", "--progress", "json",
                    "--master", cluster.masterTarget(), data.toString()};
            String[] retry = {"distributedLoad", "-A", "--atomic-scope", "job", "--progress", "none", "--master", cluster.masterTarget(), data.toString()};
            try (GfsLoadProcess killed = GfsLoadProcess.start(directory.resolve("home-1"), first)) {
                killed.awaitFilesDone(1, Duration.ofMinutes(2));
                killed.kill();
            }
            // SIGKILL: the run could not let go, and holds the area until it has not renewed it for a minute
            CliRun refused = CliRun.gfsload(directory.resolve("home-2"), retry);
            assertEquals(ExitCode.FAILED, refused.exitCode(), refused.err());
            assertTrue(refused.err().contains("another run of it (from another gfsload home or host) renewed its temp area"), refused.err());

            CliRun stopped;
            // the same command from the first home adopts the area at once (its runs share one identity), and is stopped with SIGTERM
            try (GfsLoadProcess terminated = GfsLoadProcess.start(directory.resolve("home-1"), first)) {
                terminated.awaitFilesDone(FILES / 2 + 1, Duration.ofMinutes(2));
                stopped = terminated.terminate();
            }
            assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());

            CliRun adopted = CliRun.gfsload(directory.resolve("home-2"), retry);

            assertEquals(ExitCode.OK, adopted.exitCode(), "the stopped run let go of the area: " + adopted.err());
            assertTrue(adopted.err().matches("(?s).*adopting [0-9]+ blocks?, .* staged by an earlier run of the job.*"), adopted.err());
        }
    }

    private static String[] withJson(String[] command) {
        String[] args = new String[command.length + 1];
        args[0] = command[0];
        args[1] = "--json";
        System.arraycopy(command, 1, args, 2, command.length - 1);
        return args;
    }

    private static Path writeFiles(Path data) throws IOException {
        Files.createDirectories(data);
        Random random = new Random(22);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        return data;
    }
}
