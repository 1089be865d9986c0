package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.api.CacheClient;
import io.gfsload.cache.local.LocalCluster;
import io.gfsload.cache.local.LocalClusterConfig;
import io.gfsload.executor.LoadReport;
import io.gfsload.executor.LoadState;
import io.gfsload.executor.LoadTotals;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The line SIGINT or SIGTERM leaves on stderr, by where the load was and what became of its journal, and with {@code --json} on stdout. */
class TestLoadInterruption {
    private static final String JOB = "0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    @Test
    void beforePlanningTheLineSaysSo() {
        StringWriter err = new StringWriter();
        try (LoadInterruption interruption = LoadInterruption.start(noStdout(), new PrintWriter(err), new JsonOutput(), directory.resolve("jobs"))) {
            interruption.interrupted();
        }
        assertEquals("gfsload: interrupted before planning: nothing was loaded" + System.lineSeparator(), err.toString());

        StringWriter dryRun = new StringWriter();
        try (LoadInterruption interruption = LoadInterruption.startDryRun(noStdout(), new PrintWriter(dryRun), new JsonOutput())) {
            interruption.interrupted();
        }
        assertEquals("gfsload: interrupted before planning: no plan printed" + System.lineSeparator(), dryRun.toString());
    }

    @Test
    void whilePlanningTheLineFollowsThePlansProgressStopped() {
        StringWriter err = new StringWriter();

        String line = interruptedWhilePlanning(LoadInterruption.start(noStdout(), new PrintWriter(err), new JsonOutput(), directory.resolve("jobs")), err);

        assertEquals("gfsload: interrupted while planning: nothing was loaded" + System.lineSeparator(), line);
    }

    @Test
    void aDryRunWhilePlanningSaysNoPlanIsPrinted() {
        StringWriter err = new StringWriter();

        String line = interruptedWhilePlanning(LoadInterruption.startDryRun(noStdout(), new PrintWriter(err), new JsonOutput()), err);

        assertEquals("gfsload: interrupted while planning: no plan printed" + System.lineSeparator(), line);
    }

    @Test
    void withJsonStdoutHasTheFailedDocumentAndNoReportAfterIt() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        JsonOutput output = json();
        try (LoadInterruption interruption = LoadInterruption.start(new PrintWriter(out), new PrintWriter(err), output, directory.resolve("jobs"))) {
            interruption.planning(() -> {});

            interruption.interrupted();
        }

