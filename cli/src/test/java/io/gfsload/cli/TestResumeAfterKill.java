package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gfsload process with its embedded cluster killed with SIGKILL halfway through a load; the same
 * command again resumes the job and finishes it, and the UFS bytes read over both runs stay within
 * 1.1 x the data. {@link TestLoadIntoClusterProcesses} does the same against a cluster of processes.
 */
class TestResumeAfterKill {
    @TempDir
    Path home;

    @Test
    void theSameCommandResumesAfterKillMinusNine() throws Exception {
        KillAndResume scenario = new KillAndResume(home, home.resolve("data"));
        scenario.killAQuarterOfTheWayThrough();
        scenario.resume();
    }

    /**
     * The load window is a setting, not part of the job: a job killed halfway, run again outside
     * its window (it resumes the job, waits, and is stopped with SIGTERM while waiting), then run again inside
     * it, finishes the one job, and its report shows the window.
     */
    @Test
    void aJobKilledWhileWaitingForItsWindowResumesInIt() throws Exception {
        KillAndResume scenario = new KillAndResume(home, home.resolve("data"));
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        String open = now.minusHours(1) + "-" + now.plusHours(1);
        String closed = now.plusHours(2) + "-" + now.plusHours(3);
        scenario.killAQuarterOfTheWayThrough("--window", open, "--window-zone", "UTC");
        scenario.terminateWhileWaitingForTheWindow(closed);
        JsonNode report = scenario.resume(3, "--window", open, "--window-zone", "UTC");
        assertEquals(open, report.get("window").get("window").asText());
        assertEquals("UTC", report.get("window").get("zone").asText());
        assertEquals(0, report.get("window").get("waitedMillis").asLong());
        assertEquals(0, report.get("window").get("pauses").asInt());
    }
}
