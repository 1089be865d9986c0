package io.gfsload.cli;

import java.nio.file.Path;
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
}
