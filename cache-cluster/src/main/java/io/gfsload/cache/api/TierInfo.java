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
 */
public record TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks) {
    public TierInfo {
        requireNonNull(tier, "tier is null");
    }

    /** Bytes not used at all. */
    public long freeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }

    /** Bytes a new block may take: the free ones plus those eviction may reclaim. */
    public long availableBytes() {
        return Math.min(capacityBytes, freeBytes() + evictableBytes);
    }
}
