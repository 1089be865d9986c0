package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.planner.InvalidRequestException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code $GFSLOAD_MASTER_TIMEOUT}: the deadline of a call to the cache master, 30 s unless set. */
class TestMasterTimeoutSetting {
    @TempDir
    Path directory;

    @Test
    void defaultsToThirtySeconds() {
        assertEquals(Duration.ofSeconds(30), new CliEnvironment(directory).masterTimeout());
        assertEquals(Duration.ofSeconds(30), CliEnvironment.fromSystem(Map.of(), directory.toString()).masterTimeout());
        assertEquals(Duration.ofSeconds(30), new CliEnvironment(directory).withMasterTimeout(" ").masterTimeout());
    }

    @Test
    void takesSecondsAndMinutesFromTheEnvironment() {
        assertEquals(Duration.ofSeconds(5), CliEnvironment.fromSystem(Map.of("GFSLOAD_MASTER_TIMEOUT", "5s"), directory.toString()).masterTimeout());
        assertEquals(Duration.ofMinutes(2), new CliEnvironment(directory).withMasterTimeout("2min").masterTimeout());
    }

    @Test
    void refusesATimeWithoutAUnitOrInMilliseconds() {
        for (String value : List.of("30", "500ms", "soon", "1h")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new CliEnvironment(directory).withMasterTimeout(value).masterTimeout());
            assertEquals("Invalid GFSLOAD_MASTER_TIMEOUT '%s': expected a whole number of seconds or minutes and its unit, s or min, such as 30s"
                    .formatted(value), e.getMessage());
        }
    }

    @Test
    void refusesZeroAndTooLongATimeSayingSo() {
        for (String value : List.of("0s", "0min")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new CliEnvironment(directory).withMasterTimeout(value).masterTimeout());
            assertEquals("Invalid GFSLOAD_MASTER_TIMEOUT '%s': at least 1 s".formatted(value), e.getMessage());
        }
        for (String value : List.of("5256001min", "99999999999999999999s")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new CliEnvironment(directory).withMasterTimeout(value).masterTimeout());
            assertEquals("Invalid GFSLOAD_MASTER_TIMEOUT '%s': at most 3650 days".formatted(value), e.getMessage());
        }
        assertEquals(Duration.ofDays(3650), new CliEnvironment(directory).withMasterTimeout("5256000min").masterTimeout());
    }

    @Test
    void aLoadWithABadTimeoutExitsTwo() {
        CliRun run = CliRun.gfsload(new CliEnvironment(directory.resolve("home")).withMasterTimeout("30"), "distributedLoad", "--progress", "none",
                "--master", "127.0.0.1:1", directory.toString());
        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("Invalid GFSLOAD_MASTER_TIMEOUT '30'"), run.err());
    }
}
