package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * Filters on {@code int} and {@code date} partition keys of a table, on the embedded (Derby)
 * metastore, while other tables hold values that are neither numbers nor dates at the same key
 * positions (strings, invalid dates, Hive's default partition, a table of the same name in
 * another database). Hive's direct SQL casts the values of a key to its type inside a
 * {@code CASE} that first checks the row's table (its workaround for Derby's evaluating casts
 * before joins, DERBY-6358), so that other tables' values never reach the cast and the filter is
 * not handed to its JDO filter, which refuses keys of other types than string.
 */
class TestTypedFiltersBesideOtherTables {
    @TempDir
    static Path directory;

    private static final TableName HOURS = new TableName("db", "hours");
    private static final TableName DAYS = new TableName("db", "days");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            admin.ensureDatabase("other", directory.resolve("warehouse/other.db").toUri().toString());
            // other tables first, so that their rows come first in the metastore's tables
            PartitionedTables.create(admin, directory.resolve("warehouse"), new TableName("db", "labels"), List.of(new Column("dt", "string"), new Column("hr", "string")),
                    List.of("dt=x/hr=y", "dt=2026-13-45/hr=2026-99-99", "dt=__HIVE_DEFAULT_PARTITION__/hr=__HIVE_DEFAULT_PARTITION__"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), new TableName("other", "hours"), List.of(new Column("dt", "string"), new Column("hr", "string")), List.of("dt=zz/hr=zz"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), HOURS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12", "dt=2026-11-21/hr=__HIVE_DEFAULT_PARTITION__"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), DAYS, List.of(new Column("dt", "date")), List.of("dt=2026-10-31", "dt=2026-11-01", "dt=2026-11-20"));
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void anIntKeyIsFilteredByNumberWhateverOtherTablesHoldAtItsPosition() {
        assertEquals(List.of("dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), matching(HOURS, "hr >= 3"));
        assertEquals(List.of("dt=2026-11-20/hr=12"), matching(HOURS, "dt = '2026-11-20' and hr > 3"));
        assertEquals(List.of("dt=2026-11-20/hr=3"), matching(HOURS, "hr between 2 and 9"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), matching(HOURS, "(hr) in (1, 12)"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=12"), matching(HOURS, "hr != 3"));
    }

    @Test
    void aDateKeyIsFilteredByDateWhateverOtherTablesHoldAtItsPosition() {
        assertEquals(List.of("dt=2026-11-01", "dt=2026-11-20"), matching(DAYS, "dt >= '2026-11-01'"));
        assertEquals(List.of("dt=2026-10-31", "dt=2026-11-01"), matching(DAYS, "dt between '2026-10-01' and '2026-11-19'"));
    }

    @Test
    void invalidFiltersAreStillRefused() {
        TableInfo hours = catalog.getTable(HOURS).orElseThrow();
        InvalidInputException like = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(hours, "hr like '1.*'"));
        assertEquals("Invalid filter \"hr like '1.*'\" for db.hours (partition keys: dt, hr): the partition key hr is of type int, and the metastore evaluates "
                + "LIKE only on keys of type string: compare it with numbers, as in hr >= 10 and hr < 20", like.getMessage());
        TableInfo days = catalog.getTable(DAYS).orElseThrow();
        InvalidInputException date = assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(days, "dt >= '2026-11-31'"));
        assertEquals("Invalid filter \"dt >= '2026-11-31'\" for db.days (partition keys: dt): the partition key dt is a date, and the metastore compares "
                + "a date only with a valid date written 'yyyy-MM-dd' (as '2026-11-20'): '2026-11-31' is not one", date.getMessage());
    }

    private static List<String> matching(TableName name, String filter) {
        return PartitionedTables.matching(catalog, name, filter);
    }
}
