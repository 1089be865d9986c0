package io.gfsload.cache.api;

/** Fewer live workers with room than the requested replication. */
public class NotEnoughWorkersException extends CacheException {
    public NotEnoughWorkersException(String message) {
        super(message);
    }
}
