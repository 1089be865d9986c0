package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.CachedBlock;
import io.gfsload.cache.api.FileIdentity;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The read-only view of the cache the planner needs: which blocks of which files are cached. The
 * planner never writes to the cache. A cache client is one ({@code client::cachedBlocks}).
 *
 * <p>The planner asks about the files of many partitions at once (hundreds to thousands of files
 * per call), from several listing threads: implementations are thread-safe.
 */
@FunctionalInterface
public interface CacheState {
    /**
     * The committed blocks of each of {@code files} with their live replicas, keyed by file; a
     * file without an entry has nothing cached. See {@code CacheClient#cachedBlocks(Collection)}.
     */
    Map<FileIdentity, List<CachedBlock>> cachedBlocks(Collection<FileIdentity> files);

    /** A cache with nothing in it, for dry runs without a cluster. */
    CacheState EMPTY = files -> Map.of();

    /** A cache state that answers file by file, for tests and hand-written fakes. */
    static CacheState perFile(Function<FileIdentity, List<CachedBlock>> lookup) {
        requireNonNull(lookup, "lookup is null");
        return files -> {
            Map<FileIdentity, List<CachedBlock>> result = new LinkedHashMap<>();
            for (FileIdentity file : files) {
                result.put(file, lookup.apply(file));
            }
            return result;
        };
    }
}
