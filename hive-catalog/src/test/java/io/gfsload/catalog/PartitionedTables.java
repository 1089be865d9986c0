package io.gfsload.catalog;

import io.gfsload.catalog.thrift.MetastoreAdmin;
import io.gfsload.catalog.thrift.MetastoreAdmin.Column;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Partitioned tables in a test's metastore, and the partitions a filter selects of them. */
final class PartitionedTables {
    private PartitionedTables() {}

    /**
     * Creates the Parquet table {@code name} with partition {@code keys} under {@code warehouse},
     * and its partitions {@code specs} ({@code dt=2026-11-20/hr=3}), each at its spec under the
     * table's location.
     */
    static void create(MetastoreAdmin admin, Path warehouse, TableName name, List<Column> keys, List<String> specs) {
        String location = warehouse.resolve("%s.db/%s".formatted(name.database(), name.table())).toUri().toString();
        admin.createParquetTable(name, List.of(new Column("id", "bigint")), keys, location);
        Map<PartitionSpec, String> partitions = new LinkedHashMap<>();
        for (String spec : specs) {
            partitions.put(PartitionSpec.parse(spec), location + "/" + spec);
        }
        admin.addPartitions(name, partitions);
    }

    /** The specs of the partitions of {@code name} that {@code filter} selects, in the catalog's order. */
    static List<String> matching(HiveCatalog catalog, TableName name, String filter) {
        TableInfo table = catalog.getTable(name).orElseThrow();
        return catalog.listPartitionsByFilter(table, filter).stream().map(partition -> partition.spec().toString()).toList();
    }
}
