package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * The space of one tier of a worker, summed over the tier's directories.
 *
 * @param tier the tier
 * @param capacityBytes the quota
 * @param usedBytes bytes of stored blocks and of writes in progress
 * @param evictableBytes bytes of stored blocks that eviction may remove to make room (not in a
 *     temp area, not being written)
 * @param blocks stored blocks
 * @param writingBytes bytes reserved by writes in progress, part of {@code usedBytes}: they come
 *     back when the writes end (freed when a write is aborted, or abandoned by a killed client and
 *     aborted by the worker once idle; evictable when it completes); 0 when not known
 */
public record TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks, long writingBytes) {
    public TierInfo {
        requireNonNull(tier, "tier is null");
    }

    /** A tier whose writes in progress are not known. */
    public TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks) {
        this(tier, capacityBytes, usedBytes, evictableBytes, blocks, 0);
    }

    /** Bytes not used at all. */
    public long freeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }

    /** Bytes a new block may take: the free ones plus those eviction may reclaim. */
    public long availableBytes() {
        return Math.min(capacityBytes, freeBytes() + evictableBytes);
    }

    /** Bytes a new block may take once the writes in progress have ended: {@link #availableBytes} plus what they hold. */
    public long availableOnceWritesEndBytes() {
        return Math.min(capacityBytes, freeBytes() + evictableBytes + writingBytes);
    }
}
