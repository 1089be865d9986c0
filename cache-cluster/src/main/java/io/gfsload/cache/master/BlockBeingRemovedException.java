package io.gfsload.cache.master;

import io.gfsload.cache.api.CacheException;

/**
 * A block cannot be recorded on a worker yet: the worker was told to delete its copy (by a free
 * or a temp-area deletion before the write) and may still do so. Written again once the worker
 * sent its next heartbeat, the block commits.
 */
final class BlockBeingRemovedException extends CacheException {
    BlockBeingRemovedException(String message) {
        super(message);
    }
}
