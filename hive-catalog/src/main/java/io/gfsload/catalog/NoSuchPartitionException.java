package io.gfsload.catalog;

/** The partition does not exist in the metastore. */
public class NoSuchPartitionException extends CatalogException {
    public NoSuchPartitionException(TableName table, PartitionSpec spec) {
        super("Partition not found: %s %s".formatted(table, spec));
    }
}
