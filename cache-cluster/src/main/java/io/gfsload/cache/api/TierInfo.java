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
 * @param diskFreeBytes when the directories' file systems leave less room than the quota (other
 *     files fill them, or the quota is larger than the disk), the free room with them counted: for
 *     each directory the smaller of what its quota leaves and what its file system has left for
 *     new blocks, summed, the room of a file system that several directories of the worker share
 *     counted once; {@link #NO_DISK_LIMIT} when they leave the quota's room (or the worker does
 *     not say)
 */
public record TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks, long writingBytes,
        long diskFreeBytes) {
    /** {@link #diskFreeBytes} of a tier whose file systems leave it its quota's room, or do not say: only its quota counts. */
    public static final long NO_DISK_LIMIT = -1;

    public TierInfo {
        requireNonNull(tier, "tier is null");
    }

    /** A tier whose file systems do not limit it. */
    public TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks, long writingBytes) {
        this(tier, capacityBytes, usedBytes, evictableBytes, blocks, writingBytes, NO_DISK_LIMIT);
    }

    /** A tier whose writes in progress are not known and whose file systems do not limit it. */
    public TierInfo(StorageTier tier, long capacityBytes, long usedBytes, long evictableBytes, long blocks) {
        this(tier, capacityBytes, usedBytes, evictableBytes, blocks, 0);
    }

    /** Bytes not used at all: what the quota leaves, or less when the file systems have less room left. */
    public long freeBytes() {
        long quotaFree = quotaFreeBytes();
        return diskFreeBytes < 0 ? quotaFree : Math.min(quotaFree, diskFreeBytes);
    }

    /** Bytes the quota leaves, whatever room the file systems have. */
    public long quotaFreeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }

    /** Whether the directories' file systems leave less room than the quota: other files fill them, or the quota is larger than the disk. */
    public boolean diskLimited() {
        return diskFreeBytes >= 0 && diskFreeBytes < quotaFreeBytes();
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
