package io.gfsload.catalog.embedded;

import io.gfsload.catalog.CatalogException;

/** The embedded metastore's database is open in another process: Derby lets one process boot it. */
public class MetastoreInUseException extends CatalogException {
    public MetastoreInUseException(String message, Throwable cause) {
        super(message, cause);
    }
}