        assertEquals("gfsload: interrupted while planning: nothing was loaded", err.toString().strip());
        JsonNode failed = JSON.readTree(out.toString());
        assertEquals("FAILED", failed.get("state").asText(), out.toString());
        // 128 + the signal's number; SIGTERM's when no handler saw which signal came
        assertEquals(143, failed.get("exitCode").asInt(), out.toString());
        assertEquals("interrupted while planning: nothing was loaded", failed.get("error").asText(), out.toString());
        assertFalse(output.printing(), "the command prints no report after the FAILED document");
    }

    @Test
    void withoutJsonNoSummaryFollowsTheLine() {
        StringWriter err = new StringWriter();
        JsonOutput output = new JsonOutput();
        try (LoadInterruption interruption = LoadInterruption.start(noStdout(), new PrintWriter(err), output, directory.resolve("jobs"))) {
            interruption.interrupted();
        }

        assertEquals("gfsload: interrupted before planning: nothing was loaded", err.toString().strip());
        assertFalse(output.printing(), "the command prints no summary after the line");
    }

    @Test
    void aDryRunWithJsonHasTheFailedDocumentOnStdout() throws IOException {
        StringWriter out = new StringWriter();
        try (LoadInterruption interruption = LoadInterruption.startDryRun(new PrintWriter(out), new PrintWriter(new StringWriter()), json())) {
            interruption.interrupted();
        }

        assertEquals("interrupted before planning: no plan printed", JSON.readTree(out.toString()).get("error").asText(), out.toString());
    }

    @Test
    void aReportBeingPrintedHasNoFailedDocumentAfterIt() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        JsonOutput output = json();
        try (LoadInterruption interruption = LoadInterruption.start(new PrintWriter(out), new PrintWriter(err), output, directory.resolve("jobs"))) {
            assertTrue(output.printing(), "the command prints its report");

            interruption.interrupted();
        }

        assertEquals("", out.toString(), "stdout is the report's");
        assertEquals("gfsload: interrupted before planning: nothing was loaded", err.toString().strip(), "the line is still on stderr");
    }

    /** A command's output with {@code --json}. */
    private static JsonOutput json() {
        JsonOutput output = new JsonOutput();
        output.json = true;
        return output;
    }

    /** A stdout that must stay empty: a command without {@code --json} prints nothing there when interrupted. */
    private static PrintWriter noStdout() {
        return new PrintWriter(new Writer() {
            @Override
            public void write(char[] buffer, int offset, int length) {
                throw new AssertionError("printed on stdout: " + new String(buffer, offset, length));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    /** What {@code interruption}, writing to {@code err}, says when interrupted while planning; the plan's progress is stopped first. */
    private static String interruptedWhilePlanning(LoadInterruption interruption, StringWriter err) {
        AtomicBoolean stopped = new AtomicBoolean();
        try (interruption) {
            interruption.planning(() -> {
                assertEquals("", err.toString(), "the plan's progress stops before the line");
                stopped.set(true);
            });

            interruption.interrupted();
        }
        assertTrue(stopped.get(), "the plan's progress stops");
        return err.toString();
    }

    @Test
    void aLoadDoesNotStartOnceTheJvmEndsAsPlanningEnded() throws IOException {
        StringWriter err = new StringWriter();
        AtomicBoolean jvmEnding = new AtomicBoolean();
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 1 << 20));
                CacheClient client = cluster.newClient();
                LoadInterruption interruption = LoadInterruption.start(noStdout(), new PrintWriter(err), new JsonOutput(), directory.resolve("jobs"), jvmEnding::get)) {
            interruption.planning(() -> {});
            // SIGTERM as the plan is made, before the load starts
            jvmEnding.set(true);

            assertFalse(interruption.loading(JOB, progress(), client), "the load does not start");

            interruption.interrupted();
        }
        assertEquals("gfsload: interrupted while planning: nothing was loaded" + System.lineSeparator(), err.toString());
    }

    @Test
    void asTheLoadEndsTheLineSaysWhetherTheJournalIsKept() throws IOException {
        Path jobs = Files.createDirectories(directory.resolve("jobs"));
        try (LocalCluster cluster = LocalCluster.start(new LocalClusterConfig(directory.resolve("cluster"), 1, 1 << 20));
                CacheClient client = cluster.newClient()) {
            assertEquals("gfsload: interrupted as the load ended (SUCCEEDED), before its report; the job is done, everything requested is "
                    + "cached, and its journal (job " + JOB + ") is deleted", endedLine(jobs, client, LoadState.SUCCEEDED));

            // a journal kept: the job's directory with a store in it (RocksDB's CURRENT names its manifest)
            Files.writeString(Files.createDirectories(jobs.resolve(JOB)).resolve("CURRENT"), "MANIFEST-000001\n");
            String kept = endedLine(jobs, client, LoadState.PARTIAL);
            assertEquals("gfsload: interrupted as the load ended (PARTIAL), before its report; " + LoadAction.journalKept(JOB), kept);
        }
    }

    /** The line of a load of {@link #JOB} that ended {@code state}, its journal settled. */
    private static String endedLine(Path jobs, CacheClient client, LoadState state) {
        StringWriter err = new StringWriter();
        try (LoadInterruption interruption = LoadInterruption.start(noStdout(), new PrintWriter(err), new JsonOutput(), jobs)) {
            assertTrue(interruption.loading(JOB, progress(), client));
            interruption.ended(report(state));
            interruption.journalSettled();

            interruption.interrupted();
        }
        return err.toString().strip();
    }

    private static ProgressReporter progress() {
        return new ProgressReporter(ProgressReporter.Mode.NONE, false, new PrintWriter(new StringWriter()), new PrintStream(PrintStream.nullOutputStream()),
                System::nanoTime);
    }

    private static LoadReport report(LoadState state) {
        LoadTotals totals = new LoadTotals(1, 0, 1, 1, 0, 0, 1000, 1000, 0, 0);
        return new LoadReport("/data", state, 1, totals, List.of(), 1000, 1000, 1000, List.of(), 1000, null, null, null, null, false, null,
                LoadReport.Evicted.NONE, null);
    }
}
