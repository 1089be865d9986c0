package io.gfsload.cache.api;

/** A failure of a cache-cluster operation. Unchecked; subclasses say what kind. */
public class CacheException extends RuntimeException {
    public CacheException(String message) {
        super(message);
    }

    public CacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
