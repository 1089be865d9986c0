package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.NoSuchPartitionException;
import io.gfsload.catalog.PartitionInfo;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.testing.ForwardingHiveCatalog;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions a retention job drops from a real Thrift metastore while the load plans: after their
 * names were listed and before they were read, or after they were read and before their
 * locations, deleted with them, were listed. The plan names them, and {@code --latest N} plans
 * others in their place. The drops run in the planning thread, between two calls to the
 * metastore, through a catalog that forwards every call to the real one.
 */
class TestPartitionsDroppedWhilePlanning {
    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @Test
    void latestPlansInPlaceOfAPartitionDroppedAfterItsNameWasListed() throws IOException {
        TableName table = table("named", 5);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterNames.set(() -> drop(table, "dt=4"));

        LoadPlan plan = plan(dropping, table, new PartitionSelection.Latest(3));

        assertEquals(List.of("dt=2", "dt=3", "dt=5"), names(plan));
        assertEquals(List.of("dt=4"), plan.droppedPartitions().names());
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: dt=4; "
                + "planned dt=2 instead: the latest 3 partitions the table has now", plan.droppedPartitions().warning());
        assertEquals(3, plan.stats().files());
    }

    @Test
    void latestPlansInPlaceOfAPartitionDroppedWithItsDataAfterItWasRead() throws IOException {
        TableName table = table("read", 5);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterRead.set(() -> drop(table, "dt=5"));

        LoadPlan plan = plan(dropping, table, new PartitionSelection.Latest(3));

        assertEquals(List.of("dt=2", "dt=3", "dt=4"), names(plan), "not a partition without its data: the metastore no longer has it");
        assertTrue(plan.partitions().stream().noneMatch(PartitionLoad::locationMissing));
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: dt=5; "
                + "planned dt=2 instead: the latest 3 partitions the table has now", plan.droppedPartitions().warning());
    }

    @Test
    void latestSaysSoWhenTheTableHasNoOtherPartitionsLeft() throws IOException {
        TableName table = table("few", 3);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterNames.set(() -> drop(table, "dt=2"));

        LoadPlan plan = plan(dropping, table, new PartitionSelection.Latest(3));

        assertEquals(List.of("dt=1", "dt=3"), names(plan));
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: dt=2; "
                + "the table has no other partitions: 2 of latest 3 planned", plan.droppedPartitions().warning());
    }

    @Test
    void latestOfSpecsOrAFilterPlansInPlaceOfADroppedPartitionOneTheySelect() throws IOException {
        TableName us = regions("specs", 4);
        LoadPlan specs = planDroppingAfterRead(us, "region=us/dt=4",
                new PartitionSelection.Latest(2, new PartitionSelection.Specs(List.of(PartitionSpec.parse("region=us")))));
        assertEquals(List.of("region=us/dt=2", "region=us/dt=3"), names(specs), "not a partition of eu, which sorts after none of us's");
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: region=us/dt=4; "
                + "planned region=us/dt=2 instead: the latest 2 partitions the table has now of region=us", specs.droppedPartitions().warning());

        TableName eu = regions("filter", 3);
        LoadPlan filter = planDroppingAfterRead(eu, "region=eu/dt=3", new PartitionSelection.Latest(2, new PartitionSelection.Filter("region = 'eu'")));
        assertEquals(List.of("region=eu/dt=1", "region=eu/dt=2"), names(filter), "not a partition of us, which sorts after eu's");
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: region=eu/dt=3; "
                + "planned region=eu/dt=1 instead: the latest 2 partitions the table has now where region = 'eu'", filter.droppedPartitions().warning());
    }

    /** Plans {@code selection} of {@code table}, dropping {@code partition} with its data once the selected partitions were first read. */
    private static LoadPlan planDroppingAfterRead(TableName table, String partition, PartitionSelection selection) {
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterRead.set(() -> drop(table, partition));
        return plan(dropping, table, selection);
    }

    @Test
    void latestOfSpecsSaysSoWhenTheSpecsSelectNoOtherPartitionsAndIsNotFoundWhenNoneIsLeft() throws IOException {
        TableName table = regions("fewer", 2);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterNames.set(() -> drop(table, "region=eu/dt=2"));
        PartitionSelection eu = new PartitionSelection.Latest(2, new PartitionSelection.Specs(List.of(PartitionSpec.parse("region=eu"))));

        LoadPlan plan = plan(dropping, table, eu);

        assertEquals(List.of("region=eu/dt=1"), names(plan));
        assertEquals("1 selected partition was dropped from the metastore during planning, not planned: region=eu/dt=2; "
                + "the table has no other partitions of region=eu: 1 of latest 2 of region=eu planned", plan.droppedPartitions().warning());

        dropping.afterNames.set(() -> drop(table, "region=eu/dt=1"));
        assertEquals("No partition of db.fewer matches: latest 2 of region=eu (the metastore dropped it during planning: region=eu/dt=1)",
                assertThrows(NoSuchPartitionException.class, () -> plan(dropping, table, eu)).getMessage(), "not us's, which the table still has");
    }

    @Test
    void everyPartitionLoadsThoseTheMetastoreStillHasAndNamesTheOthers() throws IOException {
        TableName table = table("every", 4);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterNames.set(() -> drop(table, "dt=1"));
        dropping.afterRead.set(() -> drop(table, "dt=3"));

        LoadPlan plan = plan(dropping, table, new PartitionSelection.All());

        assertEquals(List.of("dt=2", "dt=4"), names(plan));
        assertEquals(List.of("dt=1", "dt=3"), plan.droppedPartitions().names());
        assertEquals("2 selected partitions were dropped from the metastore during planning, not planned: dt=1, dt=3",
                plan.droppedPartitions().warning());
    }

    @Test
    void aPartitionWithoutItsDataThatTheMetastoreStillHasIsNotDropped() throws IOException {
        TableName table = table("unlanded", 2);
        deleteData(table, "dt=2");

        LoadPlan plan = plan(METASTORE.catalog(), table, new PartitionSelection.Latest(2));

        assertEquals(List.of("dt=1", "dt=2"), names(plan));
        assertTrue(plan.partitions().get(1).locationMissing());
        assertNull(plan.droppedPartitions());
    }

    @Test
    void aSelectionWhosePartitionsWereAllDroppedIsNotFound() throws IOException {
        TableName table = table("gone", 1);
        DroppingCatalog dropping = new DroppingCatalog();
        dropping.afterNames.set(() -> drop(table, "dt=1"));

        assertEquals("No partition of db.gone matches: all partitions (the metastore dropped it during planning: dt=1)",
                assertThrows(NoSuchPartitionException.class, () -> plan(dropping, table, new PartitionSelection.All())).getMessage());
    }

    /** Creates {@code db.NAME} partitioned by {@code dt}, with {@code dt=1} to {@code dt=PARTITIONS}, each of one 10-byte file. */
    private static TableName table(String name, int partitions) throws IOException {
        return table(name, List.of("dt"), IntStream.rangeClosed(1, partitions).mapToObj(dt -> "dt=" + dt).toList());
    }

    /**
     * Creates {@code db.NAME} partitioned by {@code region, dt}, with {@code dt=1} to
     * {@code dt=DAYS} of the regions {@code eu} and {@code us}, each of one 10-byte file.
     */
    private static TableName regions(String name, int days) throws IOException {
        return table(name, List.of("region", "dt"), Stream.of("eu", "us")
                .flatMap(region -> IntStream.rangeClosed(1, days).mapToObj(dt -> "region=" + region + "/dt=" + dt)).toList());
    }

    /** Creates {@code db.NAME} partitioned by the {@code string} keys {@code keys}, with {@code partitions}, each of one 10-byte file. */
    private static TableName table(String name, List<String> keys, List<String> partitions) throws IOException {
        TableName table = new TableName("db", name);
        Path root = directory.resolve("data/" + name);
        Map<PartitionSpec, String> locations = new LinkedHashMap<>();
        for (String partition : partitions) {
            Path location = root.resolve(partition);
            Files.createDirectories(location);
            Files.write(location.resolve("part-0"), new byte[10]);
            locations.put(PartitionSpec.parse(partition), PartitionedTables.location(location));
        }
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("data").toUri().toString());
            admin.createParquetTable(table, List.of(new Column("id", "bigint")), keys.stream().map(key -> new Column(key, "string")).toList(),
                    root.toUri().toString());
            admin.addPartitions(table, locations);
        }
        return table;
    }

    /** Drops {@code partition} of {@code table} with its data, as Hive drops a managed table's partition. */
    private static void drop(TableName table, String partition) {
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.dropPartition(table, PartitionSpec.parse(partition));
        }
        deleteData(table, partition);
    }

    private static void deleteData(TableName table, String partition) {
        Path location = directory.resolve("data/" + table.table() + "/" + partition);
        try (Stream<Path> files = Files.walk(location)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LoadPlan plan(HiveCatalog hive, TableName table, PartitionSelection selection) {
        LoadPlanner planner = new LoadPlanner(Optional.of(hive), new Configuration(), CacheState.EMPTY, new PlannerConfig(100, 10, 1000, 4));
        return planner.plan(new LoadRequest(new LoadTarget.Table(table, selection), 1));
    }

    private static List<String> names(LoadPlan plan) {
        return plan.partitions().stream().map(PartitionLoad::name).toList();
    }

    /**
     * The real catalog, which runs {@link #afterNames} once after it first lists a table's
     * partition names, and {@link #afterRead} once after it first reads partitions by name.
     */
    private static final class DroppingCatalog extends ForwardingHiveCatalog {
        final AtomicReference<Runnable> afterNames = new AtomicReference<>();
        final AtomicReference<Runnable> afterRead = new AtomicReference<>();

        @Override
        protected HiveCatalog delegate() {
            return METASTORE.catalog();
        }

        @Override
        public List<PartitionSpec> listPartitionSpecs(TableInfo table) {
            return then(super.listPartitionSpecs(table), afterNames);
        }

        @Override
        public List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs) {
            return then(super.getPartitions(table, specs), afterRead);
        }

        private static <T> T then(T result, AtomicReference<Runnable> hook) {
            Runnable once = hook.getAndSet(null);
            if (once != null) {
                once.run();
            }
            return result;
        }
    }
}
