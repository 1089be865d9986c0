package io.gfsload.planner;

import static io.gfsload.planner.PartitionedTables.DAYS;
import static io.gfsload.planner.PartitionedTables.HOURS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every partition selection form against a real Thrift metastore on loopback: a table with two
 * partition keys and 50 partitions, one with a custom location outside the table directory, one
 * empty, one with {@code _SUCCESS} and {@code .crc} files, one with a zero-byte file; and a table
 * with an escaped partition value.
 */
class TestLoadPlannerOnMetastore {
    private static final long BLOCK = 100;

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;
    private static LoadPlanner planner;

    @BeforeAll
    static void start() throws IOException {
        PartitionedTables.create(directory, METASTORE.uri());
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.createParquetTable(new TableName("db", "flat"), List.of(new Column("id", "bigint")), List.of(),
                    directory.resolve("data/events/dt=2026-11-01/hr=00").toUri().toString());
            admin.createView(new TableName("db", "v"), List.of(new Column("id", "bigint")), "select 1");
            Path materialized = directory.resolve("data/mv");
            java.nio.file.Files.createDirectories(materialized);
            java.nio.file.Files.write(materialized.resolve("000000_0"), new byte[250]);
            admin.createMaterializedView(new TableName("db", "mv"), List.of(new Column("id", "bigint")), "select id from db.flat",
                    materialized.toUri().toString());
            // partitions at one location and at a location nested in another's
            Path shared = directory.resolve("data/shared");
            java.nio.file.Files.createDirectories(shared.resolve("sub"));
            java.nio.file.Files.write(shared.resolve("part-0"), new byte[150]);
            java.nio.file.Files.write(shared.resolve("sub/part-1"), new byte[250]);
            admin.createParquetTable(new TableName("db", "overlap"), List.of(new Column("id", "bigint")), List.of(new Column("p", "string")),
                    shared.toUri().toString());
            Path hours = directory.resolve("data/hours");
            java.util.Map<PartitionSpec, String> byHour = new java.util.LinkedHashMap<>();
            for (String hr : List.of("1", "2", "10")) {
                Path location = hours.resolve("dt=2026-11-20/hr=" + hr);
                java.nio.file.Files.createDirectories(location);
                java.nio.file.Files.write(location.resolve("part-0"), new byte[10]);
                byHour.put(PartitionSpec.parse("dt=2026-11-20/hr=" + hr), PartitionedTables.location(location));
            }
            admin.createParquetTable(new TableName("db", "hours"), List.of(new Column("id", "bigint")),
                    List.of(new Column("dt", "string"), new Column("hr", "int")), hours.toUri().toString());
            admin.addPartitions(new TableName("db", "hours"), byHour);
            // partitions registered before (or without) their data: dt=2 and dt=4 have no directory, dt=3 an empty one
            Path landing = directory.resolve("data/landing");
            java.nio.file.Files.createDirectories(landing.resolve("dt=1"));
            java.nio.file.Files.write(landing.resolve("dt=1/part-0"), new byte[10]);
            java.nio.file.Files.createDirectories(landing.resolve("dt=3"));
            admin.createParquetTable(new TableName("db", "landing"), List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")),
                    landing.toUri().toString());
            java.util.Map<PartitionSpec, String> byDay = new java.util.LinkedHashMap<>();
            for (String dt : List.of("1", "2", "3", "4")) {
                byDay.put(PartitionSpec.parse("dt=" + dt), PartitionedTables.location(landing.resolve("dt=" + dt)));
            }
            admin.addPartitions(new TableName("db", "landing"), byDay);
            java.nio.file.Files.delete(landing.resolve("dt=2"));
            java.nio.file.Files.delete(landing.resolve("dt=4"));
            admin.createParquetTable(new TableName("db", "unlanded"), List.of(new Column("id", "bigint")), List.of(),
                    directory.resolve("data/unlanded").toUri().toString());
            // the metastore makes the table's directory: gone since
            java.nio.file.Files.deleteIfExists(directory.resolve("data/unlanded"));
            admin.addPartitions(new TableName("db", "overlap"), new java.util.LinkedHashMap<>(java.util.Map.of(
                    PartitionSpec.parse("p=a"), PartitionedTables.location(shared),
                    PartitionSpec.parse("p=b"), PartitionedTables.location(shared.resolve("sub")),
                    PartitionSpec.parse("p=c"), PartitionedTables.location(shared.resolve("sub")))));
        }
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            // Hive's default partition (rows whose key is null) beside partitions with values, at each level
            table(admin, "nulls", List.of(new Column("dt", "string")), "dt=1", "dt=2", "dt=3", "dt=6", "dt=" + NULL);
            table(admin, "dated", List.of(new Column("d", "date"), new Column("n", "int")),
                    "d=2026-01-04/n=7", "d=2026-01-05/n=5", "d=" + NULL + "/n=5");
            table(admin, "nullhours", List.of(new Column("dt", "string"), new Column("hr", "int")),
                    "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=" + NULL);
            table(admin, "onlynull", List.of(new Column("dt", "string")), "dt=" + NULL);
            // partitions registered as their directories are named (MSCK REPAIR TABLE): an int key's value with leading zeros, a
            // sign, or not a number at all
            table(admin, "msck", List.of(new Column("dt", "string"), new Column("hr", "int")),
                    "dt=2026-11-20/hr=03", "dt=2026-11-20/hr=4", "dt=2026-11-20/hr=abc", "dt=2026-11-21/hr=003", "dt=2026-11-21/hr=+3");
            table(admin, "unregistered", List.of(new Column("dt", "string")));
            // hours of a string key: as Hive writes an int (0 to 23), and some with a leading zero, some without
            table(admin, "texthours", List.of(new Column("dt", "string"), new Column("hr", "string")),
                    java.util.stream.IntStream.range(0, 24).mapToObj(hr -> "dt=2026-11-20/hr=" + hr).toArray(String[]::new));
            table(admin, "regions", List.of(new Column("region", "string"), new Column("dt", "string")), "region=eu/dt=2026-11-19",
                    "region=eu/dt=2026-11-20", "region=us/dt=2026-11-17", "region=us/dt=2026-11-18", "region=us/dt=2026-11-19", "region=us/dt=" + NULL,
                    "region=us-east/dt=2026-11-21", "region=ap/dt=" + NULL);
            table(admin, "paddedhours", List.of(new Column("dt", "string"), new Column("hr", "string")),
                    "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=09", "dt=2026-11-20/hr=7", "dt=2026-11-20/hr=08", "dt=2026-11-20/hr=late");
            table(admin, "amounts", List.of(new Column("x", "decimal(10,2)"), new Column("y", "double")), "x=10/y=1.5", "x=2.50/y=3");
            // values that the metastore's prefix lookup (a pattern in which '.' is any character) would take for one another
            table(admin, "versions", List.of(new Column("v", "string"), new Column("n", "int")),
                    "v=1.5/n=1", "v=1x5/n=2", "v=1.50/n=3", "v=1.5.1/n=4", "v=V1.5/n=5");
            // a day's directory registered as one partition, and two partitions whose locations were set inside it
            Path day = directory.resolve("data/moved/dt=2026-11-20");
            write(day.resolve("part-0"), 100);
            write(day.resolve("extra/part-0"), 30);
            write(day.resolve("hr=1/part-0"), 200);
            write(day.resolve("hr=1/sub/part-0"), 40);
            write(day.resolve("late/part-0"), 50);
            admin.createParquetTable(new TableName("db", "moved"), List.of(new Column("id", "bigint")),
                    List.of(new Column("dt", "string"), new Column("hr", "int")), directory.resolve("data/moved").toUri().toString());
            admin.addPartitions(new TableName("db", "moved"), java.util.Map.of(
                    PartitionSpec.parse("dt=2026-11-19/hr=5"), PartitionedTables.location(day.resolve("late")),
                    PartitionSpec.parse("dt=2026-11-20/hr=0"), PartitionedTables.location(day),
                    PartitionSpec.parse("dt=2026-11-20/hr=1"), PartitionedTables.location(day.resolve("hr=1"))));
        }
        catalog = METASTORE.catalog();
        planner = new LoadPlanner(Optional.of(catalog), new Configuration(), CacheState.EMPTY, new PlannerConfig(BLOCK, 10, 1000, 4));
    }


    private static final String NULL = PartitionSpec.DEFAULT_PARTITION_VALUE;

    /** Creates {@code db.NAME} partitioned by {@code keys} with a partition of one 10-byte file for each of {@code partitions}. */
    private static void table(MetastoreAdmin admin, String name, List<Column> keys, String... partitions) throws IOException {
        Path root = directory.resolve("data/" + name);
        java.util.Map<PartitionSpec, String> locations = new java.util.LinkedHashMap<>();
        for (String partition : partitions) {
            Path location = root.resolve(partition);
            java.nio.file.Files.createDirectories(location);
            java.nio.file.Files.write(location.resolve("part-0"), new byte[10]);
            locations.put(PartitionSpec.parse(partition), PartitionedTables.location(location));
        }
        java.nio.file.Files.createDirectories(root);
        admin.createParquetTable(new TableName("db", name), List.of(new Column("id", "bigint")), keys, root.toUri().toString());
        if (!locations.isEmpty()) {
            admin.addPartitions(new TableName("db", name), locations);
        }
    }

    private static void write(Path file, int length) throws IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.write(file, new byte[length]);
    }

    private static LoadPlan plan(String table, PartitionSelection selection) {
        return planner.plan(new LoadRequest(new LoadTarget.Table(TableName.parse(table), selection), 1));
    }

    private static LoadPlan plan(String table, String... specs) {
        return planner.plan(new LoadRequest(new LoadTarget.Table(TableName.parse(table), java.util.Arrays.stream(specs).map(PartitionSpec::parse).toList()), 1));
    }

    private static List<String> names(LoadPlan plan) {
        return plan.partitions().stream().map(PartitionLoad::name).toList();
    }

    private static List<String> expectedNames(List<String> days, List<String> hours) {
        List<String> names = new ArrayList<>();
        for (String dt : days) {
            for (String hr : hours) {
                names.add("dt=" + dt + "/hr=" + hr);
            }
        }
        return names;
    }

    @Test
    void everyPartitionWithExactFilesAndBlocks() {
        LoadPlan plan = plan("db.events", new PartitionSelection.All());
        assertEquals(expectedNames(DAYS, HOURS), names(plan));
        // 47 partitions with one 150-byte file (2 blocks), one empty, one with a hidden _SUCCESS
        // and .crc beside its 150-byte file, one with a zero-byte file (0 blocks) and a 250-byte file (3 blocks)
        assertEquals(48 + 2, plan.stats().files());
        assertEquals(48 * 150 + 250, plan.stats().bytes());
        assertEquals(48 * 2 + 3, plan.stats().blocks());
        PartitionLoad empty = plan.partitions().get(names(plan).indexOf("dt=2026-11-04/hr=00"));
        assertEquals(List.of(), empty.files());
        PartitionLoad hidden = plan.partitions().get(names(plan).indexOf("dt=2026-11-05/hr=01"));
        assertEquals(1, hidden.files().size());
        assertTrue(hidden.files().get(0).file().path().endsWith("/dt=2026-11-05/hr=01/part-0"));
    }

    @Test
    void exactSpecUsesThePartitionsOwnLocation() {
        LoadPlan plan = plan("db.events", "dt=2026-11-03/hr=02");
        assertEquals(List.of("dt=2026-11-03/hr=02"), names(plan));
        assertTrue(plan.partitions().get(0).location().endsWith("/elsewhere/custom"), plan.partitions().get(0).location());
        assertEquals(1, plan.stats().files());
        assertEquals(2, plan.stats().blocks());
    }

    @Test
    void zeroByteFileIsPlannedWithoutBlocks() {
        LoadPlan plan = plan("db.events", "dt=2026-11-06/hr=03");
        List<FileLoad> files = plan.partitions().get(0).files();
        assertEquals(List.of(0L, 250L), files.stream().map(f -> f.file().length()).toList());
        assertEquals(List.of(0, 3), files.stream().map(f -> f.blocks().size()).toList());
    }

    @Test
    void prefixSpecSelectsEveryPartitionUnderIt() {
        assertEquals(expectedNames(List.of("2026-11-05"), HOURS), names(plan("db.events", "dt=2026-11-05")));
        assertEquals(expectedNames(List.of("2026-11-02", "2026-11-05"), HOURS), names(plan("db.events", "dt=2026-11-05", "dt=2026-11-02", "dt=2026-11-05/hr=03")));
    }

    @Test
    void prefixSpecSelectsThePartitionsWithExactlyItsValues() {
        assertEquals(List.of("v=1.5/n=1"), names(plan("db.versions", "v=1.5")));
        assertEquals(List.of("v=1.5.1/n=4"), names(plan("db.versions", "v=1.5.1")));
        TableInfo versions = catalog.getTable(TableName.parse("db.versions")).orElseThrow();
        assertEquals(List.of("v=1.5/n=1"), catalog.listPartitions(versions, PartitionSpec.parse("v=1.5")).stream().map(p -> p.spec().toString()).toList());
        assertEquals(List.of(), catalog.listPartitions(versions, PartitionSpec.parse("v=1.")));
        // not dt=2026-11-10, whose value starts so
        assertEquals("Partition not found: db.events dt=2026-11-1",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.events", "dt=2026-11-1")).getMessage());
    }

    @Test
    void filterIsEvaluatedByTheMetastore() {
        assertEquals(expectedNames(List.of("2026-11-08", "2026-11-09"), HOURS),
                names(plan("db.events", new PartitionSelection.Filter("dt >= '2026-11-08' and dt < '2026-11-10'"))));
        assertEquals(List.of("dt=2026-11-06/hr=03"), names(plan("db.events", new PartitionSelection.Filter("dt = '2026-11-06' and hr = '03'"))));
        assertEquals("No partition of db.events matches: where dt > '2030'",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.events", new PartitionSelection.Filter("dt > '2030'"))).getMessage(),
                "as a named partition that does not exist");
    }

    @Test
    void latestTakesTheGreatestValues() {
        assertEquals(List.of("dt=2026-11-10/hr=02", "dt=2026-11-10/hr=03", "dt=2026-11-10/hr=04"), names(plan("db.events", new PartitionSelection.Latest(3))));
        assertEquals(50, plan("db.events", new PartitionSelection.Latest(500)).partitions().size());
    }

    @Test
    void theDefaultPartitionIsNeverTheLatest() {
        // __HIVE_DEFAULT_PARTITION__ sorts after the digits of a string or date and after the numbers of an int key
        assertEquals(List.of("dt=6"), names(plan("db.nulls", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2", "dt=3", "dt=6"), names(plan("db.nulls", new PartitionSelection.Latest(3))));
        assertEquals(List.of("dt=1", "dt=2", "dt=3", "dt=6"), names(plan("db.nulls", new PartitionSelection.Latest(10))), "never, however many");
        assertEquals(List.of("d=2026-01-05/n=5"), names(plan("db.dated", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20/hr=10"), names(plan("db.nullhours", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=10"), names(plan("db.nullhours", new PartitionSelection.Latest(5))));
        // it is still a partition of the table: loaded with every partition, or by name
        assertEquals(5, plan("db.nulls", new PartitionSelection.All()).partitions().size());
        assertEquals(List.of("dt=" + NULL), names(plan("db.nulls", "dt=" + NULL)));
        assertEquals("No partition of db.onlynull matches: latest 1 (the table has no partitions but Hive's default partitions, "
                        + "__HIVE_DEFAULT_PARTITION__, which are never the latest)",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.onlynull", new PartitionSelection.Latest(1))).getMessage());
    }

    @Test
    void aFilterOnAStringKeySelectsNoDefaultPartitionByItsName() {
        // the rows whose dt is null: the metastore compares the name as text ('__' after '2'), Hive's pruning as null
        assertEquals(List.of("dt=2", "dt=3", "dt=6"), names(plan("db.nulls", new PartitionSelection.Filter("dt >= '2'"))));
        assertEquals(List.of("dt=2", "dt=3", "dt=6"), names(plan("db.nulls", new PartitionSelection.Filter("dt <> '1'"))));
        assertEquals(List.of("dt=1", "dt=2", "dt=3", "dt=6"), names(plan("db.nulls", new PartitionSelection.Filter("dt like '.*'"))));
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=" + NULL),
                names(plan("db.nullhours", new PartitionSelection.Filter("dt >= '2026-11-20'"))), "a key with a value selects the partition");
        assertEquals("No partition of db.onlynull matches: where dt > '2026'",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.onlynull", new PartitionSelection.Filter("dt > '2026'"))).getMessage());
        // named, it is selected
        assertEquals(List.of("dt=" + NULL), names(plan("db.nulls", new PartitionSelection.Filter("dt = '" + NULL + "'"))));
        assertEquals(List.of("dt=1", "dt=" + NULL), names(plan("db.nulls", new PartitionSelection.Filter("dt = '1' or dt = '" + NULL + "'"))));
        // and with --latest, before every partition with values
        assertEquals(List.of("dt=" + NULL), names(plan("db.nulls", new PartitionSelection.Latest(1, new PartitionSelection.Filter("dt = '" + NULL + "'")))));
        PartitionSelection.Filter oneOrNull = new PartitionSelection.Filter("dt = '1' or dt = '" + NULL + "'");
        assertEquals(List.of("dt=1"), names(plan("db.nulls", new PartitionSelection.Latest(1, oneOrNull))));
        assertEquals(List.of("dt=1", "dt=" + NULL), names(plan("db.nulls", new PartitionSelection.Latest(2, oneOrNull))), "planned in the table's order");
    }

    @Test
    void aPartitionedTableWithoutPartitionsHasNoneToPlan() {
        // its partitions not registered yet: not found, whatever the selection, not an empty plan
        assertEquals("No partition of db.unregistered matches: all partitions (the table has no partitions)",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.unregistered", new PartitionSelection.All())).getMessage());
        assertEquals("No partition of db.unregistered matches: latest 1 (the table has no partitions)",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.unregistered", new PartitionSelection.Latest(1))).getMessage());
        assertEquals("No partition of db.unregistered matches: all partitions (the table has no partitions)",
                assertThrows(NoSuchPartitionException.class, () -> planner.locations(new LoadTarget.Table(TableName.parse("db.unregistered"),
                        new PartitionSelection.All()))).getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsBadInputBeforeTheMetastoreIsAsked() {
        assertEquals(List.of("d=2026-01-05/n=5"), names(plan("db.dated", "d=2026-01-05/n=5")));
        assertEquals(List.of("d=2026-01-05/n=5"), names(plan("db.dated", "d=2026-01-05")));
        assertEquals(List.of("d=" + NULL + "/n=5"), names(plan("db.dated", "d=" + NULL)));
        assertEquals("Partition spec 'd=notadate' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and 'notadate' is not one, e.g. d=2026-11-20",
                assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=notadate")).getMessage());
        assertEquals("Partition spec 'd=2026-1-5' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and '2026-1-5' is not one: write d=2026-01-05",
                assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=2026-1-5")).getMessage());
        assertEquals("Partition spec 'd=2026-02-30' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and '2026-02-30' is not one, e.g. d=2026-11-20",
                assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=2026-02-30")).getMessage());
        assertEquals("Partition spec 'd=2026-01-05/n=5.0' does not fit db.dated: its key n is a number (int), and '5.0' is not an integer",
                assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=2026-01-05/n=5.0")).getMessage());
        // the metastore finds partitions by name, and Hive names an int key's value without a sign or leading zeros
        for (String written : List.of("+5", "05")) {
            assertEquals("No partition db.dated d=2026-01-05/n=%s; the partition d=2026-01-05/n=5 has that number (an integer key's value is named ".formatted(written)
                            + "without a sign or leading zeros): write --partition d=2026-01-05/n=5",
                    assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=2026-01-05/n=" + written)).getMessage());
        }
        assertEquals("No partition db.hours dt=2026-11-20/hr=02; the partition dt=2026-11-20/hr=2 has that number (an integer key's value is named "
                        + "without a sign or leading zeros): write --partition dt=2026-11-20/hr=2",
                assertThrows(InvalidInputException.class, () -> plan("db.hours", "dt=2026-11-20/hr=02")).getMessage());
        // no partition has the number either: not found
        assertEquals("Partition not found: db.hours dt=2026-11-20/hr=07",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.hours", "dt=2026-11-20/hr=07")).getMessage());
        // a bad spec among good ones is refused before any is looked up
        assertEquals("Partition spec 'd=2026-1-5' does not fit db.dated: its key d is a date, written yyyy-MM-dd, and '2026-1-5' is not one: write d=2026-01-05",
                assertThrows(InvalidInputException.class, () -> plan("db.dated", "d=2030-01-01", "d=2026-1-5")).getMessage());
    }

    @Test
    void aDecimalOrDoubleKeysNumberWrittenOtherwiseThanThePartitionsNameSaysWhichPartitionHasIt() {
        assertEquals(List.of("x=10/y=1.5"), names(plan("db.amounts", "x=10/y=1.5")));
        String why = "the metastore finds a partition by its name only, and names a decimal, float or double key's number as it was written when the partition was added";
        assertEquals("No partition db.amounts x=10.00/y=1.5; the partition x=10/y=1.5 has that number (%s): write --partition x=10/y=1.5".formatted(why),
                assertThrows(InvalidInputException.class, () -> plan("db.amounts", "x=10.00/y=1.5")).getMessage());
        assertEquals("No partition db.amounts x=2.5/y=3.0; the partition x=2.50/y=3 has that number (%s): write --partition x=2.50/y=3".formatted(why),
                assertThrows(InvalidInputException.class, () -> plan("db.amounts", "x=2.5/y=3.0")).getMessage());
        assertEquals("No partition db.amounts x=10.0; the partitions under x=10 have that number (%s): write --partition x=10".formatted(why),
                assertThrows(InvalidInputException.class, () -> plan("db.amounts", "x=10.0")).getMessage());
        // no partition has the number either: not found
        assertEquals("Partition not found: db.amounts x=10.00/y=2",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.amounts", "x=10.00/y=2")).getMessage());
    }

    @Test
    void partitionsRegisteredUnderTheirDirectoriesNamesAreSelectedByThoseNames() {
        assertEquals(List.of("dt=2026-11-20/hr=03"), names(plan("db.msck", "dt=2026-11-20/hr=03")));
        assertEquals(List.of("dt=2026-11-20/hr=4", "dt=2026-11-20/hr=abc"), names(plan("db.msck", "dt=2026-11-20/hr=abc", "dt=2026-11-20/hr=4")));
        // the number as Hive would name it: not found under that name, and the message names the partition that has it
        assertEquals("No partition db.msck dt=2026-11-20/hr=3; the partition dt=2026-11-20/hr=03 has that number (registered with the sign or "
                        + "leading zeros of its directory's name, as MSCK REPAIR TABLE registers a directory): write --partition dt=2026-11-20/hr=03",
                assertThrows(InvalidInputException.class, () -> plan("db.msck", "dt=2026-11-20/hr=3")).getMessage());
        assertEquals("No partition db.msck dt=2026-11-21/hr=03; the partitions dt=2026-11-21/hr=+3 and dt=2026-11-21/hr=003 have that number "
                        + "(registered with the sign or leading zeros of its directory's name, as MSCK REPAIR TABLE registers a directory): "
                        + "write --partition dt=2026-11-21/hr=+3 --partition dt=2026-11-21/hr=003",
                assertThrows(InvalidInputException.class, () -> plan("db.msck", "dt=2026-11-21/hr=03")).getMessage());
        assertEquals("Partition not found: db.msck dt=2026-11-20/hr=5",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.msck", "dt=2026-11-20/hr=5")).getMessage());
        // a value of another type that no partition is registered under is refused for its type, as before
        assertEquals("Partition spec 'dt=2026-11-20/hr=xyz' does not fit db.msck: its key hr is a number (int), and 'xyz' is not one",
                assertThrows(InvalidInputException.class, () -> plan("db.msck", "dt=2026-11-20/hr=abc", "dt=2026-11-20/hr=xyz")).getMessage());
    }

    @Test
    void aNumericKeyOrdersAsNumbers() {
        assertEquals(List.of("dt=2026-11-20/hr=10"), names(plan("db.hours", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=2", "dt=2026-11-20/hr=10"), names(plan("db.hours", new PartitionSelection.All())));
        assertEquals(List.of("dt=2026-11-20/hr=2", "dt=2026-11-20/hr=10"), names(plan("db.hours", "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=2")));
        assertEquals("Partition spec 'dt=2026-11-20/hr=abc' does not fit db.hours: its key hr is a number (int), and 'abc' is not one",
                assertThrows(InvalidInputException.class, () -> plan("db.hours", "dt=2026-11-20/hr=abc")).getMessage());
    }

    @Test
    void latestAmongThePartitionsOfSpecsOrAFilter() {
        PartitionSpec us = PartitionSpec.parse("region=us");
        assertEquals(List.of("region=us/dt=2026-11-18", "region=us/dt=2026-11-19"),
                names(plan("db.regions", new PartitionSelection.Latest(2, new PartitionSelection.Specs(List.of(us))))), "not us-east, nor us's default day");
        assertEquals(List.of("region=eu/dt=2026-11-20"),
                names(plan("db.regions", new PartitionSelection.Latest(1, new PartitionSelection.Filter("region = 'eu'")))));
        assertEquals(List.of("region=us/dt=2026-11-19"), names(plan("db.regions",
                new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("region=eu/dt=2026-11-20"), us))))),
                "the table's order, key by key: us after eu");
        assertEquals(List.of("dt=2026-11-20/hr=10"), names(plan("db.hours",
                new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-20")))))), "an int key as numbers");
        assertEquals(List.of("dt=2026-11-20/hr=2", "dt=2026-11-20/hr=10"),
                names(plan("db.hours", new PartitionSelection.Latest(5, new PartitionSelection.Filter("hr >= 2")))));
    }

    @Test
    void latestAmongASelectionThatSelectsNoneIsNotFoundNamingBoth() {
        assertEquals("No partition of db.regions matches: latest 1 of region=xx", assertThrows(NoSuchPartitionException.class, () -> plan("db.regions",
                new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("region=xx")))))).getMessage());
        assertEquals("No partition of db.regions matches: latest 1 where region > 'zz'", assertThrows(NoSuchPartitionException.class,
                () -> plan("db.regions", new PartitionSelection.Latest(1, new PartitionSelection.Filter("region > 'zz'")))).getMessage());
        assertEquals("No partition of db.regions matches: latest 2 where region = 'ap' (the partitions selected are Hive's default partitions, "
                + "__HIVE_DEFAULT_PARTITION__, which are never the latest)", assertThrows(NoSuchPartitionException.class,
                () -> plan("db.regions", new PartitionSelection.Latest(2, new PartitionSelection.Filter("region = 'ap'")))).getMessage());
        // as --partition alone: a spec not of the keys or not of their types is bad input, a number written otherwise says which partition has it
        assertEquals("Partition spec 'dt=2026-11-20' does not match the partition keys of db.regions: expected region=.../dt=...",
                assertThrows(InvalidInputException.class, () -> plan("db.regions",
                        new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-20")))))).getMessage());
        assertEquals("No partition db.msck dt=2026-11-20/hr=3; the partition dt=2026-11-20/hr=03 has that number (registered with the sign or "
                        + "leading zeros of its directory's name, as MSCK REPAIR TABLE registers a directory): write --partition dt=2026-11-20/hr=03",
                assertThrows(InvalidInputException.class, () -> plan("db.msck",
                        new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-20/hr=3")))))).getMessage());
        assertEquals(List.of("dt=2026-11-20/hr=abc"), names(plan("db.msck",
                new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-20/hr=abc")))))),
                "a value not of its key's type, as a partition is registered");
    }

    @Test
    void aStringKeysWholeNumbersOrderAsNumbers() {
        assertEquals(List.of("dt=2026-11-20/hr=23"), names(plan("db.texthours", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20/hr=8", "dt=2026-11-20/hr=9", "dt=2026-11-20/hr=10"),
                names(plan("db.texthours", new PartitionSelection.Filter("hr = '10' or hr = '9' or hr = '8'"))));
        assertEquals(java.util.stream.IntStream.range(0, 24).mapToObj(hr -> "dt=2026-11-20/hr=" + hr).toList(),
                names(plan("db.texthours", new PartitionSelection.All())));
        // with leading zeros or without, the number decides; a value that is not one comes after the numbers, as text has it
        assertEquals(List.of("dt=2026-11-20/hr=7", "dt=2026-11-20/hr=08", "dt=2026-11-20/hr=09", "dt=2026-11-20/hr=10", "dt=2026-11-20/hr=late"),
                names(plan("db.paddedhours", new PartitionSelection.All())));
    }

    @Test
    void escapedPartitionValues() {
        LoadPlan plan = plan("db.cities", "city=New%20York%2FNY");
        assertEquals(List.of("city=New York%2FNY"), names(plan));
        assertEquals(42, plan.stats().bytes());
        assertEquals(1, plan("db.cities", new PartitionSelection.Latest(1)).stats().files());
    }

    @Test
    void unpartitionedTableIsLoadedWhole() {
        assertEquals(150, plan("db.flat", new PartitionSelection.All()).stats().bytes());
        assertEquals("db.flat is not partitioned: it is loaded whole, without a partition selection",
                assertThrows(InvalidInputException.class, () -> plan("db.flat", "dt=1")).getMessage());
    }

    @Test
    void aPartitionWhoseLocationDoesNotExistIsMissingNotEmpty() {
        LoadPlan plan = plan("db.landing", new PartitionSelection.All());
        assertEquals(List.of("dt=1", "dt=2", "dt=3", "dt=4"), names(plan));
        assertEquals(List.of(false, true, false, true), plan.partitions().stream().map(PartitionLoad::locationMissing).toList());
        PartitionLoad missing = plan.partitions().get(1);
        assertEquals("Location does not exist: " + missing.location(), missing.listingError());
        assertTrue(!missing.listed() && !missing.locationEmpty(), missing.toString());
        // an existing directory without files stays empty
        PartitionLoad empty = plan.partitions().get(2);
        assertTrue(empty.listed() && empty.locationEmpty(), empty.toString());
        assertEquals(1, plan.stats().files());
    }

    @Test
    void whenEveryPartitionSelectedHasNoLocationTheyAreNotFound() {
        String dt2 = plan("db.landing", new PartitionSelection.All()).partitions().get(1).location();
        String dt4 = plan("db.landing", new PartitionSelection.All()).partitions().get(3).location();
        assertEquals("Location not found: db.landing dt=2 at " + dt2 + " (the metastore has it, the UFS no data: not landed yet, or moved away)",
                assertThrows(NoSuchLocationException.class, () -> plan("db.landing", "dt=2")).getMessage());
        assertEquals("Locations of 2 partitions not found: db.landing dt=2 at %s, db.landing dt=4 at %s (the metastore has them, the UFS no data: "
                        .formatted(dt2, dt4) + "not landed yet, or moved away)",
                assertThrows(NoSuchLocationException.class, () -> plan("db.landing", new PartitionSelection.Filter("dt = '2' or dt = '4'"))).getMessage());
        // nor is an empty partition beside them
        assertEquals(List.of(true, false), plan("db.landing", "dt=2", "dt=3").partitions().stream().map(PartitionLoad::locationMissing).toList());
        String unlanded = assertThrows(NoSuchLocationException.class, () -> plan("db.unlanded", new PartitionSelection.All())).getMessage();
        assertTrue(unlanded.startsWith("Location not found: db.unlanded at file:"), unlanded);
    }

    @Test
    void locationsAreThoseThePlanListsAndComeFromTheMetastoreAlone() {
        Configuration noFileSystem = new Configuration();
        // any listing would fail: the local file system's class is not there
        noFileSystem.set("fs.file.impl", "io.gfsload.planner.NoSuchFileSystem");
        noFileSystem.setBoolean("fs.file.impl.disable.cache", true);
        LoadPlanner withoutUfs = new LoadPlanner(Optional.of(catalog), noFileSystem, CacheState.EMPTY, new PlannerConfig(BLOCK, 10, 1000, 4));
        for (PartitionSelection selection : List.of(new PartitionSelection.All(), new PartitionSelection.Latest(7),
                new PartitionSelection.Filter("dt = '2026-11-03'"), new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-03/hr=02"))))) {
            LoadTarget.Table target = new LoadTarget.Table(PartitionedTables.EVENTS, selection);
            List<String> planned = planner.plan(new LoadRequest(target, 1)).partitions().stream().map(PartitionLoad::location).toList();
            assertEquals(planned, withoutUfs.locations(target), selection.toString());
        }
        assertTrue(withoutUfs.locations(new LoadTarget.Table(PartitionedTables.EVENTS, List.of(PartitionSpec.parse("dt=2026-11-03/hr=02"))))
                .get(0).endsWith("/elsewhere/custom"));
        LoadTarget.Table flat = new LoadTarget.Table(new TableName("db", "flat"), new PartitionSelection.All());
        assertEquals(List.of(planner.plan(new LoadRequest(flat, 1)).partitions().get(0).location()), withoutUfs.locations(flat));
        assertEquals("Partition not found: db.events dt=2026-12-01",
                assertThrows(NoSuchPartitionException.class, () -> withoutUfs.locations(
                        new LoadTarget.Table(PartitionedTables.EVENTS, List.of(PartitionSpec.parse("dt=2026-12-01"))))).getMessage());
        String cannotList = assertThrows(PlanningException.class,
                () -> withoutUfs.plan(new LoadRequest(new LoadTarget.Table(PartitionedTables.EVENTS, new PartitionSelection.Latest(1)), 1))).getMessage();
        assertTrue(cannotList.contains("the connector class io.gfsload.planner.NoSuchFileSystem is not on the classpath"), cannotList);
    }

    @Test
    void partitionsAtTheSameOrNestedLocationsPlanEachFileOnce() {
        LoadPlan plan = plan("db.overlap", new PartitionSelection.All());
        assertEquals(List.of("p=a", "p=b", "p=c"), names(plan));
        assertEquals(2, plan.stats().files());
        assertEquals(400, plan.stats().bytes());
        assertEquals(List.of("part-0"), relativePaths(plan.partitions().get(0), "data/shared"), "the outer partition has the files beside the nested one's location");
        assertEquals(1, plan.partitions().get(0).repeatedFiles(), "and counts the nested partition's files it leaves out");
        assertEquals(List.of("sub/part-1"), relativePaths(plan.partitions().get(1), "data/shared"), "a file goes to the deepest location that has it");
        assertEquals(0, plan.partitions().get(1).repeatedFiles());
        assertEquals(List.of(), plan.partitions().get(2).files(), "at the same location, the first partition has the files");
        assertEquals(1, plan.partitions().get(2).repeatedFiles(), "the later ones count what they leave out");
        LoadPlan same = plan("db.overlap", "p=b", "p=c");
        assertEquals(1, same.stats().files());
        assertEquals(1, same.partitions().get(1).repeatedFiles());
    }

    @Test
    void aPartitionWhoseLocationIsInsideAnothersHoldsItsOwnFilesWhicheverComesFirst() {
        LoadPlan plan = plan("db.moved", new PartitionSelection.All());
        assertEquals(List.of("dt=2026-11-19/hr=5", "dt=2026-11-20/hr=0", "dt=2026-11-20/hr=1"), names(plan));
        assertEquals(5, plan.stats().files(), "each file planned once");
        assertEquals(420, plan.stats().bytes());
        assertEquals(List.of("late/part-0"), relativePaths(plan.partitions().get(0), "data/moved/dt=2026-11-20"));
        assertEquals(List.of("extra/part-0", "part-0"), relativePaths(plan.partitions().get(1), "data/moved/dt=2026-11-20"),
                "the outer partition keeps its files and its other subdirectories' files, not those of the partitions inside it");
        assertEquals(3, plan.partitions().get(1).repeatedFiles());
        assertEquals(List.of("hr=1/part-0", "hr=1/sub/part-0"), relativePaths(plan.partitions().get(2), "data/moved/dt=2026-11-20"));
        assertEquals(List.of(0, 3, 0), plan.partitions().stream().map(PartitionLoad::repeatedFiles).toList());
        assertEquals(List.of(50L, 130L, 240L), plan.partitions().stream().map(PartitionLoad::bytes).toList());

        // alone, the outer partition has every file below its location, as any subdirectory's
        LoadPlan outer = plan("db.moved", "dt=2026-11-20/hr=0");
        assertEquals(List.of("extra/part-0", "hr=1/part-0", "hr=1/sub/part-0", "late/part-0", "part-0"),
                relativePaths(outer.partitions().get(0), "data/moved/dt=2026-11-20"));
        LoadPlan withoutLate = plan("db.moved", "dt=2026-11-20/hr=0", "dt=2026-11-20/hr=1");
        assertEquals(List.of("extra/part-0", "late/part-0", "part-0"), relativePaths(withoutLate.partitions().get(0), "data/moved/dt=2026-11-20"));
        assertEquals(List.of("hr=1/part-0", "hr=1/sub/part-0"), relativePaths(withoutLate.partitions().get(1), "data/moved/dt=2026-11-20"));
    }

    /** The paths of {@code partition}'s files relative to {@code base}, a directory under the test's. */
    private static List<String> relativePaths(PartitionLoad partition, String base) {
        String prefix = directory.resolve(base) + "/";
        List<String> paths = new ArrayList<>();
        for (FileLoad file : partition.files()) {
            String path = new org.apache.hadoop.fs.Path(file.file().path()).toUri().getPath();
            assertTrue(path.startsWith(prefix), path);
            paths.add(path.substring(prefix.length()));
        }
        return paths;
    }

    @Test
    void samePlanForTheSameRequest() {
        assertEquals(plan("db.events", new PartitionSelection.All()), plan("db.events", new PartitionSelection.All()));
    }

    @Test
    void batchesAndListingThreadsDoNotChangeThePlan() {
        LoadPlanner inSmallBatches = new LoadPlanner(Optional.of(catalog), new Configuration(), CacheState.EMPTY,
                new PlannerConfig(BLOCK, 10, 1000, 3, 7, 3));
        LoadPlanner oneByOne = new LoadPlanner(Optional.of(catalog), new Configuration(), CacheState.EMPTY,
                new PlannerConfig(BLOCK, 10, 1000, 1, 1, 1));
        for (PartitionSelection selection : List.of(new PartitionSelection.All(), new PartitionSelection.Latest(20),
                new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-05"))))) {
            LoadRequest request = new LoadRequest(new LoadTarget.Table(new TableName("db", "events"), selection), 1);
            LoadPlan expected = planner.plan(request);
            assertEquals(expected, inSmallBatches.plan(request), selection.toString());
            assertEquals(expected, oneByOne.plan(request), selection.toString());
        }
    }

    @Test
    void theCatalogFetchesPartitionsInBatches() {
        TableInfo table = catalog.getTable(new TableName("db", "events")).orElseThrow();
        try (ThriftHiveCatalog inBatchesOf7 = ThriftHiveCatalog.connect(METASTORE.uri(), 7, 2)) {
            // 50 partitions in 8 calls; the prefix's 5 in one.
            assertEquals(catalog.listPartitions(table), inBatchesOf7.listPartitions(table));
            assertEquals(expectedNames(DAYS, HOURS), inBatchesOf7.listPartitions(table).stream().map(p -> p.spec().toPathName()).toList());
            PartitionSpec day = PartitionSpec.parse("dt=2026-11-05");
            assertEquals(expectedNames(List.of("2026-11-05"), HOURS), inBatchesOf7.listPartitions(table, day).stream().map(p -> p.spec().toPathName()).toList());
            List<PartitionSpec> specs = inBatchesOf7.listPartitionSpecs(table);
            assertEquals(catalog.listPartitions(table), inBatchesOf7.getPartitions(table, specs));
        }
    }

    @Test
    void theCatalogServesConcurrentCallsOnSeveralConnections() throws Exception {
        TableInfo table = catalog.getTable(new TableName("db", "events")).orElseThrow();
        List<PartitionInfo> expected = catalog.listPartitions(table);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (ThriftHiveCatalog twoConnections = ThriftHiveCatalog.connect(METASTORE.uri(), 5, 2)) {
            List<Future<List<PartitionInfo>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(callers.submit(() -> twoConnections.listPartitions(table)));
            }
            for (Future<List<PartitionInfo>> answer : answers) {
                assertEquals(expected, answer.get());
            }
        }
        finally {
            callers.shutdownNow();
        }
    }

    /** A materialized view stores its rows as a table does, where the queries Hive rewrites to it read them. */
    @Test
    void aMaterializedViewIsLoadedFromItsLocation() {
        LoadPlan plan = plan("db.mv");
        assertEquals(List.of("000000_0"), plan.partitions().stream().flatMap(partition -> partition.files().stream())
                .map(file -> file.file().path().substring(file.file().path().lastIndexOf('/') + 1)).toList());
        assertEquals(250, plan.stats().bytes());
    }

    @Test
    void badInputNamesWhatIsWrong() {
        assertEquals("Table not found: db.nosuch", assertThrows(NoSuchTableException.class, () -> plan("db.nosuch")).getMessage());
        assertEquals("Database not found: nodb (of table nodb.events)", assertThrows(NoSuchTableException.class, () -> plan("nodb.events")).getMessage());
        assertEquals("Partition not found: db.events dt=2026-12-01/hr=00",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.events", "dt=2026-12-01/hr=00")).getMessage());
        assertEquals("Partition not found: db.events dt=2026-12-01",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.events", "dt=2026-12-01")).getMessage());
        assertEquals("Partition spec 'day=1' does not match the partition keys of db.events: expected dt=.../hr=...",
                assertThrows(InvalidInputException.class, () -> plan("db.events", "day=1")).getMessage());
        assertEquals("Partition spec 'hr=01' does not match the partition keys of db.events: expected dt=.../hr=...",
                assertThrows(InvalidInputException.class, () -> plan("db.events", "hr=01")).getMessage());
        assertEquals("db.v is a view, which has no data files of its own: give the tables it reads instead",
                assertThrows(InvalidInputException.class, () -> plan("db.v")).getMessage());
        String syntax = assertThrows(InvalidInputException.class, () -> plan("db.events", new PartitionSelection.Filter("dt >="))).getMessage();
        assertTrue(syntax.startsWith("Invalid filter \"dt >=\" for db.events (partition keys: dt, hr): "), syntax);
        String unknownKey = assertThrows(InvalidInputException.class, () -> plan("db.events", new PartitionSelection.Filter("day = '1'"))).getMessage();
        assertTrue(unknownKey.startsWith("Invalid filter \"day = '1'\" for db.events (partition keys: dt, hr): "), unknownKey);
        assertEquals("Invalid --latest 0: must be at least 1", assertThrows(InvalidRequestException.class, () -> new PartitionSelection.Latest(0)).getMessage());
    }
}
