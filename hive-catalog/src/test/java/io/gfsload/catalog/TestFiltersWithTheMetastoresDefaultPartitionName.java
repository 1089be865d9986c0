package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Filters on a metastore that names Hive's default partition otherwise
 * ({@code hive.exec.default.partition.name=__NULL__}): its partitions named so are the rows whose
 * key is null, which no condition on the key selects but their name, and a partition named
 * {@code __HIVE_DEFAULT_PARTITION__} is one with that text as its value. The metastore's direct
 * SQL is off, so that a filter on the {@code string} key alone is the metastore's (its JDO filter,
 * which compares the name as text), and one with the {@code int} key too is the catalog's own
 * ({@link TestTypedFiltersWithoutDirectSql}).
 */
class TestFiltersWithTheMetastoresDefaultPartitionName {
    @TempDir
    static Path directory;

    private static final String NULL = "__NULL__";
    private static final TableName NULLS = new TableName("db", "nulls");

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension(Map.of(
            "hive.exec.default.partition.name", NULL,
            "hive.metastore.try.direct.sql", "false"));
    private static ThriftHiveCatalog catalog;

    @BeforeAll
    static void start() {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse/db.db").toUri().toString());
            PartitionedTables.create(admin, directory.resolve("warehouse"), NULLS, List.of(new Column("dt", "string"), new Column("hr", "int")),
                    List.of("dt=2026-11-20/hr=1", "dt=2026-11-21/hr=2", "dt=" + NULL + "/hr=3", "dt=__HIVE_DEFAULT_PARTITION__/hr=4"));
        }
        catalog = METASTORE.catalog();
    }

    @Test
    void theCatalogNamesTheDefaultPartitionAsTheMetastoreDoes() {
        assertEquals(NULL, catalog.defaultPartitionName());
    }

    @Test
    void noConditionOnItsKeySelectsTheDefaultPartition() {
        // the metastore's answer: it compares '__NULL__' as text, after '2'
        assertEquals(List.of("dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=4"), matching("dt > '2026-11-20'"));
        assertEquals(List.of("dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=4"), matching("dt != '2026-11-20'"));
        // the catalog's own, the metastore refusing the int key
        assertEquals(List.of("dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=4"), matching("dt > '2026-11-20' and hr > 0"));
        assertEquals(List.of("dt=2026-11-20/hr=1", "dt=2026-11-21/hr=2", "dt=__HIVE_DEFAULT_PARTITION__/hr=4"), matching("dt != 'x' and hr >= 1"));
    }

    @Test
    void itsNameSelectsTheDefaultPartition() {
        assertEquals(List.of("dt=" + NULL + "/hr=3"), matching("dt = '" + NULL + "'"));
        assertEquals(List.of("dt=" + NULL + "/hr=3"), matching("dt = '" + NULL + "' and hr = 3"));
        assertEquals(List.of("dt=2026-11-21/hr=2", "dt=" + NULL + "/hr=3"), matching("dt = '" + NULL + "' or hr = 2"));
    }

    private static List<String> matching(String filter) {
        return PartitionedTables.matching(catalog, NULLS, filter);
    }
}
