package io.gfsload.catalog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters on {@code int} and {@code date} partition keys on a metastore whose direct SQL is off
 * ({@code hive.metastore.try.direct.sql=false}), a production configuration: its JDO filter, then
 * its only one, refuses every key of another type than string ("Filtering is supported only on
 * partition keys of type string"), as a metastore on PostgreSQL or MySQL does when its direct SQL
 * fails on another table's values at the key's position ({@code TestPostgresMetastore} in
 * metastore-compat). The catalog then filters the table's partition names itself, with the
 * semantics the metastore's direct SQL has ({@code TestTypedFiltersBesideOtherTables}), and still
 * refuses the filters that are invalid anywhere.
 */
class TestTypedFiltersWithoutDirectSql {
    @TempDir
    static Path directory;

    private static final TableName HOURS = new TableName("db", "hours");
    private static final TableName DAYS = new TableName("db", "days");
    private static final TableName NULLS = new TableName("db", "nulls");
    private static final TableName DAY_HOURS = new TableName("db", "dayhours");
    private static final TableName REGIONS = new TableName("db", "regions");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension(Map.of("hive.metastore.try.direct.sql", "false"));
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            PartitionedTables.create(admin, directory.resolve("warehouse"), new TableName("db", "labels"), List.of(new Column("dt", "string"), new Column("hr", "string")),
                    List.of("dt=x/hr=y", "dt=2026-13-45/hr=2026-99-99"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), HOURS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12", "dt=2026-11-21/hr=2", "dt=2026-11-21/hr=__HIVE_DEFAULT_PARTITION__"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), DAYS, List.of(new Column("p", "string"), new Column("d", "date")),
                    List.of("p=a/d=2026-10-31", "p=a/d=2026-11-01", "p=a/d=2026-11-20", "p=b/d=2026-11-21", "p=b/d=__HIVE_DEFAULT_PARTITION__"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), DAY_HOURS, List.of(new Column("dt", "date"), new Column("hour", "int")),
                    List.of("dt=2026-11-20/hour=5", "dt=2026-11-20/hour=6", "dt=2026-11-21/hour=1"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), REGIONS, List.of(new Column("region", "varchar(16)"), new Column("hr", "int")),
                    List.of("region=eu/hr=1", "region=us/hr=2", "region=us/hr=3"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), NULLS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-20/hr=1", "dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=3"));
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void aVarcharKeyIsFilteredAsAStringBesideAnIntKey() {
        assertEquals(List.of("region=us/hr=3"), matching(REGIONS, "region = 'us' and hr > 2"));
        assertEquals(List.of("region=eu/hr=1", "region=us/hr=3"), matching(REGIONS, "region < 'us' or hr >= 3"));
    }

    @Test
    void anIntKeyIsFilteredByNumber() {
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), matching(HOURS, "hr >= 3"));
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), matching(HOURS, "3 <= hr"));
        assertEquals(List.of("dt=2026-11-20/hr=12"), matching(HOURS, "dt = '2026-11-20' and hr > 3"));
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-21/hr=2"), matching(HOURS, "hr between 2 and 9"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), matching(HOURS, "hr not between 2 and 9"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), matching(HOURS, "(hr) in (1, 12)"));
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-21/hr=2"), matching(HOURS, "(hr) not in (1, 12)"));
        // Hive's default partition compares as null: neither hr != 3 nor its negation holds for it, an or with what holds does
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12", "dt=2026-11-21/hr=2"), matching(HOURS, "hr != 3"));
        assertEquals(List.of("dt=2026-11-20/hr=12", "dt=2026-11-21/hr=2", "dt=2026-11-21/hr=__HIVE_DEFAULT_PARTITION__"),
                matching(HOURS, "(hr > 10 or dt = '2026-11-21')"));
        assertEquals(List.of(), matching(HOURS, "hr > 100"));
    }

    @Test
    void aDateKeyIsFilteredByDate() {
        assertEquals(List.of("p=a/d=2026-11-01", "p=a/d=2026-11-20", "p=b/d=2026-11-21"), matching(DAYS, "d >= '2026-11-01'"));
        assertEquals(List.of("p=a/d=2026-10-31", "p=a/d=2026-11-01"), matching(DAYS, "p = 'a' and d between '2026-10-01' and '2026-11-19'"));
        assertEquals(List.of("p=a/d=2026-10-31", "p=b/d=2026-11-21"), matching(DAYS, "d = '2026-10-31' or (p = 'b' and d < '2026-12-01')"));
        // a date without quotes, which the metastore's parser reads as a date, as its direct SQL compares it
        assertEquals(List.of("p=a/d=2026-11-20"), matching(DAYS, "d = 2026-11-20"));
        assertEquals(List.of("dt=2026-11-20/hour=5", "dt=2026-11-21/hour=1"), matching(DAY_HOURS, "dt = 2026-11-21 or hour = 5"));
        assertEquals(List.of("dt=2026-11-20/hour=6"), matching(DAY_HOURS, "dt < 2026-11-21 and hour > 5"));
    }

    @Test
    void theDefaultPartitionOfAStringKeyIsSelectedByItsNameOnly() {
        // the metastore's JDO filter compares the name as text
        assertEquals(List.of("dt=2026-11-21/hr=2"), matching(NULLS, "dt >= '2026-11-21'"));
        assertEquals(List.of("dt=2026-11-21/hr=2"), matching(NULLS, "dt != '2026-11-20'"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-21/hr=2"), matching(NULLS, "dt like '.*'"));
        assertEquals(List.of("dt=__HIVE_DEFAULT_PARTITION__/hr=3"), matching(NULLS, "dt = '__HIVE_DEFAULT_PARTITION__'"));
        // filtered here, for the int key
        assertEquals(List.of("dt=2026-11-21/hr=2"), matching(NULLS, "dt >= '2026-11-21' and hr >= 1"));
        assertEquals(List.of("dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=3"), matching(NULLS, "dt >= '2026-11-21' or hr = 3"));
    }

    @Test
    void eachFilterFilteredHereIsLoggedOnce() {
        String logged = stderr(() -> matching(HOURS, "hr >= 3"));
        List<String> lines = logged.lines().filter(line -> line.contains("gfsload filtered")).toList();
        assertEquals(1, lines.size(), logged);
        assertTrue(lines.get(0).contains("INFO"), lines.get(0));
        assertTrue(lines.get(0).contains("could not filter db.hours by hr (int) (Filtering is supported only on partition keys of type string); "
                + "gfsload filtered the table's 5 partition names by \"hr >= 3\" itself: 2 match"), lines.get(0));
    }

    @Test
    void invalidFiltersAreStillRefused() {
        assertRefused(HOURS, "hr like '1.*'", "the partition key hr is of type int, and the metastore evaluates LIKE only on keys of type string: "
                + "compare it with numbers, as in hr >= 10 and hr < 20");
        assertRefused(HOURS, "hr = '3'", "the partition key hr (int) is a number, and the filter compares it with a quoted value: "
                + "write the value without quotes, as in hr = 3");
        assertRefused(HOURS, "dt = 5", "the partition key dt is a string, and the filter compares it with a number: quote the value, as in dt = '5'");
        assertRefused(HOURS, "dt like '2026-11-2.*' and hr = 3", "the metastore cannot combine LIKE with a condition on a key of another type than string, "
                + "and the filter has LIKE on dt and a condition on hr (int): write the LIKE as a range, as in dt >= '2026-11-2' and dt < '2026-11-3' and hr = 3, "
                + "or load the partitions of each condition separately");
        assertRefused(DAYS, "d >= '2026-11-31'", "the partition key d is a date, and the metastore compares a date only with a valid date written 'yyyy-MM-dd' "
                + "(as '2026-11-20'): '2026-11-31' is not one");
        assertRefused(DAYS, "d = 2026-11-20 or d < '2026-13-01'", "the partition key d is a date, and the metastore compares a date only with a valid date "
                + "written 'yyyy-MM-dd' (as '2026-11-20'): '2026-13-01' is not one");
        assertRefused(DAYS, "d = 20261120", "the partition key d is a date, and the metastore compares a date only with a valid date written 'yyyy-MM-dd' "
                + "(as '2026-11-20'): 20261120 is not one");
    }

    private static void assertRefused(TableName name, String filter, String problem) {
        TableInfo table = catalog.getTable(name).orElseThrow();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(table, filter));
        assertEquals("Invalid filter \"%s\" for %s (partition keys: %s): %s".formatted(filter, name, String.join(", ", table.partitionKeys()), problem),
                e.getMessage());
    }

    private static List<String> matching(TableName name, String filter) {
        return PartitionedTables.matching(catalog, name, filter);
    }

    /** What {@code action} writes to stderr, where the test's logger writes. */
    private static String stderr(Supplier<?> action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, UTF_8));
        try {
            action.get();
        }
        finally {
            System.setErr(original);
        }
        return captured.toString(UTF_8);
    }
}
