package io.gfsload.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition values as the command line selects them, on tables of a real metastore (the embedded
 * one, as a Thrift server on loopback) with the embedded cache cluster: Hive's default partition
 * beside partitions with values.
 */
class TestPartitionValues {
    private static final String NULL = PartitionSpec.DEFAULT_PARTITION_VALUE;

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @BeforeAll
    static void createTables() throws IOException {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
            table(admin, "nulls", List.of(new Column("dt", "string")), "dt=1", "dt=2", "dt=3", "dt=6", "dt=" + NULL);
            table(admin, "onlynull", List.of(new Column("dt", "string")), "dt=" + NULL);
            table(admin, "unregistered", List.of(new Column("dt", "string")));
            table(admin, "dated", List.of(new Column("d", "date"), new Column("n", "int")), "d=2026-01-05/n=5");
            table(admin, "hours", List.of(new Column("dt", "string"), new Column("hr", "int")), "dt=2026-11-20/hr=3");
            table(admin, "msck", List.of(new Column("dt", "string"), new Column("hr", "int")), "dt=2026-11-20/hr=03", "dt=2026-11-20/hr=abc");
            // days of regions, a region us-east whose name starts as us's does, a region with only its default day, and hours of a string key
            table(admin, "regions", List.of(new Column("region", "string"), new Column("dt", "string")), "region=eu/dt=2026-11-19",
                    "region=eu/dt=2026-11-20", "region=us/dt=2026-11-17", "region=us/dt=2026-11-18", "region=us/dt=2026-11-19", "region=us/dt=" + NULL,
                    "region=us-east/dt=2026-11-21", "region=ap/dt=" + NULL);
            table(admin, "texthours", List.of(new Column("dt", "string"), new Column("hr", "string")),
                    "dt=2026-11-20/hr=8", "dt=2026-11-20/hr=9", "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=11");
        }
    }

    /** Creates {@code db.NAME} partitioned by {@code keys}, with a partition of one 1000-byte file for each of {@code partitions}. */
    private static void table(MetastoreAdmin admin, String name, List<Column> keys, String... partitions) throws IOException {
        Path root = directory.resolve("data/" + name);
        Files.createDirectories(root);
        Map<PartitionSpec, String> locations = new LinkedHashMap<>();
        for (String partition : partitions) {
            Path location = root.resolve(partition);
            Files.createDirectories(location);
            Files.write(location.resolve("part-0"), new byte[1000]);
            locations.put(PartitionSpec.parse(partition), new org.apache.hadoop.fs.Path(location.toUri()).toString());
        }
        TableName table = new TableName("db", name);
        admin.createParquetTable(table, List.of(new Column("id", "bigint")), keys, root.toUri().toString());
        if (!locations.isEmpty()) {
            admin.addPartitions(table, locations);
        }
    }

    private static CliRun gfsload(String... args) {
        String[] withMetastore = java.util.Arrays.copyOf(args, args.length + 2);
        withMetastore[args.length] = "--metastore";
        withMetastore[args.length + 1] = METASTORE.uri().toString();
        return CliRun.gfsload(directory.resolve("home"), withMetastore);
    }

    @Test
    void aPartitionedTableWithoutPartitionsIsNotFoundAsItsLatestIs() throws IOException {
        String message = "gfsload: No partition of db.unregistered matches: all partitions (the table has no partitions)";
        Path reportFile = directory.resolve("reports/unregistered.json");
        CliRun load = gfsload("--table", "db.unregistered", "--progress", "none", "--report", reportFile.toString());
        assertEquals(ExitCode.NOT_FOUND, load.exitCode(), load.err());
        assertEquals(message, load.err().strip());
        assertEquals("", load.out());
        JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
        assertEquals("FAILED", report.get("state").asText(), report.toString());
        assertEquals(ExitCode.NOT_FOUND, report.get("exitCode").asInt());
        assertEquals(message.substring("gfsload: ".length()), report.get("error").asText());

        for (List<String> command : List.of(List.of("plan", "--table", "db.unregistered"), List.of("--table", "db.unregistered", "--dry-run"),
                List.of("status", "--table", "db.unregistered"))) {
            CliRun run = gfsload(command.toArray(String[]::new));
            assertEquals(ExitCode.NOT_FOUND, run.exitCode(), command + ": " + run.err());
            assertEquals(message, run.err().strip(), command.toString());
        }
        CliRun latest = gfsload("--table", "db.unregistered", "--latest", "1", "--progress", "none");
        assertEquals(ExitCode.NOT_FOUND, latest.exitCode(), latest.err());
        assertEquals("gfsload: No partition of db.unregistered matches: latest 1 (the table has no partitions)", latest.err().strip());
    }

    @Test
    void aValueOfTheWrongTypeIsBadInputAndTheMessageSaysHowToWriteIt() {
        Map<List<String>, String> messages = new LinkedHashMap<>();
        messages.put(List.of("db.dated", "d=notadate"),
                "Partition spec 'd=notadate' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and 'notadate' is not one, e.g. d=2026-11-20");
        messages.put(List.of("db.dated", "d=2026-1-5"),
                "Partition spec 'd=2026-1-5' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and '2026-1-5' is not one: write d=2026-01-05");
        messages.put(List.of("db.dated", "d=2026-01-05/n=5.0"),
                "Partition spec 'd=2026-01-05/n=5.0' does not fit db.dated: its key n is a number (int), and '5.0' is not an integer");
        messages.put(List.of("db.dated", "d=2026-01-05/n=+5"), "No partition db.dated d=2026-01-05/n=+5; the partition d=2026-01-05/n=5 has that number "
                + "(an integer key's value is named without a sign or leading zeros): write --partition d=2026-01-05/n=5");
        messages.put(List.of("db.dated", "d=2026-01-05/n=05"), "No partition db.dated d=2026-01-05/n=05; the partition d=2026-01-05/n=5 has that number "
                + "(an integer key's value is named without a sign or leading zeros): write --partition d=2026-01-05/n=5");
        messages.put(List.of("db.hours", "dt=2026-11-20/hr=03"), "No partition db.hours dt=2026-11-20/hr=03; the partition dt=2026-11-20/hr=3 has that number "
                + "(an integer key's value is named without a sign or leading zeros): write --partition dt=2026-11-20/hr=3");
        messages.put(List.of("db.msck", "dt=2026-11-20/hr=3"), "No partition db.msck dt=2026-11-20/hr=3; the partition dt=2026-11-20/hr=03 has that number "
                + "(registered with the sign or leading zeros of its directory's name, as MSCK REPAIR TABLE registers a directory): write --partition dt=2026-11-20/hr=03");
        messages.put(List.of("db.msck", "dt=2026-11-20/hr=xyz"), "Partition spec 'dt=2026-11-20/hr=xyz' does not fit db.msck: its key hr is a number (int), and 'xyz' is not one");
        for (Map.Entry<List<String>, String> entry : messages.entrySet()) {
            CliRun run = gfsload("plan", "--table", entry.getKey().get(0), "--partition", entry.getKey().get(1));
            assertEquals(ExitCode.USAGE, run.exitCode(), entry.getKey() + ": " + run.err());
            assertEquals("gfsload: " + entry.getValue(), run.err().strip());
        }
        // the forms the messages give work
        for (List<String> written : List.of(List.of("db.dated", "d=2026-01-05"), List.of("db.dated", "d=2026-01-05/n=5"), List.of("db.hours", "dt=2026-11-20/hr=3"),
                List.of("db.msck", "dt=2026-11-20/hr=03"), List.of("db.msck", "dt=2026-11-20/hr=abc"))) {
            CliRun run = gfsload("plan", "--table", written.get(0), "--partition", written.get(1));
            assertEquals(ExitCode.OK, run.exitCode(), written + ": " + run.err());
        }
        CliRun syntax = gfsload("plan", "--table", "db.hours", "--partition", "dt");
        assertEquals(ExitCode.USAGE, syntax.exitCode(), syntax.err());
        assertTrue(syntax.err().strip().endsWith("e.g. dt=2026-11-20 or dt=2026-11-20/hr=3"), syntax.err());
    }

    @Test
    void theLatestAreOfThePartitionsPartitionOrWhereSelects() throws IOException {
        CliRun load = gfsload("--table", "db.regions", "--partition", "region=us", "--latest", "2", "--progress", "none");
        assertEquals(ExitCode.OK, load.exitCode(), load.err());
        assertTrue(load.out().startsWith("db.regions latest 2 of region=us: SUCCEEDED\n  chosen  region=us/dt=2026-11-18, region=us/dt=2026-11-19\n"),
                load.out());

        CliRun dryRun = gfsload("--table", "db.regions", "--where", "region = 'eu'", "--latest", "1", "--dry-run", "--json");
        assertEquals(ExitCode.OK, dryRun.exitCode(), dryRun.err());
        JsonNode plan = new ObjectMapper().readTree(dryRun.out());
        assertEquals("db.regions latest 1 where region = 'eu'", plan.get("target").asText(), dryRun.out());
        assertEquals(List.of("region=eu/dt=2026-11-20"), names(plan.get("partitions")));

        CliRun planned = gfsload("plan", "--table", "db.regions", "--latest", "3", "--partition", "region=us", "--json");
        assertEquals(ExitCode.OK, planned.exitCode(), planned.err());
        assertEquals(List.of("region=us/dt=2026-11-17", "region=us/dt=2026-11-18", "region=us/dt=2026-11-19"),
                names(new ObjectMapper().readTree(planned.out()).get("partitions")), "not region=us-east, nor the default day");

        CliRun status = gfsload("status", "--table", "db.regions", "--partition", "region=eu", "--latest", "1", "--json");
        assertEquals(ExitCode.OK, status.exitCode(), status.err());
        assertEquals(List.of("region=eu/dt=2026-11-20"), names(new ObjectMapper().readTree(status.out()).get("partitions")));

        CliRun free = gfsload("free", "--table", "db.regions", "--partition", "region=us", "--latest", "1");
        assertEquals(ExitCode.OK, free.exitCode(), free.err());
        assertTrue(free.out().startsWith("Freed db.regions latest 1 of region=us: 1 block"), free.out());

        // a string key's hours as numbers: 10 and 11 after 9
        CliRun hours = gfsload("plan", "--table", "db.texthours", "--where", "dt = '2026-11-20'", "--latest", "2", "--json");
        assertEquals(ExitCode.OK, hours.exitCode(), hours.err());
        assertEquals(List.of("dt=2026-11-20/hr=10", "dt=2026-11-20/hr=11"), names(new ObjectMapper().readTree(hours.out()).get("partitions")));
    }

    @Test
    void theLatestOfADefaultPartitionThatAPartitionSpecNamesIsThatPartition() throws IOException {
        // named, the default partition is selected as --partition alone selects it
        CliRun only = gfsload("--table", "db.onlynull", "--partition", "dt=" + NULL, "--latest", "1", "--progress", "none");
        assertEquals(ExitCode.OK, only.exitCode(), only.err());
        assertTrue(only.out().startsWith("db.onlynull latest 1 of dt=" + NULL + ": SUCCEEDED\n  chosen  dt=" + NULL + "\n"), only.out());

        // beside partitions with values it is below all of them, whatever its name sorts after
        CliRun below = gfsload("plan", "--table", "db.nulls", "--partition", "dt=" + NULL, "--partition", "dt=2", "--latest", "1", "--json");
        assertEquals(ExitCode.OK, below.exitCode(), below.err());
        assertEquals(List.of("dt=2"), names(new ObjectMapper().readTree(below.out()).get("partitions")));
        CliRun both = gfsload("plan", "--table", "db.nulls", "--partition", "dt=" + NULL, "--partition", "dt=2", "--latest", "2", "--json");
        assertEquals(ExitCode.OK, both.exitCode(), both.err());
        assertEquals(List.of("dt=2", "dt=" + NULL), names(new ObjectMapper().readTree(both.out()).get("partitions")));

        // a region's default day named in full; the region alone still has no latest (its only day has no value)
        CliRun region = gfsload("plan", "--table", "db.regions", "--partition", "region=ap/dt=" + NULL, "--latest", "1", "--json");
        assertEquals(ExitCode.OK, region.exitCode(), region.err());
        assertEquals(List.of("region=ap/dt=" + NULL), names(new ObjectMapper().readTree(region.out()).get("partitions")));
        // and a region of days with values: its default day only where nothing else is left
        CliRun us = gfsload("plan", "--table", "db.regions", "--partition", "region=us/dt=" + NULL, "--partition", "region=us", "--latest", "1", "--json");
        assertEquals(ExitCode.OK, us.exitCode(), us.err());
        assertEquals(List.of("region=us/dt=2026-11-19"), names(new ObjectMapper().readTree(us.out()).get("partitions")));
    }

    @Test
    void theLatestOfASelectionThatSelectsNoneIsNotFoundNamingBoth() {
        Map<List<String>, String> messages = new LinkedHashMap<>();
        messages.put(List.of("--partition", "region=xx"), "No partition of db.regions matches: latest 1 of region=xx");
        messages.put(List.of("--partition", "region=us", "--partition", "region=xx"),
                "No partition of db.regions matches: latest 1 of region=us, region=xx (the table has no partition region=xx)");
        messages.put(List.of("--where", "region = 'xx'"), "No partition of db.regions matches: latest 1 where region = 'xx'");
        messages.put(List.of("--partition", "region=ap"), "No partition of db.regions matches: latest 1 of region=ap (the partitions selected are "
                + "Hive's default partitions, __HIVE_DEFAULT_PARTITION__, which are never the latest)");
        for (Map.Entry<List<String>, String> entry : messages.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("--table", "db.regions", "--latest", "1", "--progress", "none"));
            args.addAll(entry.getKey());
            CliRun run = gfsload(args.toArray(String[]::new));
            assertEquals(ExitCode.NOT_FOUND, run.exitCode(), entry.getKey() + ": " + run.err());
            assertEquals("gfsload: " + entry.getValue(), run.err().strip());
        }
        // a spec not of the table's keys is bad input, as without --latest
        CliRun keys = gfsload("plan", "--table", "db.regions", "--partition", "dt=2026-11-20", "--latest", "1");
        assertEquals(ExitCode.USAGE, keys.exitCode(), keys.err());
        assertEquals("gfsload: Partition spec 'dt=2026-11-20' does not match the partition keys of db.regions: expected region=.../dt=...", keys.err().strip());
        // and --partition with --where still is
        CliRun both = gfsload("plan", "--table", "db.regions", "--partition", "region=us", "--where", "dt > '1'", "--latest", "1");
        assertEquals(ExitCode.USAGE, both.exitCode(), both.err());
        assertTrue(both.err().startsWith("gfsload: --partition and --where select partitions in different ways: use only one of them "
                + "(either with --latest N, for the latest N of what it selects)"), both.err());
    }

    private static List<String> names(JsonNode partitions) {
        List<String> names = new java.util.ArrayList<>();
        partitions.forEach(partition -> names.add(partition.get("name").asText()));
        return names;
    }

    @Test
    void theLatestPartitionIsNeverTheDefaultPartitionAndTheSummaryNamesIt() throws IOException {
        CliRun load = gfsload("--table", "db.nulls", "--latest", "2", "--progress", "none");
        assertEquals(ExitCode.OK, load.exitCode(), load.err());
        assertTrue(load.out().startsWith("db.nulls latest 2: SUCCEEDED\n  chosen  dt=3, dt=6\n"), load.out());

        CliRun plan = gfsload("plan", "--table", "db.nulls", "--latest", "1", "--json");
        assertEquals(ExitCode.OK, plan.exitCode(), plan.err());
        JsonNode partitions = new ObjectMapper().readTree(plan.out()).get("partitions");
        assertEquals(1, partitions.size(), plan.out());
        assertEquals("dt=6", partitions.get(0).get("name").asText());

        // a table whose only partition is the default one has no latest, as a table without partitions
        CliRun none = gfsload("--table", "db.onlynull", "--latest", "1", "--progress", "none");
        assertEquals(ExitCode.NOT_FOUND, none.exitCode(), none.err());
        assertEquals("gfsload: No partition of db.onlynull matches: latest 1 (the table has no partitions but Hive's default partitions, "
                + "__HIVE_DEFAULT_PARTITION__, which are never the latest)", none.err().strip());
    }
}
