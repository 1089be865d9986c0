package io.gfsload.catalog;

import java.util.List;
import java.util.Optional;

/**
 * The metastore as the planner sees it: tables and their partitions, read-only.
 *
 * <p>Implementations are thread-safe. Lookups that may miss return {@link Optional}; a metastore
 * that cannot be reached raises {@link MetastoreUnavailableException}.
 */
public interface HiveCatalog extends AutoCloseable {
    Optional<TableInfo> getTable(TableName name);

    /**
     * The partition of {@code table} with exactly {@code spec}, whose keys must be the table's
     * partition keys in order.
     */
    Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec);

    /** All partitions of {@code table}, sorted by their values. */
    List<PartitionInfo> listPartitions(TableInfo table);

    @Override
    void close();
}
