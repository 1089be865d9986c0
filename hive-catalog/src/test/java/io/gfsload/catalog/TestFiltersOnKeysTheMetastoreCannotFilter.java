package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters on partition keys of types that no metastore filters, whatever its settings: it refuses
 * every filter on a {@code decimal}, {@code float}, {@code double}, {@code timestamp} or
 * {@code boolean} key with "Filtering is supported only on partition keys of type string". The
 * catalog compares the numeric ones with whole numbers itself, as it compares an integer key, and
 * says of the others that they cannot be filtered, and how to select their partitions instead;
 * each hint's example is run against the same metastore.
 */
class TestFiltersOnKeysTheMetastoreCannotFilter {
    @TempDir
    static Path directory;

    private static final TableName AMOUNTS = new TableName("db", "amounts");
    private static final TableName MEASURES = new TableName("db", "measures");
    private static final TableName MOMENTS = new TableName("db", "moments");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        Path warehouse = directory.resolve("warehouse");
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", warehouse.resolve("db.db").toUri().toString());
            PartitionedTables.create(admin, warehouse, AMOUNTS, List.of(new Column("p", "string"), new Column("x", "decimal(10,2)")),
                    List.of("p=a/x=2.5", "p=a/x=10", "p=b/x=10.00", "p=b/x=12.75", "p=b/x=__HIVE_DEFAULT_PARTITION__"));
            PartitionedTables.create(admin, warehouse, MEASURES, List.of(new Column("x", "double"), new Column("f", "float")),
                    List.of("x=-1.5/f=2", "x=10/f=0.25", "x=10.0/f=3.5"));
            PartitionedTables.create(admin, warehouse, MOMENTS, List.of(new Column("t", "timestamp"), new Column("b", "boolean")),
                    List.of("t=2026-11-20 00%3A00%3A00/b=true", "t=2026-11-21 00%3A00%3A00/b=false"));
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void decimalFloatAndDoubleKeysAreComparedWithWholeNumbersAsNumbers() {
        assertEquals(List.of("p=a/x=10", "p=b/x=10.00"), matching(AMOUNTS, "x = 10"));
        assertEquals(List.of("p=a/x=10", "p=b/x=10.00", "p=b/x=12.75"), matching(AMOUNTS, "x > 2 and x >= 3"));
        assertEquals(List.of("p=a/x=2.5", "p=b/x=12.75"), matching(AMOUNTS, "x != 10"), "the default partition is null");
        assertEquals(List.of("p=b/x=10.00", "p=b/x=12.75"), matching(AMOUNTS, "p = 'b' and 5 < x"));
        assertEquals(List.of("p=a/x=2.5", "p=b/x=12.75"), matching(AMOUNTS, "x < 3 or (p = 'b' and (x) not in (10))"));
        assertEquals(List.of("p=a/x=2.5", "p=b/x=10.00", "p=b/x=12.75", "p=b/x=__HIVE_DEFAULT_PARTITION__"), matching(AMOUNTS, "x < 3 or p = 'b'"));

        assertEquals(List.of("x=10/f=0.25", "x=10.0/f=3.5"), matching(MEASURES, "x = 10"));
        assertEquals(List.of("x=-1.5/f=2", "x=10.0/f=3.5"), matching(MEASURES, "f between 1 and 4"));
        assertEquals(List.of("x=-1.5/f=2"), matching(MEASURES, "x < 0 and f >= 2"));
    }

    @Test
    void aKeyOfAnotherTypeSaysThatNoFilterOnItWorksAndHowToSelectItsPartitions() {
        String cannot = "the metastore cannot filter keys of that type (gfsload filters keys of type string, date and numbers): "
                + "select its partitions with --partition instead";
        assertRefused(MOMENTS, "b = 'true'", "the partition key b is of type boolean, and " + cannot + ", as in --partition t=.../b=true, or filter on another key");
        // no boolean in the metastore's grammar: it cannot parse it either
        assertRefused(MOMENTS, "b = true", "the partition key b is of type boolean, and " + cannot + ", as in --partition t=.../b=true, or filter on another key");
        assertRefused(MOMENTS, "t = '2026-11-20 00:00:00'", "the partition key t is of type timestamp, and " + cannot
                + ", as in --partition 't=2026-11-20 00%3A00%3A00', or filter on another key");
        assertTrue(catalog.getPartition(table(MOMENTS), PartitionSpec.parse("t=2026-11-20 00%3A00%3A00/b=true")).isPresent());
        assertRefused(MOMENTS, "t > '2026-11-20 12:00:00' and b like 'f.*'", "the partition key t is of type timestamp, and " + cannot + ", or filter on another key");
    }

    @Test
    void aNumericKeyComparedWithAQuotedNumberOrANumberWithAFractionSaysHowToWriteIt() {
        assertRefused(AMOUNTS, "x = '10'", "the partition key x (decimal(10,2)) is a number, and the filter compares it with a quoted value: "
                + "write the value without quotes, as in x = 10");
        assertRefused(AMOUNTS, "x = 2.5", "the metastore cannot parse it: its filters have whole numbers only, and 2.5 is not one: "
                + "select the partition with --partition p=.../x=2.5, or compare with whole numbers, as in x > 2 and x < 3");
        assertEquals(List.of("p=a/x=2.5"), matching(AMOUNTS, "x > 2 and x < 3"));
        assertTrue(catalog.getPartition(table(AMOUNTS), PartitionSpec.parse("p=a/x=2.5")).isPresent());
        assertRefused(MEASURES, "f >= 1 and x < -1.5", "the metastore cannot parse it: its filters have whole numbers only, and -1.5 is not one: "
                + "compare with whole numbers, as in x > -2 and x < -1");
        assertRefused(AMOUNTS, "x like '1.*'", "the partition key x is of type decimal(10,2), and the metastore evaluates LIKE only on keys of type string: "
                + "compare it with numbers, as in x >= 10 and x < 20");
        assertEquals(List.of("p=a/x=10", "p=b/x=10.00", "p=b/x=12.75"), matching(AMOUNTS, "x >= 10 and x < 20"));
    }

    private static void assertRefused(TableName name, String filter, String problem) {
        TableInfo table = table(name);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(table, filter));
        assertEquals("Invalid filter \"%s\" for %s (partition keys: %s): %s".formatted(filter, name, String.join(", ", table.partitionKeys()), problem),
                e.getMessage());
    }

    private static TableInfo table(TableName name) {
        return catalog.getTable(name).orElseThrow();
    }

    private static List<String> matching(TableName name, String filter) {
        return PartitionedTables.matching(catalog, name, filter);
    }
}
