package io.gfsload.cache.api;

/** The job has no open temp area: it was never opened, or was committed away, aborted or expired. */
public class TempAreaNotFoundException extends CacheException {
    public TempAreaNotFoundException(String message) {
        super(message);
    }
}
