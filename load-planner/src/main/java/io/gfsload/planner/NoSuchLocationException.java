package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.TableName;
import java.util.List;

/**
 * The location of every selected partition of a table does not exist in the UFS: the metastore
 * has the partitions, the UFS has no data for them (not landed yet, or moved away).
 */
public class NoSuchLocationException extends RuntimeException {
    /** Partitions named in the message; the others are counted. */
    static final int PARTITIONS_NAMED = 5;

    public NoSuchLocationException(TableName table, List<PartitionLoad> partitions) {
        super(message(requireNonNull(table, "table is null"), requireNonNull(partitions, "partitions is null")));
    }

    private static String message(TableName table, List<PartitionLoad> partitions) {
        List<String> named = partitions.stream().limit(PARTITIONS_NAMED)
                .map(partition -> (partition.name().equals(table.toString()) ? partition.name() : table + " " + partition.name()) + " at " + partition.location())
                .toList();
        return "%s not found: %s%s (the metastore has %s, the UFS no data: not landed yet, or moved away)".formatted(
                partitions.size() == 1 ? "Location" : "Locations of " + partitions.size() + " partitions",
                String.join(", ", named),
                partitions.size() > PARTITIONS_NAMED ? " and %d more".formatted(partitions.size() - PARTITIONS_NAMED) : "",
                partitions.size() == 1 ? "it" : "them");
    }
}
