package io.gfsload.cache.master;

import io.gfsload.cache.api.CacheException;

/** The master's block metadata store failed to read or write. */
public class MetadataStoreException extends CacheException {
    public MetadataStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
