package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One partition of a table.
 *
 * @param spec the partition's key values, in the table's key order
 * @param location the partition's storage location
 */
public record PartitionInfo(PartitionSpec spec, String location) {
    public PartitionInfo {
        requireNonNull(spec, "spec is null");
        requireNonNull(location, "location is null");
    }

    public List<String> values() {
        return spec.values();
    }
}
