package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.NoSuchPartitionException;
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
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The latest partitions, and filters, on a metastore that names Hive's default partition otherwise
 * ({@code hive.exec.default.partition.name=__NULL__}): its partitions named so hold the rows whose
 * key is null and are never the latest, though {@code __NULL__} sorts after the digits of a date;
 * a partition named {@code __HIVE_DEFAULT_PARTITION__} there is one with that text as its value.
 * The same on Hive's default name is in {@link TestLoadPlannerOnMetastore}.
 */
class TestDefaultPartitionNamedByTheMetastore {
    private static final String NULL = "__NULL__";

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension(Map.of("hive.exec.default.partition.name", NULL));
    private static LoadPlanner planner;

    @BeforeAll
    static void start() throws IOException {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
            table(admin, "nulls", List.of(new Column("dt", "string")), "dt=2026-11-19", "dt=2026-11-20", "dt=" + NULL);
            table(admin, "dated", List.of(new Column("d", "date"), new Column("n", "int")), "d=2026-01-04/n=7", "d=2026-01-05/n=5", "d=" + NULL + "/n=5");
            table(admin, "onlynull", List.of(new Column("dt", "string")), "dt=" + NULL);
            table(admin, "hours", List.of(new Column("dt", "string"), new Column("hr", "int")), "dt=2026-11-20/hr=3", "dt=2026-11-20/hr=" + NULL);
            table(admin, "texts", List.of(new Column("dt", "string")), "dt=2026-11-20", "dt=" + PartitionSpec.DEFAULT_PARTITION_VALUE);
        }
        planner = new LoadPlanner(Optional.of(METASTORE.catalog()), new Configuration(), CacheState.EMPTY, new PlannerConfig(100, 10, 1000, 4));
    }

    @Test
    void theDefaultPartitionIsNeverTheLatest() {
        assertEquals(List.of("dt=2026-11-20"), names(plan("db.nulls", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-19", "dt=2026-11-20"), names(plan("db.nulls", new PartitionSelection.Latest(5))), "never, however many");
        assertEquals(List.of("d=2026-01-05/n=5"), names(plan("db.dated", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20"), names(plan("db.nulls", new PartitionSelection.Latest(1, new PartitionSelection.Filter("dt >= '2026-11-01'")))));
        assertEquals("No partition of db.onlynull matches: latest 1 (the table has no partitions but Hive's default partitions, "
                        + NULL + ", which are never the latest)",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.onlynull", new PartitionSelection.Latest(1))).getMessage());
    }

    @Test
    void theDefaultPartitionNamedIsTheLatestOfThoseNamed() {
        assertEquals(List.of("dt=" + NULL), names(plan("db.nulls",
                new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=" + NULL)))))));
        assertEquals(List.of("dt=" + NULL), names(plan("db.nulls", new PartitionSelection.Latest(1, new PartitionSelection.Filter("dt = '" + NULL + "'")))));
        // an int key's default partition is its value as any key's: a spec naming one that is not there is not found, not a value of another type
        assertEquals("No partition of db.hours matches: latest 1 of dt=2026-11-21/hr=" + NULL, assertThrows(NoSuchPartitionException.class,
                () -> plan("db.hours", new PartitionSelection.Latest(1, new PartitionSelection.Specs(List.of(PartitionSpec.parse("dt=2026-11-21/hr=" + NULL))))))
                .getMessage());
    }

    @Test
    void aFilterOnItsKeySelectsNoDefaultPartition() {
        assertEquals(List.of("dt=2026-11-20"), names(plan("db.nulls", new PartitionSelection.Filter("dt > '2026-11-19'"))));
        assertEquals(List.of("dt=2026-11-19", "dt=2026-11-20"), names(plan("db.nulls", new PartitionSelection.Filter("dt <> '1'"))));
    }

    @Test
    void hivesDefaultNameIsAValueAsAnyOtherThere() {
        assertEquals(List.of("dt=" + PartitionSpec.DEFAULT_PARTITION_VALUE), names(plan("db.texts", new PartitionSelection.Latest(1))));
        assertEquals(List.of("dt=2026-11-20", "dt=" + PartitionSpec.DEFAULT_PARTITION_VALUE),
                names(plan("db.texts", new PartitionSelection.Filter("dt > '2026'"))));
    }

    /** Creates {@code db.NAME} partitioned by {@code keys} with a partition of one 10-byte file for each of {@code partitions}. */
    private static void table(MetastoreAdmin admin, String name, List<Column> keys, String... partitions) throws IOException {
        Path root = directory.resolve("data/" + name);
        Map<PartitionSpec, String> locations = new LinkedHashMap<>();
        for (String partition : partitions) {
            Path location = root.resolve(partition);
            Files.createDirectories(location);
            Files.write(location.resolve("part-0"), new byte[10]);
            locations.put(PartitionSpec.parse(partition), PartitionedTables.location(location));
        }
        admin.createParquetTable(new TableName("db", name), List.of(new Column("id", "bigint")), keys, root.toUri().toString());
        admin.addPartitions(new TableName("db", name), locations);
    }

    private static LoadPlan plan(String table, PartitionSelection selection) {
        return planner.plan(new LoadRequest(new LoadTarget.Table(TableName.parse(table), selection), 1));
    }

    private static List<String> names(LoadPlan plan) {
        return plan.partitions().stream().map(PartitionLoad::name).toList();
    }
}
