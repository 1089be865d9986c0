package io.gfsload.cache.api;

/** The master or a worker could not be reached. */
public class CacheUnavailableException extends CacheException {
    public CacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
