package io.gfsload.catalog;

/** The table does not exist in the metastore. */
public class NoSuchTableException extends CatalogException {
    public NoSuchTableException(TableName name) {
        super("Table not found: " + name);
    }
}
