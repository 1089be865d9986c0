package io.gfsload.cache.local;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Settings of a {@link LocalCluster}.
 *
 * @param directory holds the cluster's state: {@code master/} (block metadata),
 *     {@code worker-<i>/} (blocks) and {@code cluster.lock}
 * @param workers number of workers, at least 1
 * @param workerCapacityBytes block quota of each worker in bytes, at least 1
 */
public record LocalClusterConfig(Path directory, int workers, long workerCapacityBytes) {
    public LocalClusterConfig {
        requireNonNull(directory, "directory is null");
        checkArgument(workers >= 1, "workers must be >= 1: %s", workers);
        checkArgument(workerCapacityBytes > 0, "workerCapacityBytes must be > 0: %s", workerCapacityBytes);
    }
}
