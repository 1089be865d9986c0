package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gfsload process killed with SIGKILL halfway through a load; the same command again resumes
 * the job and finishes it, and the UFS bytes read over both runs stay within 1.1 x the data.
 */
class TestResumeAfterKill {
    private static final int FILES = 40;
    private static final int FILE_BYTES = 4 << 20;
    private static final long TOTAL = (long) FILES * FILE_BYTES;

    @TempDir
    Path home;

    @Test
    void theSameCommandResumesAfterKillMinusNine() throws Exception {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Random random = new Random(5);
        byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(data.resolve("part-%03d".formatted(i)), bytes);
        }

        ProcessBuilder builder = new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                GfsLoad.class.getName(),
                "distributedLoad", "--bandwidth", "40MB/s", "--progress", "json", data.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("GFSLOAD_HOME", home.toString());
        Process child = builder.start();
        child.getOutputStream().close();
        List<String> seen = new ArrayList<>();
        boolean killed = false;
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                seen.add(line);
                if (line.startsWith("{") && new ObjectMapper().readTree(line).get("bytesDone").asLong() >= TOTAL / 4) {
                    child.destroyForcibly();
                    killed = true;
                    break;
                }
            }
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child exits");
        assertTrue(killed, "the child was killed halfway; it printed " + seen);

        Path journal = home.resolve("jobs").resolve(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of(data.toString())), 1)));
        assertTrue(Files.isDirectory(journal), "the killed run left its journal");

        CliRun run = CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", data.toString());

        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(2, report.get("job").get("run").asLong());
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
        assertTrue(run.err().contains("Resuming job " + journal.getFileName() + " (run 2): " + resumedBlocks + " blocks committed"), run.err());
        assertFalse(Files.exists(journal), "a job that succeeds deletes its journal");
    }
}
