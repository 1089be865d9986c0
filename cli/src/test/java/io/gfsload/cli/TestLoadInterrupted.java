package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load in a child process stopped with SIGTERM, as a scheduler stops it, at a point it stays at
 * until the signal comes: it exits 143, its last line on stderr says what became of the load and
 * its journal, and it leaves nothing of its own behind, the claim on its {@code --report} included.
 */
class TestLoadInterrupted {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Files whose JSON report (about 1.2 KiB a file) is several times what a pipe holds. */
    private static final int REPORT_FILES = 200;
    /** What a pipe holds, as Linux sizes it unless asked otherwise. */
    private static final int PIPE_BYTES = 64 << 10;

    @TempDir
    Path directory;

    @Test
    void aLoadStoppedWithSigtermGivesUpTheClaimOnItsReport() throws IOException {
        Path home = directory.resolve("home");
        Path data = writeFiles(directory.resolve("data"), 2);
        Path report = directory.resolve("out/report.json");
        try (GfsLoadProcess child = GfsLoadProcess.start(home, "distributedLoad", "--progress", "json", "--window", closedWindow(), "--window-zone", "UTC",
                "--json", "--report", report.toString(), data.toString())) {
            awaitLine(child, "\"event\":\"paused\"");
            assertEquals(1, claims(home).size(), "the run holds its report: " + claims(home));

            CliRun stopped = child.terminate();

            assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
            assertTrue(stopped.err().strip().endsWith("the same command resumes the job"), stopped.err());
            // --json: stdout is one JSON document, the FAILED one with the line
            JsonNode failed = JSON.readTree(stopped.out());
            assertEquals("FAILED", failed.get("state").asText(), stopped.out());
            assertEquals(143, failed.get("exitCode").asInt(), stopped.out());
            assertEquals(lastLine(stopped), "gfsload: " + failed.get("error").asText(), stopped.out());
        }
        assertEquals(List.of(), claims(home), "the claim's lock file is deleted as the process ends");
        assertFalse(Files.exists(report), "an interrupted load writes no report");
    }

    @Test
    void aLoadStoppedWithSigtermBeforePlanningSaysSo() throws IOException {
        Path home = directory.resolve("home");
        Path data = writeFiles(directory.resolve("data"), 2);
        Path report = directory.resolve("out/report.json");
        CliRun stopped;
        // a master that takes the connection and says nothing: the load waits for its answer before it plans
        try (SilentServer master = new SilentServer();
                GfsLoadProcess child = GfsLoadProcess.start(home, "distributedLoad", "--master", master.address(), "--report", report.toString(),
                        data.toString())) {
            ClusterProcesses.await(() -> master.accepted() > 0, TIMEOUT, "gfsload connects to the master");

            stopped = child.terminate();
        }

        assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
        assertEquals("gfsload: interrupted before planning: nothing was loaded", lastLine(stopped), stopped.err());
        assertFalse(Files.exists(report), "an interrupted load writes no report");
        assertEquals(List.of(), claims(home));
        assertEquals(List.of(), list(home.resolve("jobs")), "no journal: the load never started");
    }

    @Test
    void aLoadStoppedWithSigtermWhilePlanningSaysSo() throws IOException, SQLException {
        Path report = directory.resolve("out/report.json");

        CliRun stopped = stoppedWhilePlanning("--table", "db.t", "--progress", "json", "--report", report.toString());

        assertEquals("gfsload: interrupted while planning: nothing was loaded", lastLine(stopped), stopped.err());
        assertFalse(Files.exists(report), "an interrupted load writes no report");
        assertEquals(List.of(), list(directory.resolve("home/jobs")), "no journal: the load never started");
    }

    @Test
    void aPlanStoppedWithSigtermWhilePlanningSaysSo() throws IOException, SQLException {
        Path report = directory.resolve("out/plan.json");

        CliRun stopped = stoppedWhilePlanning("plan", "--table", "db.t", "--report", report.toString());

        assertEquals("gfsload: interrupted while planning: no plan printed", lastLine(stopped), stopped.err());
        assertEquals("", stopped.out(), "no plan on stdout");
        assertFalse(Files.exists(report), "an interrupted plan writes no report");
    }

