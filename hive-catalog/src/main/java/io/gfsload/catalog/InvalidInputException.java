package io.gfsload.catalog;

/** A table name, partition spec or filter given by the user is malformed or does not fit the table. */
public class InvalidInputException extends CatalogException {
    public InvalidInputException(String message) {
        super(message);
    }
}
