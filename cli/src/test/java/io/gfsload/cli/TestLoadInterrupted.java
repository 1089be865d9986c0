package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @TempDir
    Path directory;

    @Test
    void aLoadStoppedWithSigtermGivesUpTheClaimOnItsReport() throws IOException {
        Path home = directory.resolve("home");
        Path data = writeFiles(directory.resolve("data"), 2);
        Path report = directory.resolve("out/report.json");
        try (GfsLoadProcess child = GfsLoadProcess.start(home, "distributedLoad", "--progress", "json", "--window", closedWindow(), "--window-zone", "UTC",
                "--report", report.toString(), data.toString())) {
            awaitLine(child, "\"event\":\"paused\"");
            assertEquals(1, claims(home).size(), "the run holds its report: " + claims(home));

            CliRun stopped = child.terminate();

            assertEquals(143, stopped.exitCode(), "128 + SIGTERM: " + stopped.err());
            assertTrue(stopped.err().strip().endsWith("the same command resumes the job"), stopped.err());
        }
        assertEquals(List.of(), claims(home), "the claim's lock file is deleted as the process ends");
        assertFalse(Files.exists(report), "an interrupted load writes no report");
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
        Path reports = home.resolve("reports");
        if (!Files.isDirectory(reports)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(reports)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".lock")).toList();
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
