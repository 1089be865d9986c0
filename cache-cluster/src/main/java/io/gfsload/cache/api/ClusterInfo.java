package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The cluster's workers, sorted by id, and totals over the live ones. */
public record ClusterInfo(List<WorkerInfo> workers) {
    public ClusterInfo {
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
}
