package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON progress of a load that fails once its progress has begun, without a report of its own
 * (here: the path it loads is gone when its window opens): the last line is still the
 * {@code finished} one, its state {@code failed} and its error the line on stderr, so that a log
 * that waits for that line hears how the load ended. The wait runs on a fake clock.
 */
class TestProgressOfALoadThatFails {
    @TempDir
    Path directory;

    @Test
    void aLoadThatFailsAfterItsProgressBeganEndsWithAFailedFinishedLine() throws IOException {
        Path data = Files.createDirectories(directory.resolve("data/d"));
        Files.write(data.resolve("part-0"), new byte[100_000]);
        // 22:48 UTC, the window opens at 01:00: the directory goes while the load waits
        AtomicBoolean deleted = new AtomicBoolean();
        MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"), () -> {
            if (deleted.compareAndSet(false, true)) {
                try {
                    Files.delete(data.resolve("part-0"));
                    Files.delete(data);
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        CliRun run = CliRun.gfsload(new CliEnvironment(directory.resolve("home")).withClock(clock, clock::sleep), "distributedLoad", "--window", "01:00-06:00",
                "--window-zone", "UTC", "--progress", "json", "--json", data.toString());

        assertTrue(deleted.get(), "the load waited");
        assertEquals(ExitCode.NOT_FOUND, run.exitCode(), run.err());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.err().lines().toList()) {
            if (line.startsWith("{")) {
                lines.add(new ObjectMapper().readTree(line));
            }
        }
        assertEquals("paused", lines.get(0).get("event").asText(), run.err());
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("finished", last.get("event").asText(), "the last progress line says the load ended: " + run.err());
        assertEquals("failed", last.get("state").asText(), run.err());
        assertEquals(0, last.get("etaSeconds").asLong(), run.err());
        assertEquals("Path not found: " + data, last.get("error").asText(), "as stderr says it: " + run.err());
        assertTrue(run.err().contains("gfsload: Path not found: " + data), run.err());
        assertEquals("FAILED", new ObjectMapper().readTree(run.out()).get("state").asText(), run.out());
    }
}
