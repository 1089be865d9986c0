package io.gfsload.cache.worker;

import io.gfsload.cache.api.CacheException;

/**
 * A worker cannot start because another worker (of this cluster or another one, in this process
 * or another) holds one of its tier directories. Nothing in the directory was touched.
 */
public final class TierDirectoryInUseException extends CacheException {
    public TierDirectoryInUseException(String message) {
        super(message);
    }
}
