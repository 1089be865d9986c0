package io.gfsload.cache.api;

/** The master or a worker refused a call: the shared-secret token is missing or wrong. */
public class CacheAuthenticationException extends CacheException {
    public CacheAuthenticationException(String message) {
        super(message);
    }
}
