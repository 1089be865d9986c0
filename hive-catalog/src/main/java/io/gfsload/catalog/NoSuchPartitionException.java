package io.gfsload.catalog;

/** The partition does not exist in the metastore, or no partition matches a selection. */
public class NoSuchPartitionException extends CatalogException {
    public NoSuchPartitionException(TableName table, PartitionSpec spec) {
        super("Partition not found: %s %s".formatted(table, spec));
    }

    /** No partition of {@code table} matches {@code selection}, e.g. {@code where dt > '2030-01-01'}. */
    public NoSuchPartitionException(TableName table, String selection) {
        super("No partition of %s matches: %s".formatted(table, selection));
    }
}
