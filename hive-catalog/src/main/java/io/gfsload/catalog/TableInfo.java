package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * What the planner needs to know about a table.
 *
 * @param name the table's name
 * @param tableType the metastore's table type, e.g. {@code MANAGED_TABLE}, {@code EXTERNAL_TABLE},
 *     {@code VIRTUAL_VIEW}
 * @param location the storage location, empty for views and tables without one
 * @param inputFormat the input format class name, empty when the metastore has none
 * @param partitionKeys the partition key names in order; empty for an unpartitioned table
 */
public record TableInfo(TableName name, String tableType, Optional<String> location, Optional<String> inputFormat, List<String> partitionKeys) {
    public TableInfo {
        requireNonNull(name, "name is null");
        requireNonNull(tableType, "tableType is null");
        requireNonNull(location, "location is null");
        requireNonNull(inputFormat, "inputFormat is null");
        partitionKeys = List.copyOf(requireNonNull(partitionKeys, "partitionKeys is null"));
    }

    public boolean isPartitioned() {
        return !partitionKeys.isEmpty();
    }

    public boolean isView() {
        return tableType.equalsIgnoreCase("VIRTUAL_VIEW") || tableType.equalsIgnoreCase("MATERIALIZED_VIEW");
    }
}
