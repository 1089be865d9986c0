package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.executor.LoadWindow;
import io.gfsload.executor.WindowPause;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The JSON progress lines of a load that waits for its window, then pauses in it. */
class TestProgressReporter {
    private static final LoadWindow NIGHT = LoadWindow.parse("01:00-06:00", ZoneOffset.UTC);

    @Test
    void jsonLinesSayWhenTheLoadWaitsPausesAndResumes() throws IOException {
        StringWriter out = new StringWriter();
        AtomicLong nanos = new AtomicLong();
        try (ProgressReporter progress = new ProgressReporter(ProgressReporter.Mode.JSON, false, new PrintWriter(out), System.err, nanos::get)) {
            Instant evening = Instant.parse("2026-11-20T21:48:00Z");
            progress.windowClosed(new WindowPause(NIGHT, evening, NIGHT.opensAt(evening), true));
            nanos.addAndGet(Duration.ofHours(3).plusMinutes(12).toNanos());
            progress.windowOpened(NIGHT, Duration.ofMinutes(192));
            Instant morning = Instant.parse("2026-11-21T06:00:00Z");
            progress.windowClosed(new WindowPause(NIGHT, morning, NIGHT.opensAt(morning), false));
        }
        String[] lines = out.toString().split("\\R");
        assertEquals(3, lines.length, out.toString());

        JsonNode waiting = new ObjectMapper().readTree(lines[0]);
        assertEquals("paused", waiting.get("event").asText());
        assertEquals("waiting", waiting.get("state").asText());
        assertEquals("01:00-06:00", waiting.get("window").asText());
        assertEquals("2026-11-21T01:00:00Z", waiting.get("opensAt").asText());
        assertEquals(Duration.ofMinutes(192).toSeconds(), waiting.get("opensInSeconds").asLong());
        assertEquals("waiting for the load window 01:00-06:00, opens in 3 h 12 min", waiting.get("message").asText());

        JsonNode resumed = new ObjectMapper().readTree(lines[1]);
        assertEquals("resumed", resumed.get("event").asText());
        assertEquals("loading", resumed.get("state").asText());
        assertEquals(Duration.ofMinutes(192).toSeconds(), resumed.get("pausedSeconds").asLong());

        JsonNode paused = new ObjectMapper().readTree(lines[2]);
        assertEquals("paused", paused.get("state").asText());
        assertTrue(paused.get("message").asText().startsWith("the load window 01:00-06:00 closed: paused"), lines[2]);
    }
}
