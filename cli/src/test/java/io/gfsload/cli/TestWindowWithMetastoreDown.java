package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load started before its {@code --window} plans again when the window opens; when the
 * metastore cannot be reached then, it loads the plan it made when it started and says so, on
 * stderr and in the report. The metastore is a real Thrift server on loopback, stopped while the
 * load waits; the wait runs on a fake clock.
 */
class TestWindowWithMetastoreDown {
    @TempDir
    Path directory;

    @Test
    void theMetastoreDownWhenTheWindowOpensLoadsTheFirstPlan() throws Exception {
        Path partition = directory.resolve("data/t/dt=1");
        Files.createDirectories(partition);
        Files.write(partition.resolve("part-0"), new byte[100_000]);
        Files.write(partition.resolve("part-1"), new byte[50_000]);
        EmbeddedMetastore metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            MetastoreTables.oneDayTable(metastore.uri(), directory.resolve("data"));
            // 22:48 UTC, the window opens at 01:00: the metastore stops while the load waits
            MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"), () -> {
                if (stopped.compareAndSet(false, true)) {
                    metastore.close();
                }
            });
            Path reportFile = directory.resolve("report.json");
            CliRun run = CliRun.gfsload(new CliEnvironment(directory.resolve("home")).withClock(clock, clock::sleep), "--table", "db.t", "--window", "01:00-06:00",
                    "--window-zone", "UTC", "--progress", "none", "--report", reportFile.toString(), "--metastore", metastore.uri().toString());

            assertTrue(stopped.get(), "the load waited");
            assertEquals(ExitCode.OK, run.exitCode(), run.err());
            assertTrue(run.err().contains("gfsload: warning: Cannot reach the metastore when the window opened (Cannot reach the metastore at "
                    + metastore.uri()), run.err());
            assertTrue(run.err().contains("): loading the plan made at 22:48:00 (UTC)\n"), run.err());
            assertTrue(run.out().startsWith("db.t: SUCCEEDED"), run.out());
            assertTrue(run.out().contains("\n  warning Cannot reach the metastore when the window opened ("), run.out());
            JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
            assertEquals("SUCCEEDED", report.get("state").asText(), report.toString());
            assertEquals(150_000, report.get("totals").get("bytesLoaded").asLong(), report.toString());
            assertTrue(report.get("window").get("warning").asText().startsWith("Cannot reach the metastore when the window opened ("), report.toString());
            assertEquals(Duration.ofMinutes(132).toMillis(), report.get("window").get("waitedMillis").asLong());
        }
        finally {
            if (stopped.compareAndSet(false, true)) {
                metastore.close();
            }
        }
    }
}
