package io.gfsload.cache.api;

/** No live worker holds the block. */
public class BlockNotFoundException extends CacheException {
    public BlockNotFoundException(String message) {
        super(message);
    }
}
