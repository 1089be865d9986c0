package io.gfsload.planner;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.util.List;

/**
 * The read-only view of the cache the planner needs: which blocks of a file are cached. The
 * planner never writes to the cache.
 */
@FunctionalInterface
public interface CacheState {
    /** Committed blocks of {@code file} with their live replicas; see {@code CacheClient#cachedBlocks}. */
    List<CachedBlock> cachedBlocks(FileIdentity file);

    /** A cache with nothing in it, for dry runs without a cluster. */
    CacheState EMPTY = file -> List.of();
}
