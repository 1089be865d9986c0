package io.gfsload.catalog;

/** The metastore could not be reached or failed to answer. */
public class MetastoreUnavailableException extends CatalogException {
    public MetastoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
