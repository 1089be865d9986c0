package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * catalog compares the numeric ones with whole numbers itself, as it compares an integer key.
 */
class TestFiltersOnKeysTheMetastoreCannotFilter {
    @TempDir
    static Path directory;

    private static final TableName AMOUNTS = new TableName("db", "amounts");
    private static final TableName MEASURES = new TableName("db", "measures");

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

    private static List<String> matching(TableName name, String filter) {
        return PartitionedTables.matching(catalog, name, filter);
    }
}
