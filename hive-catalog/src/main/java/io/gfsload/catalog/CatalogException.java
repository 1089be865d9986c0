package io.gfsload.catalog;

/** A failure of a catalog operation. Unchecked; subclasses say what kind. */
public class CatalogException extends RuntimeException {
    public CatalogException(String message) {
        super(message);
    }

    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
