package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.cache.testing.MutableClock;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load started before its {@code --window} plans again when the window opens, with the table
 * as the metastore has it then: a table whose location was altered while the load waited loads
 * the files of its new location, not those of the old one. A real Thrift metastore on loopback;
 * the wait runs on a fake clock.
 */
class TestWindowWithTableAltered {
    private static final TableName TABLE = new TableName("db", "u");

    @TempDir
    Path directory;

    @Test
    void aTableMovedWhileTheLoadWaitsForItsWindowLoadsItsNewLocation() throws Exception {
        Path before = directory.resolve("data/u-1");
        Path after = directory.resolve("data/u-2");
        Files.createDirectories(before);
        Files.createDirectories(after);
        Files.write(before.resolve("part-0"), new byte[100_000]);
        Files.write(after.resolve("part-0"), new byte[30_000]);
        Files.write(after.resolve("part-1"), new byte[40_000]);
        try (EmbeddedMetastore metastore = EmbeddedMetastore.start(directory.resolve("metastore"))) {
            try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
                admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
                admin.createParquetTable(TABLE, List.of(new Column("id", "bigint")), List.of(), before.toUri().toString());
            }
            // 22:48 UTC, the window opens at 01:00: the table moves while the load waits
            AtomicBoolean moved = new AtomicBoolean();
            MutableClock clock = new MutableClock(Instant.parse("2026-11-20T22:48:00Z"), () -> {
                if (moved.compareAndSet(false, true)) {
                    try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
                        admin.setTableLocation(TABLE, after.toUri().toString());
                    }
                }
            });
            Path reportFile = directory.resolve("report.json");
            CliRun run = CliRun.gfsload(new CliEnvironment(directory.resolve("home")).withClock(clock, clock::sleep), "--table", "db.u", "--window", "01:00-06:00",
                    "--window-zone", "UTC", "--progress", "none", "--report", reportFile.toString(), "--metastore", metastore.uri().toString());

            assertTrue(moved.get(), "the load waited");
            assertEquals(ExitCode.OK, run.exitCode(), run.err());
            JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
            assertEquals("SUCCEEDED", report.get("state").asText(), report.toString());
            assertEquals(70_000, report.get("totals").get("bytesLoaded").asLong(), "the files of the table's location when the window opened: " + report.get("partitions"));
            assertEquals(2, report.get("totals").get("files").asLong(), report.toString());
        }
    }
}
