package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions the metastore has and the UFS has no directory for (registered before their data
 * landed, or moved away), with the embedded metastore and cluster and the demo table: not found
 * when every selected partition is so, the rest loaded and the run partial otherwise; an existing
 * empty directory stays an empty partition.
 */
class TestMissingPartitionLocation {
    private static final String MISSING = "dt=2026-11-18";
    private static final String EMPTY = "dt=2026-11-19";

    @TempDir
    static Path home;

    private static String missingLocation;

    @BeforeAll
    static void moveAPartitionAway() throws IOException {
        // creates the demo table on first use
        JsonNode plan = json(gfsload("plan", "--table", "demo.events", "--json").out());
        missingLocation = plan.get("partitions").get(0).get("location").asText();
        Path data = Path.of(URI.create(missingLocation));
        Files.move(data, home.resolve("moved-away"));
        // the other one's files gone, its directory still there
        Path empty = Path.of(URI.create(plan.get("partitions").get(1).get("location").asText()));
        try (var files = Files.list(empty)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    private static CliRun gfsload(String... args) {
        return CliRun.gfsload(home, args);
    }

    @Test
    void aLoadOfOnlyPartitionsWithoutTheirLocationIsNotFoundAndLoadsNothing() throws IOException {
        Path report = home.resolve("reports/missing.json");
        String message = "Location not found: demo.events %s at %s (the metastore has it, the UFS no data: not landed yet, or moved away)"
                .formatted(MISSING, missingLocation);

        CliRun load = gfsload("--table", "demo.events", "--partition", MISSING, "--progress", "none", "--report", report.toString());
        assertEquals(ExitCode.NOT_FOUND, load.exitCode(), load.err());
        assertEquals("gfsload: " + message, load.err().strip());
        JsonNode written = json(Files.readString(report));
        assertEquals("FAILED", written.get("state").asText());
        assertEquals(ExitCode.NOT_FOUND, written.get("exitCode").asInt());
        assertEquals(message, written.get("error").asText());

        CliRun dryRun = gfsload("--table", "demo.events", "--partition", MISSING, "--dry-run");
        assertEquals(ExitCode.NOT_FOUND, dryRun.exitCode(), "as the load would: " + dryRun.err());
        assertEquals("gfsload: " + message, dryRun.err().strip());

        CliRun status = gfsload("status", "--table", "demo.events", "--partition", MISSING);
        assertEquals(ExitCode.NOT_FOUND, status.exitCode(), status.err());
        assertEquals("gfsload: " + message, status.err().strip());
    }

    @Test
    void theOtherPartitionsLoadAndTheRunIsPartialListingThoseWithoutTheirLocation() {
        CliRun dryRun = gfsload("--table", "demo.events", "--partition", MISSING, "--partition", "dt=2026-11-20", "--dry-run");
        assertEquals(ExitCode.PARTIAL, dryRun.exitCode(), "as the load would: " + dryRun.err());
        assertTrue(dryRun.out().contains("Not found, not loaded: %s: Location does not exist: %s".formatted(MISSING, missingLocation)), dryRun.out());
        CliRun dryRunJson = gfsload("--table", "demo.events", "--partition", MISSING, "--partition", "dt=2026-11-20", "--dry-run", "--json");
        assertEquals(ExitCode.PARTIAL, dryRunJson.exitCode(), dryRunJson.err());
        JsonNode plan = json(dryRunJson.out());
        assertEquals(ExitCode.PARTIAL, plan.get("exitCode").asInt(), "the JSON says how the command ends: " + dryRunJson.out());
        assertTrue(plan.get("error").isNull(), "the partition says why: " + dryRunJson.out());
        assertTrue(plan.get("partitions").get(0).get("locationMissing").asBoolean(), dryRunJson.out());

        CliRun load = gfsload("--table", "demo.events", "--partition", MISSING, "--partition", "dt=2026-11-20", "--progress", "none", "--json");
        assertEquals(ExitCode.PARTIAL, load.exitCode(), load.err());
        assertTrue(load.err().contains("1 partition not found, not loaded (location does not exist): %s at %s".formatted(MISSING, missingLocation)), load.err());
        assertFalse(load.err().contains("has no files"), load.err());
        JsonNode report = json(load.out());
        assertEquals("PARTIAL", report.get("state").asText(), load.out());
        assertEquals(ExitCode.PARTIAL, report.get("exitCode").asInt());
        assertEquals(1, report.get("totals").get("partitionsFailed").asLong());
        assertEquals(3, report.get("totals").get("files").asLong(), "the other partition's files");
        JsonNode missing = report.get("partitions").get(0);
        assertEquals(MISSING, missing.get("name").asText());
        assertTrue(missing.get("locationMissing").asBoolean(), missing.toString());
        assertEquals("Location does not exist: " + missingLocation, missing.get("error").asText());
        JsonNode loaded = report.get("partitions").get(1);
        assertFalse(loaded.get("locationMissing").asBoolean(), loaded.toString());
        assertTrue(loaded.get("error").isNull(), loaded.toString());

        CliRun summary = gfsload("--table", "demo.events", "--partition", MISSING, "--partition", "dt=2026-11-20", "--progress", "none");
        assertEquals(ExitCode.PARTIAL, summary.exitCode(), summary.err());
        assertTrue(summary.out().contains("  partitions 1 not found (location does not exist), nothing loaded there"), summary.out());
        assertTrue(summary.out().contains("  partitions not found:%n    %s: Location does not exist: %s".formatted(MISSING, missingLocation)), summary.out());
        assertFalse(summary.out().contains("not listed"), summary.out());
    }

    @Test
    void statusShowsAPartitionWithoutItsLocationAsMissing() {
        CliRun status = gfsload("status", "--table", "demo.events", "--json");
        assertEquals(ExitCode.PARTIAL, status.exitCode(), status.err());
        assertEquals(ExitCode.PARTIAL, json(status.out()).get("exitCode").asInt(), status.out());
        assertTrue(json(status.out()).get("error").isNull(), status.out());
        JsonNode partitions = json(status.out()).get("partitions");
        JsonNode missing = partitions.get(0);
        assertEquals(MISSING, missing.get("name").asText());
        assertTrue(missing.get("cachedPercent").isNull(), "not 100 % cached: " + missing);
        assertTrue(missing.get("locationMissing").asBoolean(), missing.toString());
        assertEquals("Location does not exist: " + missingLocation, missing.get("error").asText());
        assertFalse(partitions.get(1).get("locationMissing").asBoolean(), "an empty directory is no missing one: " + partitions.get(1));
        JsonNode totals = json(status.out()).get("totals");
        assertTrue(totals.get("cachedPercent").isNull(), totals.toString());
        assertEquals("1 of 3 not found: its location does not exist", totals.get("error").asText());

        CliRun text = gfsload("status", "--table", "demo.events");
        assertEquals(ExitCode.PARTIAL, text.exitCode(), text.err());
        String row = text.out().lines().filter(line -> line.startsWith(MISSING)).findFirst().orElseThrow();
        assertTrue(row.endsWith(" missing"), text.out());
        assertTrue(text.out().contains("Not found: %s: Location does not exist: %s".formatted(MISSING, missingLocation)), "status loads nothing: " + text.out());
    }

    @Test
    void anExistingEmptyDirectoryIsAnEmptyPartitionThatSucceeds() {
        CliRun load = gfsload("--table", "demo.events", "--partition", EMPTY, "--progress", "none", "--json");
        assertEquals(ExitCode.OK, load.exitCode(), "nothing to load is no failure: " + load.err());
        assertTrue(load.err().contains("1 partition has no files (location empty): %s at ".formatted(EMPTY)), load.err());
        assertFalse(load.err().contains("not found"), load.err());
        JsonNode report = json(load.out());
        assertEquals("SUCCEEDED", report.get("state").asText());
        assertEquals(0, report.get("totals").get("files").asLong());
        assertFalse(report.get("partitions").get(0).get("locationMissing").asBoolean());
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
