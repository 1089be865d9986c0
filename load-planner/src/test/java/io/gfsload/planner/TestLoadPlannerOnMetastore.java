package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gfsload.catalog.InvalidInputException;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.NoSuchTableException;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.embedded.EmbeddedMetastore;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import io.gfsload.catalog.thrift.ThriftHiveCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planning table partitions resolved through a real Thrift metastore on loopback. */
class TestLoadPlannerOnMetastore {
    private static final TableName EVENTS = new TableName("db", "events");

    @TempDir
    static Path directory;

    private static EmbeddedMetastore metastore;
    private static ThriftHiveCatalog catalog;
    private static LoadPlanner planner;

    @BeforeAll
    static void start() throws Exception {
        metastore = EmbeddedMetastore.start(directory.resolve("metastore"));
        Path table = directory.resolve("data/events");
        Files.createDirectories(table.resolve("dt=2026-11-19"));
        Files.write(table.resolve("dt=2026-11-19/part-0"), new byte[300]);
        Files.createDirectories(table.resolve("dt=2026-11-20"));
        Files.write(table.resolve("dt=2026-11-20/part-0"), new byte[150]);
        Files.write(table.resolve("dt=2026-11-20/_SUCCESS"), new byte[0]);
        try (MetastoreAdmin admin = MetastoreAdmin.connect(metastore.uri())) {
            admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
            admin.createParquetTable(EVENTS, List.of(new Column("id", "bigint")), List.of(new Column("dt", "string")), table.toUri().toString());
            Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
            for (String dt : List.of("2026-11-19", "2026-11-20", "2026-11-21")) {
                partitions.put(PartitionSpec.parse("dt=" + dt), table.resolve("dt=" + dt).toUri().toString());
            }
            admin.addPartitions(EVENTS, partitions);
            admin.createView(new TableName("db", "v"), List.of(new Column("id", "bigint")), "select 1");
        }
        catalog = ThriftHiveCatalog.connect(metastore.uri());
        planner = new LoadPlanner(Optional.of(catalog), new Configuration(), CacheState.EMPTY, new PlannerConfig(100, 10, 1000, 2));
    }

    @AfterAll
    static void stop() {
        if (catalog != null) {
            catalog.close();
        }
        if (metastore != null) {
            metastore.close();
        }
    }

    private static LoadPlan plan(String table, String... specs) {
        List<PartitionSpec> parsed = java.util.Arrays.stream(specs).map(PartitionSpec::parse).toList();
        return planner.plan(new LoadRequest(new LoadTarget.Table(TableName.parse(table), parsed), 1));
    }

    @Test
    void plansTheRequestedPartitionFromItsMetastoreLocation() {
        LoadPlan plan = plan("db.events", "dt=2026-11-20");
        assertEquals(List.of("dt=2026-11-20"), plan.partitions().stream().map(PartitionLoad::name).toList());
        assertEquals(1, plan.stats().files());
        assertEquals(150, plan.stats().bytes());
        assertEquals(2, plan.stats().blocks());
    }

    @Test
    void withoutPartitionsPlansEveryPartitionAndAMissingDirectoryIsEmpty() {
        LoadPlan plan = plan("db.events");
        assertEquals(List.of("dt=2026-11-19", "dt=2026-11-20", "dt=2026-11-21"), plan.partitions().stream().map(PartitionLoad::name).toList());
        assertEquals(List.of(1, 1, 0), plan.partitions().stream().map(p -> p.files().size()).toList());
        assertEquals(450, plan.stats().bytes());
    }

    @Test
    void badInputNamesWhatIsWrong() {
        assertEquals("Table not found: db.nosuch", assertThrows(NoSuchTableException.class, () -> plan("db.nosuch")).getMessage());
        assertEquals("Partition not found: db.events dt=2026-12-01",
                assertThrows(NoSuchPartitionException.class, () -> plan("db.events", "dt=2026-12-01")).getMessage());
        assertEquals("Partition spec 'day=1' does not match the partition keys of db.events: expected dt=...",
                assertThrows(InvalidInputException.class, () -> plan("db.events", "day=1")).getMessage());
        assertEquals("db.v is a view: only tables with data files can be loaded",
                assertThrows(InvalidInputException.class, () -> plan("db.v")).getMessage());
    }
}
