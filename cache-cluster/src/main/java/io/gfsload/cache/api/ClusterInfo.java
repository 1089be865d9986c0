package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The cluster's identity, its workers, sorted by id, and totals over the live ones.
 *
 * @param clusterId the id the master gave the cluster when it created its metadata store (a UUID):
 *     the same across master restarts on that store, another for a cluster with another (or a
 *     wiped) metadata directory; empty from a master older than cluster ids
 * @param workers the registered workers, live or not, sorted by id
 */
public record ClusterInfo(String clusterId, List<WorkerInfo> workers) {
    public ClusterInfo {
        requireNonNull(clusterId, "clusterId is null");
        requireNonNull(workers, "workers is null");
        workers = List.copyOf(workers);
    }

    public List<WorkerInfo> liveWorkers() {
        return workers.stream().filter(WorkerInfo::live).toList();
    }

    public long liveCapacityBytes() {
        return liveWorkers().stream().mapToLong(WorkerInfo::capacityBytes).sum();
    }

    public long liveFreeBytes() {
        return liveWorkers().stream().mapToLong(WorkerInfo::freeBytes).sum();
    }

    /** Free bytes plus bytes eviction may reclaim, over the live workers. */
    public long liveAvailableBytes() {
        return liveWorkers().stream().mapToLong(WorkerInfo::availableBytes).sum();
    }

    /**
     * Bytes that writes in progress hold on the live workers and that new blocks may take once
     * those writes end ({@link WorkerInfo#writingBytes}); 0 when the workers do not report them.
     */
    public long liveWritingBytes() {
        return liveWorkers().stream().mapToLong(WorkerInfo::writingBytes).sum();
    }

    /** The space of {@code tier} summed over the live workers that have it. */
    public TierInfo liveTier(StorageTier tier) {
        requireNonNull(tier, "tier is null");
        long capacity = 0;
        long used = 0;
        long evictable = 0;
        long blocks = 0;
        long writing = 0;
        long free = 0;
        boolean diskLimited = false;
        for (WorkerInfo worker : liveWorkers()) {
            for (TierInfo info : worker.tiers()) {
                if (info.tier() == tier) {
                    capacity += info.capacityBytes();
                    used += info.usedBytes();
                    evictable += info.evictableBytes();
                    blocks += info.blocks();
                    writing += info.writingBytes();
                    free += info.freeBytes();
                    diskLimited |= info.diskLimited();
                }
            }
        }
        // the sum of each worker's free room, so that a worker whose disk limits it counts for what it has
        return new TierInfo(tier, capacity, used, evictable, blocks, writing, diskLimited ? free : TierInfo.NO_DISK_LIMIT);
    }
}