    @Test
    void aDryRunStoppedWithSigtermWhilePlanningSaysSoOnStderrAndWithJsonOnStdout() throws IOException, SQLException {
        CliRun stopped = stoppedWhilePlanning("--table", "db.t", "--dry-run", "--json");

        assertEquals("gfsload: interrupted while planning: no plan printed", lastLine(stopped), stopped.err());
        JsonNode failed = JSON.readTree(stopped.out());
        assertEquals("FAILED", failed.get("state").asText(), stopped.out());
        assertEquals(143, failed.get("exitCode").asInt(), stopped.out());
        assertEquals("interrupted while planning: no plan printed", failed.get("error").asText(), stopped.out());
    }

    @Test
    void aStatusStoppedWithSigtermWhilePlanningSaysSoOnStderrAndWithJsonOnStdout() throws IOException, SQLException {
        CliRun stopped = stoppedWhilePlanning("status", "--table", "db.t", "--json");

        assertEquals("gfsload: interrupted while planning: no status printed", lastLine(stopped), stopped.err());
        JsonNode failed = JSON.readTree(stopped.out());
        assertEquals("FAILED", failed.get("state").asText(), stopped.out());
        assertEquals(143, failed.get("exitCode").asInt(), stopped.out());
        assertEquals("interrupted while planning: no status printed", failed.get("error").asText(), stopped.out());
    }

    @Test
    void aTuneStoppedWithSigtermWhilePlanningSaysSo() throws IOException, SQLException {
        CliRun stopped = stoppedWhilePlanning("tune", "--table", "db.t", "--core-site", directory.resolve("core-site.xml").toString());

        assertEquals("gfsload: interrupted while planning: no settings printed or written", lastLine(stopped), stopped.err());
        assertEquals("", stopped.out(), "no settings on stdout");
        assertFalse(Files.exists(directory.resolve("core-site.xml")));
    }

    @Test
    void aFreeStoppedWithSigtermBeforeFreeingSaysSoOnStderrAndWithJsonOnStdout() throws IOException {
        Path home = directory.resolve("home");
        Path data = writeFiles(directory.resolve("data"), 2);
        CliRun stopped;
        // a master that takes the connection and says nothing: free waits for its answer before it frees
        try (SilentServer master = new SilentServer();
                GfsLoadProcess child = GfsLoadProcess.start(home, "free", "--master", master.address(), "--json", "--path", data.toString())) {
            ClusterProcesses.await(() -> master.accepted() > 0, TIMEOUT, "gfsload connects to the master");

            stopped = child.terminate();
        }

        assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
        String line = "interrupted before freeing %s: nothing was freed".formatted(data);
        assertEquals("gfsload: " + line, lastLine(stopped), stopped.err());
        JsonNode failed = JSON.readTree(stopped.out());
        assertEquals("FAILED", failed.get("state").asText(), stopped.out());
        assertEquals(143, failed.get("exitCode").asInt(), stopped.out());
        assertEquals(line, failed.get("error").asText(), stopped.out());
    }

    /**
     * gfsload run with {@code args} against a metastore with table {@code db.t} whose database is
     * locked, so that it plans until SIGTERM comes, then stopped with it: it exits 143 and leaves
     * no claim on a report.
     */
    private CliRun stoppedWhilePlanning(String... args) throws IOException, SQLException {
        Path home = directory.resolve("home");
        EmbeddedMetastore metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
        CliRun stopped;
        try {
            writeFiles(MetastoreTables.oneDayTable(metastore.uri(), directory.resolve("data")), 2);
            // the metastore's database locked by another transaction: the metastore answers no call that reads a table until it ends
            try (Connection database = DriverManager.getConnection("jdbc:derby:;databaseName=" + directory.resolve("metastore/metastore_db"));
                    Statement statement = database.createStatement()) {
                statement.execute("CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.locks.waitTimeout', '-1')");
                database.setAutoCommit(false);
                statement.execute("LOCK TABLE TBLS IN EXCLUSIVE MODE");
                String[] command = Stream.concat(Stream.of(args), Stream.of("--metastore", metastore.uri().toString())).toArray(String[]::new);
                try (GfsLoadProcess child = GfsLoadProcess.start(home, command)) {
                    awaitLine(child, "Planning db.t: reading its partitions from the metastore");

                    stopped = child.terminate();
                }
                finally {
                    database.rollback();
                }
            }
        }
        finally {
            metastore.close();
        }
        assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
        assertEquals(List.of(), claims(home));
        return stopped;
    }

