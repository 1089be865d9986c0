package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.JobJournal;
import io.gfsload.planner.LoadRequest;
import io.gfsload.planner.LoadTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load of paths is the job of the data they name, whatever the working directory or the spelling. */
class TestJobIdOfPaths {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @TempDir
    Path root;

    @Test
    void theSameDataSpelledOtherwiseIsTheSameJob() throws Exception {
        Path data = Files.createDirectories(root.resolve("d/small"));
        Files.write(data.resolve("part-0"), new byte[1_000]);
        String job = JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + data)), 1), false);

        assertEquals(job, jobId(CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", data.toString())));
        for (String spelling : List.of(data + "/", root + "/d//small", root + "/d/./small", "file://" + data)) {
            assertEquals(job, jobId(CliRun.gfsload(home, "distributedLoad", "--json", "--progress", "none", spelling)), spelling);
        }
        // relative to the working directory of the command
        for (String relative : List.of("small", "./small/")) {
            try (GfsLoadProcess process = GfsLoadProcess.startIn(root.resolve("d"), home, "distributedLoad", "--json", "--progress", "none", relative)) {
                assertEquals(job, jobId(process.awaitExit(Duration.ofMinutes(2))), relative);
            }
        }
    }

    @Test
    void aRelativePathFromAnotherWorkingDirectoryIsAnotherJob() throws Exception {
        for (String parent : List.of("a", "b")) {
            Files.createDirectories(root.resolve(parent).resolve("x"));
            Files.write(root.resolve(parent).resolve("x/part-0"), new byte[1_000]);
        }
        CliRun first;
        try (GfsLoadProcess process = GfsLoadProcess.startIn(root.resolve("a"), home, "distributedLoad", "--json", "--progress", "none", "x")) {
            first = process.awaitExit(Duration.ofMinutes(2));
        }
        CliRun second;
        try (GfsLoadProcess process = GfsLoadProcess.startIn(root.resolve("b"), home, "distributedLoad", "--json", "--progress", "none", "x")) {
            second = process.awaitExit(Duration.ofMinutes(2));
        }

        assertEquals(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + root.resolve("a/x"))), 1), false), jobId(first));
        assertEquals(JobJournal.jobId(new LoadRequest(new LoadTarget.Paths(List.of("file:" + root.resolve("b/x"))), 1), false), jobId(second));
        assertNotEquals(jobId(first), jobId(second));
        assertFalse(second.err().contains("Resuming job"), second.err());
    }

    /** The job id in the JSON report of a load that succeeded. */
    private static String jobId(CliRun run) throws Exception {
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out()).path("job").path("jobId").asText();
    }
}
