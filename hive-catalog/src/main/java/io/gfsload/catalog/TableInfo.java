package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the planner needs to know about a table.
 *
 * @param name the table's name
 * @param tableType the metastore's table type, e.g. {@code MANAGED_TABLE}, {@code EXTERNAL_TABLE},
 *     {@code VIRTUAL_VIEW}, {@code MATERIALIZED_VIEW}
 * @param location the storage location, empty for views and tables without one
 * @param inputFormat the input format class name, empty when the metastore has none
 * @param partitionKeys the partition key names in order; empty for an unpartitioned table
 * @param partitionKeyTypes the partition keys' Hive types ({@code string}, {@code int}, ...), one
 *     per key
 * @param transactional whether the table is a Hive ACID (transactional) table, its parameter
 *     {@code transactional} {@code true} (as Hive 3 makes its managed tables): its data is in
 *     {@code base_N}, {@code delta_M_N} and {@code delete_delta_M_N} directories, some of which
 *     compactions leave obsolete until Hive's cleaner removes them
 */
public record TableInfo(TableName name, String tableType, Optional<String> location, Optional<String> inputFormat, List<String> partitionKeys,
        List<String> partitionKeyTypes, boolean transactional) {
    public TableInfo {
        requireNonNull(name, "name is null");
        requireNonNull(tableType, "tableType is null");
        requireNonNull(location, "location is null");
        requireNonNull(inputFormat, "inputFormat is null");
        partitionKeys = List.copyOf(requireNonNull(partitionKeys, "partitionKeys is null"));
        partitionKeyTypes = List.copyOf(requireNonNull(partitionKeyTypes, "partitionKeyTypes is null"));
        if (partitionKeyTypes.size() != partitionKeys.size()) {
            throw new IllegalArgumentException("a type for each partition key: %s, %s".formatted(partitionKeys, partitionKeyTypes));
        }
    }

    /** A table that is not transactional. */
    public TableInfo(TableName name, String tableType, Optional<String> location, Optional<String> inputFormat, List<String> partitionKeys,
            List<String> partitionKeyTypes) {
        this(name, tableType, location, inputFormat, partitionKeys, partitionKeyTypes, false);
    }

    /** A table that is not transactional, whose partition keys are all strings. */
    public TableInfo(TableName name, String tableType, Optional<String> location, Optional<String> inputFormat, List<String> partitionKeys) {
        this(name, tableType, location, inputFormat, partitionKeys, partitionKeys.stream().map(key -> "string").toList());
    }

    /**
     * The order of the table's partitions: by the values of their keys, each compared as its type
     * says (numbers as numbers: {@code hr=2} before {@code hr=10}), then fewer keys first.
     */
    public Comparator<PartitionSpec> partitionOrder() {
        return PartitionSpec.byValues(partitionKeyTypes);
    }

    public boolean isPartitioned() {
        return !partitionKeys.isEmpty();
    }

    /**
     * Whether the table is a view, which has no data files of its own. A materialized view
     * ({@code MATERIALIZED_VIEW}) is none: it stores its rows at its location as a table does, and
     * the queries Hive rewrites to it read them there.
     */
    public boolean isView() {
        return tableType.equalsIgnoreCase("VIRTUAL_VIEW");
    }
}
