package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

/** The table does not exist in the metastore (nor, when the message says so, its database). */
public class NoSuchTableException extends CatalogException {
    public NoSuchTableException(TableName name) {
        super("Table not found: " + name);
    }

    public NoSuchTableException(TableName name, String message) {
        super(requireNonNull(message, "message is null"));
        requireNonNull(name, "name is null");
    }
}
