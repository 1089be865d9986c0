package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded metastore and cache cluster serve one command at a time: while a load holds them
 * (here one waiting for its load window, in another process), every other command that needs them
 * fails at once with one line that says so.
 */
class TestEmbeddedServicesInUse {
    @TempDir
    Path home;

    @Test
    void everyCommandSaysAtOnceThatTheEmbeddedServicesAreInUse() {
        LocalTime now = LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        String closed = now.plusHours(2) + "-" + now.plusHours(3);
        try (GfsLoadProcess load = GfsLoadProcess.start(home, "--table", "demo.events", "--partition", "dt=2026-11-18",
                "--window", closed, "--window-zone", "UTC", "--progress", "none")) {
            ClusterProcesses.await(() -> load.errLines().stream().anyMatch(line -> line.startsWith("UFS reads start only within the load window")),
                    Duration.ofMinutes(2), "the load waits for its window; it printed " + load.errLines());

            String metastoreInUse = "gfsload: The embedded metastore in " + home.resolve("metastore") + " is in use by another process"
                    + Services.EMBEDDED_IN_USE_HINT;
            String clusterInUse = "gfsload: The cache cluster in " + home.resolve("cluster") + " is in use by another process"
                    + Services.EMBEDDED_IN_USE_HINT;
            for (List<String> args : List.of(List.of("status", "--table", "demo.events"), List.of("plan", "--table", "demo.events"),
                    List.of("free", "--table", "demo.events"), List.of("tune", "--table", "demo.events"), List.of("--table", "demo.events"))) {
                CliRun run = CliRun.gfsload(home, args.toArray(String[]::new));
                assertEquals(ExitCode.FAILED, run.exitCode(), args + ": " + run.err());
                assertEquals(metastoreInUse, run.err().strip(), args.toString());
                assertEquals("", run.out(), args.toString());
            }
            for (List<String> args : List.of(List.of("status", "--path", home.toString()), List.of("plan", "--path", home.toString()),
                    List.of("free", "--path", home.toString()), List.of("distributedLoad", home.toString()))) {
                CliRun run = CliRun.gfsload(home, args.toArray(String[]::new));
                assertEquals(ExitCode.FAILED, run.exitCode(), args + ": " + run.err());
                assertEquals(clusterInUse, run.err().strip(), args.toString());
            }

            // as a user runs it: that one line, and nothing of the metastore's attempts to open its database
            try (GfsLoadProcess status = GfsLoadProcess.start(home, "status", "--table", "demo.events")) {
                CliRun run = status.awaitExit(Duration.ofMinutes(2));
                assertEquals(ExitCode.FAILED, run.exitCode(), run.err());
                assertEquals(metastoreInUse, run.err().strip());
            }
            assertTrue(load.errLines().stream().noneMatch(line -> line.startsWith("gfsload:")), "the load still waits: " + load.errLines());
        }
    }
}
