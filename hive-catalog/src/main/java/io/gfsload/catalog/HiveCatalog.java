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
    /**
     * The table, or empty when its database has no such table.
     *
     * @throws NoSuchTableException when its database does not exist (the message says so)
     */
    Optional<TableInfo> getTable(TableName name);

    /**
     * The partition of {@code table} with exactly {@code spec}, whose keys must be the table's
     * partition keys in order.
     */
    Optional<PartitionInfo> getPartition(TableInfo table, PartitionSpec spec);

    /** All partitions of {@code table}, sorted by their values. */
    List<PartitionInfo> listPartitions(TableInfo table);

    /**
     * The partitions whose leading key values equal {@code prefix} (for example {@code dt=2026-11-20}
     * of a table partitioned by {@code dt, hr}), sorted by their values.
     */
    List<PartitionInfo> listPartitions(TableInfo table, PartitionSpec prefix);

    /**
     * The partitions matching a metastore filter expression such as
     * {@code dt >= '2026-11-01' and dt < '2026-11-08'}, evaluated by the metastore, sorted by
     * their values. A valid filter on integer or {@code date} keys that the metastore refuses
     * because it cannot evaluate such keys (its direct SQL off or failing) may be evaluated on the
     * partition names instead, with the same semantics, and so may a filter matching more
     * partitions than the metastore returns in one answer ({@code hive.metastore.limit.partition.request}),
     * those partitions then read by name in batches. Hive's default partition
     * ({@link #defaultPartitionName()}) matches no condition on its key, as in Hive's partition
     * pruning, though the metastore compares a {@code string} key's values as text; compared with
     * its own name ({@code dt = '__HIVE_DEFAULT_PARTITION__'}), it matches.
     *
     * @throws InvalidInputException when the metastore rejects the filter (syntax, unknown key)
     */
    List<PartitionInfo> listPartitionsByFilter(TableInfo table, String filter);

    /** The specs of all partitions of {@code table}, without fetching their storage descriptors, in {@link TableInfo#partitionOrder()}. */
    List<PartitionSpec> listPartitionSpecs(TableInfo table);

    /** The partitions with exactly these specs (missing ones are left out), sorted by their values. */
    List<PartitionInfo> getPartitions(TableInfo table, List<PartitionSpec> specs);

    /**
     * The name of Hive's default partition, the value of a partition key whose rows have none
     * (null): the metastore's {@code hive.exec.default.partition.name},
     * {@link PartitionSpec#DEFAULT_PARTITION_VALUE} unless it is set otherwise. The same for the
     * catalog's life; the planner never takes a partition so named for the latest.
     */
    String defaultPartitionName();

    /**
     * Forgets what this catalog keeps of the tables it read, so that the next lookups read the
     * metastore again: for a plan made again later (a load that waited for its window), whose
     * table may have been altered, dropped or created anew meanwhile. Nothing for a catalog that
     * keeps nothing.
     */
    default void forgetTables() {}

    @Override
    void close();
}
