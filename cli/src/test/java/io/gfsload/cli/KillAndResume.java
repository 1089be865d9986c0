package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A {@code gfsload distributedLoad} process killed with SIGKILL a quarter of the way through, then
 * the same command again: the second run resumes the job from its journal and finishes it, and
 * the UFS bytes read over both runs stay within 1.1 x the data. The embedded cluster and the
 * cluster of processes share it.
 */
final class KillAndResume {
    static final int FILES = 40;
    static final int FILE_BYTES = 4 << 20;
    static final long TOTAL = (long) FILES * FILE_BYTES;
    static final String BANDWIDTH = "20MB/s";

    private final Path home;
    private final Path data;
    private final List<String> connection;

    /**
     * @param home {@code $GFSLOAD_HOME} of both runs
     * @param data where the files to load are written
     * @param connection options naming the cluster, e.g. {@code --master host:port}; none for the embedded one
     */
    KillAndResume(Path home, Path data, String... connection) {
        this.home = home;
        this.data = data;
        this.connection = List.of(connection);
    }

    /**
     * Writes the data, starts the load in a child process at {@value #BANDWIDTH} and kills it a
     * quarter of the way through; {@code flags} are added to the command. The load takes 8 s at
     * that rate, so a test thread that sees the progress seconds late on a loaded machine still
     * kills it before it ends.
     */
    void killAQuarterOfTheWayThrough(String... flags) throws IOException {
        Files.createDirectories(data);
        Random random = new Random(5);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }
        List<String> args = new ArrayList<>(List.of("distributedLoad", "--bandwidth", BANDWIDTH, "--progress", "json"));
        args.addAll(List.of(flags));
        args.addAll(connection);
        args.add(data.toString());
        try (GfsLoadProcess child = GfsLoadProcess.start(home, args.toArray(String[]::new))) {
            // files done, not bytes: the bytes of blocks in flight count before their blocks are committed
            child.awaitFilesDone(FILES / 4, Duration.ofSeconds(120));
            child.kill();
            assertNotEquals(0, child.awaitExit(Duration.ofSeconds(30)).exitCode(), "killed before it finished");
        }
        assertTrue(Files.isDirectory(journal()), "the killed run left its journal");
    }

    /**
     * Starts the same command again with {@code window}, a load window that is closed now, in a
     * child process: it resumes the job, says it waits for the window, and is stopped with SIGTERM
     * while it waits, saying that the job's journal is kept.
     */
    void terminateWhileWaitingForTheWindow(String window) {
        List<String> args = new ArrayList<>(List.of("distributedLoad", "--bandwidth", BANDWIDTH, "--progress", "json", "--window", window, "--window-zone", "UTC"));
        args.addAll(connection);
        args.add(data.toString());
        try (GfsLoadProcess child = GfsLoadProcess.start(home, args.toArray(String[]::new))) {
            ClusterProcesses.await(() -> child.errLines().stream().anyMatch(line -> line.contains("\"event\":\"paused\"")), Duration.ofSeconds(120),
                    "gfsload says it waits for the window; it printed " + child.errLines());
            List<String> lines = child.errLines();
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("Resuming job " + journal().getFileName() + " (run 2)")), lines.toString());
            assertTrue(lines.stream().anyMatch(line -> line.contains("\"state\":\"waiting\"")
                    && line.contains("\"message\":\"waiting for the load window " + window + ", opens in ")), lines.toString());
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("UFS reads start only within the load window %s (UTC); it is closed now and opens in "
                    .formatted(window))), lines.toString());
            long done = lines.stream().filter(line -> line.contains("\"event\":\"progress\"")).count();
            assertEquals(0, done, "nothing loaded outside the window: " + lines);
            CliRun stopped = child.terminate();
            assertEquals(143, stopped.exitCode(), "128 + SIGTERM");
            assertTrue(stopped.err().strip().endsWith("gfsload: interrupted; the journal of job %s is kept: the same command resumes the job"
                    .formatted(journal().getFileName())), stopped.err());
        }
        assertTrue(Files.isDirectory(journal()), "the job killed while waiting keeps its journal");
    }

    /** Runs the same command again, in-process; checks that it resumed and finished the job. */
    void resume() throws IOException {
        resume(2);
    }

    /**
     * Runs the same command again, in-process, with {@code flags} added; checks that it resumed the
     * job as run {@code run} and finished it.
     */
    JsonNode resume(long run, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("distributedLoad", "--json", "--progress", "none"));
        args.addAll(List.of(flags));
        args.addAll(connection);
        args.add(data.toString());
        CliRun resumed = CliRun.gfsload(home, args.toArray(String[]::new));

        assertEquals(0, resumed.exitCode(), resumed.err());
        JsonNode report = new ObjectMapper().readTree(resumed.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(run, report.get("job").get("run").asLong());
        long resumedBlocks = report.get("job").get("previousBlocks").asLong();
        assertTrue(resumedBlocks >= FILES / 4 && resumedBlocks < FILES, "blocks committed before the kill: " + resumedBlocks);
        // a block the master committed just before the kill may be missing from the journal
        long cachedBefore = report.get("totals").get("blocksAlreadyCached").asLong();
        assertTrue(cachedBefore >= resumedBlocks && cachedBefore <= resumedBlocks + 8,
                "blocks cached before this run: %d, journalled: %d".formatted(cachedBefore, resumedBlocks));
        assertEquals(TOTAL, report.get("totals").get("bytesLoaded").asLong() + report.get("totals").get("bytesAlreadyCached").asLong());
        long readOverBothRuns = report.get("job").get("previousUfsBytesRead").asLong() + report.get("ufsBytesRead").asLong();
        assertTrue(readOverBothRuns >= TOTAL, "every byte was read at least once: " + readOverBothRuns);
        assertTrue(readOverBothRuns <= TOTAL * 1.1, "UFS bytes read over both runs: %d for %d bytes of data".formatted(readOverBothRuns, TOTAL));
        assertTrue(resumed.err().contains("Resuming job %s (run %d): %d blocks committed".formatted(journal().getFileName(), run, resumedBlocks)), resumed.err());
        assertFalse(Files.exists(journal()), "a job that succeeds deletes its journal");
        return report;
    }

    private Path journal() {
        return home.resolve("jobs").resolve(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1), false));
    }
}
