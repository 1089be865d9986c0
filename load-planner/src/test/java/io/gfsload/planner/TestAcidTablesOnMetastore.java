package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gfsload.catalog.HiveCatalog;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import io.gfsload.catalog.TableName;
import io.gfsload.catalog.testing.EmbeddedMetastoreExtension;
import io.gfsload.catalog.testing.ForwardingHiveCatalog;
import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hive ACID tables planned from a real Thrift metastore: of each partition (and of an
 * unpartitioned table), the files a reader of the newest snapshot reads, not those a compaction or
 * an insert overwrite left obsolete; a table that is not transactional, at the same locations, is
 * planned whole. The embedded metastore (Hive 2.3 without Hive's ORC classes) refuses to create a
 * table with {@code transactional=true}, as it cannot check that its formats are ACID ones: the
 * tables are Parquet tables, and a catalog that forwards every call to the real one reads those of
 * {@link #ACID} as transactional, as the Thrift catalog reads the parameter of a metastore that has
 * it.
 */
class TestAcidTablesOnMetastore {
    private static final TableName ORDERS = new TableName("db", "orders");
    private static final TableName ORDERS_EXTERNAL = new TableName("db", "orders_external");
    private static final TableName SNAPSHOT = new TableName("db", "snapshot");
    private static final Set<TableName> ACID = Set.of(ORDERS, SNAPSHOT);

    @TempDir
    static Path directory;

    @RegisterExtension
    static final EmbeddedMetastoreExtension METASTORE = new EmbeddedMetastoreExtension();

    @BeforeAll
    static void createTables() throws IOException {
        Path orders = directory.resolve("warehouse/orders");
        // bases: an older one, one the compactor wrote, deltas below the newest and above it, and a converted table's original file
        write(orders.resolve("dt=1"), 10, "000000_0", "base_0000005/bucket_00000", "base_0000010_v0000042/bucket_00000",
                "base_0000010_v0000042/_metadata_acid", "delta_0000004_0000004_0000/bucket_00000", "delta_0000010_0000010_0000/bucket_00000",
                "delete_delta_0000008_0000008_0000/bucket_00000", "delta_0000011_0000011_0000/bucket_00000",
                "delta_0000011_0000011_0000/_orc_acid_version", "delete_delta_0000012_0000012_0000/bucket_00000");
        // a minor compaction of the deltas and delete deltas 1 to 3, deltas after it, and an original file without a base
        write(orders.resolve("dt=2"), 20, "000000_0", "delta_0000001_0000001_0000/bucket_00000", "delta_0000002_0000002_0000/bucket_00000",
                "delta_0000003_0000003_0000/bucket_00000", "delete_delta_0000002_0000002_0000/bucket_00000",
                "delta_0000001_0000003_v0000050/bucket_00000", "delete_delta_0000001_0000003_v0000050/bucket_00000",
                "delta_0000004_0000004_0000/bucket_00000", "delta_0000004_0000004_0001/bucket_00000");
        // names that do not parse, kept, beside a base
        write(orders.resolve("dt=3"), 30, "base_0000010/bucket_00000", "base_x/bucket_00000", "delta_0000005/bucket_00000",
                "HIVE_UNION_SUBDIR_1/000000_0", "delta_0000009_0000009_0000/bucket_00000");
        Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
        for (String dt : List.of("1", "2", "3")) {
            partitions.put(PartitionSpec.parse("dt=" + dt), PartitionedTables.location(orders.resolve("dt=" + dt)));
        }
        Path snapshot = directory.resolve("warehouse/snapshot");
        write(snapshot, 40, "base_0000001/bucket_00000", "base_0000002/bucket_00000", "base_0000002/bucket_00001");
        try (MetastoreAdmin admin = MetastoreAdmin.connect(METASTORE.uri())) {
            admin.ensureDatabase("db", directory.resolve("warehouse").toUri().toString());
            List<Column> columns = List.of(new Column("id", "bigint"));
            admin.createParquetTable(ORDERS, columns, List.of(new Column("dt", "string")), orders.toUri().toString());
            admin.addPartitions(ORDERS, partitions);
            // the same partitions in a table that is not transactional
            admin.createParquetTable(ORDERS_EXTERNAL, columns, List.of(new Column("dt", "string")), orders.toUri().toString());
            admin.addPartitions(ORDERS_EXTERNAL, partitions);
            admin.createParquetTable(SNAPSHOT, columns, List.of(), snapshot.toUri().toString());
        }
    }

    @Test
    void theNewestBaseMakesOlderBasesTheDeltasItHoldsAndTheOriginalFilesObsolete() {
        Planned planned = plan(ORDERS, "dt=1");

        assertEquals(List.of("base_0000010_v0000042/bucket_00000", "delete_delta_0000012_0000012_0000/bucket_00000",
                "delta_0000011_0000011_0000/bucket_00000"), files(planned.plan(), "dt=1"));
        assertEquals(Map.of(partition(planned.plan(), "dt=1").location(), List.of(5L, 50L)), planned.obsolete());
        assertEquals(3, planned.plan().stats().files());
    }

    @Test
    void aMinorCompactedDeltaMakesTheDeltasItCoversObsoleteAndTheOriginalsStayWithoutABase() {
        Planned planned = plan(ORDERS, "dt=2");

        assertEquals(List.of("000000_0", "delete_delta_0000001_0000003_v0000050/bucket_00000", "delta_0000001_0000003_v0000050/bucket_00000",
                "delta_0000004_0000004_0000/bucket_00000", "delta_0000004_0000004_0001/bucket_00000"), files(planned.plan(), "dt=2"),
                "both statements' deltas of transaction 4");
        assertEquals(Map.of(partition(planned.plan(), "dt=2").location(), List.of(4L, 80L)), planned.obsolete());
    }

    @Test
    void aNameThatDoesNotParseIsPlanned() {
        Planned planned = plan(ORDERS, "dt=3");

        assertEquals(List.of("HIVE_UNION_SUBDIR_1/000000_0", "base_0000010/bucket_00000", "base_x/bucket_00000", "delta_0000005/bucket_00000"),
                files(planned.plan(), "dt=3"));
        assertEquals(Map.of(partition(planned.plan(), "dt=3").location(), List.of(1L, 30L)), planned.obsolete());
    }

    @Test
    void anUnpartitionedTableIsPlannedAsAPartitionIs() {
        Planned planned = plan(SNAPSHOT);

        assertEquals(List.of("base_0000002/bucket_00000", "base_0000002/bucket_00001"), files(planned.plan(), SNAPSHOT.toString()));
        assertEquals(1, planned.obsolete().size());
    }

    @Test
    void aTableThatIsNotTransactionalIsPlannedWhole() {
        Planned planned = plan(ORDERS_EXTERNAL);

        assertEquals(8, files(planned.plan(), "dt=1").size(), "all but the hidden files");
        assertEquals(9, files(planned.plan(), "dt=2").size());
        assertEquals(5, files(planned.plan(), "dt=3").size());
        assertEquals(Map.of(), planned.obsolete());
    }

    @Test
    void theSamePartitionsGiveTheSamePlan() {
        Planned first = plan(ORDERS);
        Planned second = plan(ORDERS);

        assertEquals(first.plan(), second.plan());
        assertEquals(List.of("dt=1", "dt=2", "dt=3"), first.plan().partitions().stream().map(PartitionLoad::name).toList());
        assertEquals(3 + 5 + 4, first.plan().stats().files());
        assertEquals(first.obsolete(), second.obsolete());
    }

    @Test
    void hadoopsListingGivesTheSamePlan() {
        Configuration hadoopListed = new Configuration();
        hadoopListed.set("fs.file.impl", HadoopListed.class.getName());
        hadoopListed.setBoolean("fs.file.impl.disable.cache", true);

        Planned local = plan(ORDERS);
        Planned hadoop = plan(hadoopListed, ORDERS);

        assertEquals(local.plan().partitions(), hadoop.plan().partitions());
        assertEquals(local.obsolete(), hadoop.obsolete());
    }

    /** A plan, and what its listener heard was obsolete: per location, the files and their bytes. */
    private record Planned(LoadPlan plan, Map<String, List<Long>> obsolete) {}

    private static Planned plan(TableName table, String... specs) {
        return plan(new Configuration(), table, specs);
    }

    private static Planned plan(Configuration hadoopConf, TableName table, String... specs) {
        LoadPlanner planner = new LoadPlanner(Optional.of(new AcidCatalog()), hadoopConf, CacheState.EMPTY, new PlannerConfig(100, 10, 1000, 4));
        Map<String, List<Long>> obsolete = new TreeMap<>();
        LoadPlan plan = planner.plan(new LoadRequest(new LoadTarget.Table(table, List.of(specs).stream().map(PartitionSpec::parse).toList()), 1),
                new PlanningListener() {
                    @Override
                    public void obsolete(String location, int files, long bytes) {
                        synchronized (obsolete) {
                            obsolete.put(location, List.of((long) files, bytes));
                        }
                    }
                });
        return new Planned(plan, obsolete);
    }

    /** The paths of the files planned of {@code partition}, below its location. */
    private static List<String> files(LoadPlan plan, String partition) {
        PartitionLoad load = partition(plan, partition);
        String prefix = load.location() + "/";
        return load.files().stream().map(file -> file.file().path().substring(prefix.length())).toList();
    }

    private static PartitionLoad partition(LoadPlan plan, String name) {
        return plan.partitions().stream().filter(partition -> partition.name().equals(name)).findFirst().orElseThrow();
    }

    /** Writes each of {@code files} below {@code location}, {@code length} bytes long. */
    private static void write(Path location, int length, String... files) throws IOException {
        for (String file : files) {
            Path path = location.resolve(file);
            Files.createDirectories(path.getParent());
            Files.write(path, new byte[length]);
        }
    }

    /**
     * Hadoop's local file system behind a class of its own, so that the planner lists it as it
     * lists HDFS or an object store, through Hadoop's listing rather than its local one.
     */
    public static final class HadoopListed extends FilterFileSystem {
        public HadoopListed() {
            super(new LocalFileSystem());
        }
    }

    /** The embedded metastore's catalog, which reads the tables of {@link #ACID} as transactional. */
    private static final class AcidCatalog extends ForwardingHiveCatalog {
        @Override
        protected HiveCatalog delegate() {
            return METASTORE.catalog();
        }

        @Override
        public Optional<TableInfo> getTable(TableName name) {
            return super.getTable(name).map(table -> ACID.contains(name) ? new TableInfo(table.name(), table.tableType(), table.location(), table.inputFormat(),
                    table.partitionKeys(), table.partitionKeyTypes(), true) : table);
        }
    }
}
