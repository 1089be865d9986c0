package io.gfsload.cache.local;

import io.gfsload.cache.api.CacheException;

/** The directory of a {@link LocalCluster} is in use by another one, in this process or another. */
public class ClusterInUseException extends CacheException {
    public ClusterInUseException(String message) {
        super(message);
    }
}