    private static String lastLine(CliRun run) {
        List<String> lines = run.err().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void aLoadStoppedWithSigtermAfterItSucceededSaysItsJournalIsDeleted() throws IOException {
        Path home = directory.resolve("home");
        Path data = writeFiles(directory.resolve("data"), REPORT_FILES);
        Path report = directory.resolve("out/report.json");
        Path journal = home.resolve("jobs").resolve(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1), false));
        // stdout a pipe that nothing reads: the JSON report, larger than the pipe holds, stops the command as it prints it
        try (GfsLoadProcess child = GfsLoadProcess.start(home, ProcessBuilder.Redirect.PIPE, "distributedLoad", "--progress", "json", "--json",
                "--report", report.toString(), data.toString())) {
            awaitLine(child, "\"event\":\"finished\",\"state\":\"succeeded\"");
            ClusterProcesses.await(() -> !Files.exists(journal), TIMEOUT, "the job that succeeded deletes its journal " + journal);
            // the pipe full: the command waits to print the rest of its report
            ClusterProcesses.await(() -> child.stdoutUnread() >= PIPE_BYTES, TIMEOUT, "the report fills stdout's pipe");
            assertTrue(child.isAlive(), "the command prints its report: " + child.errLines());

            CliRun stopped = child.terminate();

            assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
            List<String> lines = stopped.err().lines().toList();
            assertEquals("gfsload: interrupted as the load ended (SUCCEEDED), before its report; the job is done, everything requested is cached, "
                    + "and its journal (job %s) is deleted".formatted(journal.getFileName()), lines.get(lines.size() - 1), stopped.err());
            assertFalse(stopped.err().contains("is kept"), stopped.err());
        }
        assertFalse(Files.exists(report), "the report is not written");
        assertFalse(Files.exists(journal));
        assertEquals(List.of(), claims(home));
    }

    /** A load window of an hour that opens in two hours: a load started now waits for it. */
    private static String closedWindow() {
        LocalTime start = LocalTime.now(ZoneOffset.UTC).plusHours(2).truncatedTo(ChronoUnit.MINUTES);
        return start + "-" + start.plusHours(1);
    }

    /** Waits until {@code child} has printed a line on stderr that contains {@code text}. */
    private static void awaitLine(GfsLoadProcess child, String text) {
        ClusterProcesses.await(() -> {
            if (!child.isAlive()) {
                throw new AssertionError("gfsload ended before it printed " + text + ": " + child.errLines());
            }
            return child.errLines().stream().anyMatch(line -> line.contains(text));
        }, TIMEOUT, "gfsload prints " + text + "; it printed " + child.errLines());
    }

    /** The lock files of the claims on report files in {@code home}. */
    private static List<Path> claims(Path home) throws IOException {
        return list(home.resolve("reports")).stream().filter(file -> file.getFileName().toString().endsWith(".lock")).toList();
    }

    /** What {@code directory} holds; nothing when it does not exist. */
    private static List<Path> list(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }

    private static Path writeFiles(Path data, int count) throws IOException {
        Files.createDirectories(data);
        for (int i = 0; i < count; i++) {
            Files.write(data.resolve("part-%03d".formatted(i)), new byte[1_000 + i]);
        }
        return data;
    }
}
