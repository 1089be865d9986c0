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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What becomes of a command whose stdout cannot be written: gfsload in a child process, its stdout a full disk or a pipe closed by its reader. */
class TestStandardOutput {
    private static final ProcessBuilder.Redirect FULL_DISK = ProcessBuilder.Redirect.to(Path.of("/dev/full").toFile());

    @TempDir
    Path home;

    private Path directory(String name) throws IOException {
        Path dir = Files.createDirectories(home.resolve("ufs").resolve(name));
        for (int i = 0; i < 2; i++) {
            Files.write(dir.resolve("f" + i + ".bin"), new byte[10_000]);
        }
        return dir;
    }

    @Test
    void aReportLostOnAFullDiskIsAFailureThatStderrExplains() throws IOException {
        Path dir = directory("full");
        Path report = home.resolve("report.json");
        try (GfsLoadProcess load = GfsLoadProcess.start(home, FULL_DISK, "distributedLoad", "--progress", "none", "--json", "--report", report.toString(),
                dir.toString())) {
            CliRun run = load.awaitExit(Duration.ofMinutes(2));
            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            assertTrue(run.err().endsWith("gfsload: Cannot write to stdout: no space left on device; what the command printed there is lost or incomplete"),
                    run.err());
        }
        // the load itself went through: its --report says so, with the code the command exited with, and a retry finds everything cached
        JsonNode written = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("SUCCEEDED", written.get("state").asText());
        assertEquals(ExitCode.FAILED, written.get("exitCode").asInt(), written.toString());

        try (GfsLoadProcess status = GfsLoadProcess.start(home, FULL_DISK, "status", "--json", "--path", dir.toString())) {
            CliRun run = status.awaitExit(Duration.ofMinutes(2));
            assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
            assertTrue(run.err().contains("gfsload: Cannot write to stdout: no space left on device"), run.err());
        }
    }

    @Test
    void aReaderThatGoesAwayDoesNotFailTheLoad() throws IOException {
        Path dir = directory("piped");
        Path report = home.resolve("report.json");
        try (GfsLoadProcess load = GfsLoadProcess.start(home, ProcessBuilder.Redirect.PIPE, "distributedLoad", "--progress", "none", "--json",
                "--report", report.toString(), dir.toString())) {
            // as '| head -1' that has read its line: every write to stdout now fails with a broken pipe
            load.process().getInputStream().close();
            CliRun run = load.awaitExit(Duration.ofMinutes(2));
            assertEquals(ExitCode.OK, run.exitCode(), run.err());
            assertFalse(run.err().contains("Cannot write to stdout"), run.err());
        }
        JsonNode written = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("SUCCEEDED", written.get("state").asText());
        assertEquals(ExitCode.OK, written.get("exitCode").asInt(), written.toString());
    }
}
