package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * How many block replicas the master and each live worker have removed so far, each counted from
 * its own start ({@link CacheClient#removalMarks}). Equal marks taken before and after a load mean
 * that nothing removed a block between them (no eviction, free, corrupt or missing block, no
 * restart), on the same live workers: the load need not ask the workers which of its blocks they
 * hold.
 *
 * @param master the master's count
 * @param workers each live worker's count, by worker id
 */
public record RemovalMarks(Mark master, Map<String, Mark> workers) {
    public RemovalMarks {
        requireNonNull(master, "master is null");
        workers = Map.copyOf(requireNonNull(workers, "workers is null"));
    }

    /**
     * One process's count.
     *
     * @param incarnation another for each start of the process
     * @param removed replicas removed since that start
     */
    public record Mark(long incarnation, long removed) {}
}
