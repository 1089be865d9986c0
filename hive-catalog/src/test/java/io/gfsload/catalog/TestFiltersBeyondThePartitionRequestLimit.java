package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters that match more partitions than a metastore answers in one call: with
 * {@code hive.metastore.limit.partition.request} set, as production metastores set it to protect
 * themselves, the metastore refuses a {@code get_partitions_by_filter} that would return more
 * partitions than the limit. The catalog then filters the table's partition names itself and
 * reads the partitions by name in batches, as it reads every partition of a table, with the
 * metastore's semantics.
 */
class TestFiltersBeyondThePartitionRequestLimit {
    @TempDir
    static Path directory;

    private static final TableName HOURS = new TableName("db", "hours");
    private static final TableName DAYS = new TableName("db", "days");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension(Map.of("hive.metastore.limit.partition.request", "2"));
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            PartitionedTables.create(admin, directory.resolve("warehouse"), HOURS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-19/hr=23", "dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12", "dt=__HIVE_DEFAULT_PARTITION__/hr=5"));
            PartitionedTables.create(admin, directory.resolve("warehouse"), DAYS, List.of(new Column("dt", "string")),
                    List.of("dt=2026-11-18", "dt=2026-11-19", "dt=2026-11-20", "dt=2026-11-21"));
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void aFilterMatchingMorePartitionsThanTheLimitSelectsThemAll() {
        assertEquals(List.of("dt=2026-11-19", "dt=2026-11-20", "dt=2026-11-21"), matching(DAYS, "dt >= '2026-11-19'"));
        assertEquals(List.of("dt=2026-11-18", "dt=2026-11-19", "dt=2026-11-20", "dt=2026-11-21"), matching(DAYS, "dt like '2026-11-.*'"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), matching(HOURS, "dt = '2026-11-20'"));
        assertEquals(List.of("dt=2026-11-19/hr=23", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12", "dt=__HIVE_DEFAULT_PARTITION__/hr=5"),
                matching(HOURS, "hr >= 3"));
        // Hive's default partition matches no condition on its key, as where the metastore answers
        assertEquals(List.of("dt=2026-11-19/hr=23", "dt=2026-11-20/hr=1", "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=12"), matching(HOURS, "dt != '2026-11-21'"));
    }

    @Test
    void aFilterMatchingNoMoreThanTheLimitIsTheMetastores() {
        assertEquals(List.of("dt=2026-11-20", "dt=2026-11-21"), matching(DAYS, "dt >= '2026-11-20'"));
    }

    @Test
    void aFilterTheMetastoreRefusesIsStillRefused() {
        TableInfo table = catalog.getTable(HOURS).orElseThrow();
        assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(table, "dt in ('2026-11-20')"));
        assertThrows(InvalidInputException.class, () -> catalog.listPartitionsByFilter(table, "dt = 5"));
    }

    private static List<String> matching(TableName name, String filter) {
        return PartitionedTables.matching(catalog, name, filter);
    }
}
