package io.gfsload.cache.fs;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where the bytes read through one {@link GfsFileSystem} came from. Thread-safe; the counters only
 * grow until {@link #reset()}.
 */
public final class GfsReadStatistics {
    private final LongAdder bytesFromCache = new LongAdder();
    private final LongAdder bytesFromUfs = new LongAdder();
    private final LongAdder cacheBlockReads = new LongAdder();
    private final LongAdder ufsFallbacks = new LongAdder();
    private final LongAdder cacheFailures = new LongAdder();
    private final LongAdder masterCallsUnanswered = new LongAdder();
    private final LongAdder masterCallsSkipped = new LongAdder();

    /**
     * A snapshot.
     *
     * @param bytesFromCache bytes returned to callers that came from cache workers
     * @param bytesFromUfs bytes returned to callers that came from the UFS
     * @param cacheBlockReads block readers opened on cache workers; a block counts again when a
     *     seek leaves it and comes back
     * @param ufsFallbacks block reads served by the UFS, because the block was not cached or its
     *     replicas failed; a block counts again when a seek leaves it and comes back
     * @param cacheFailures cached blocks that could not be read (no live replica left, checksum
     *     mismatch), then read from the UFS
     * @param masterCallsUnanswered calls to the cache master that got no answer (their deadline
     *     passed, or the master could not be reached)
     * @param masterCallsSkipped calls to the cache master not made because it had not answered
     *     (the file, or the block, was read from the UFS instead)
     */
    public record Snapshot(long bytesFromCache, long bytesFromUfs, long cacheBlockReads, long ufsFallbacks, long cacheFailures,
            long masterCallsUnanswered, long masterCallsSkipped) {
        /** A snapshot of a file system whose master answered every call it was asked. */
        public Snapshot(long bytesFromCache, long bytesFromUfs, long cacheBlockReads, long ufsFallbacks, long cacheFailures) {
            this(bytesFromCache, bytesFromUfs, cacheBlockReads, ufsFallbacks, cacheFailures, 0, 0);
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(bytesFromCache.sum(), bytesFromUfs.sum(), cacheBlockReads.sum(), ufsFallbacks.sum(), cacheFailures.sum(),
                masterCallsUnanswered.sum(), masterCallsSkipped.sum());
    }

    /** Sets every counter to zero, e.g. between benchmark runs. */
    public void reset() {
        bytesFromCache.reset();
        bytesFromUfs.reset();
        cacheBlockReads.reset();
        ufsFallbacks.reset();
        cacheFailures.reset();
        masterCallsUnanswered.reset();
        masterCallsSkipped.reset();
    }

    void readFromCache(long bytes) {
        bytesFromCache.add(bytes);
    }

    void readFromUfs(long bytes) {
        bytesFromUfs.add(bytes);
    }

    void cacheBlockOpened() {
        cacheBlockReads.increment();
    }

    void ufsFallback() {
        ufsFallbacks.increment();
    }

    void cacheFailure() {
        cacheFailures.increment();
    }

    void masterCallUnanswered() {
        masterCallsUnanswered.increment();
    }

    void masterCallSkipped() {
        masterCallsSkipped.increment();
    }
}
