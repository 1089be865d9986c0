package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a block is written: its replication, the temp area of a job it goes into, the tier the
 * workers store it on, and the workers it must not go to.
 *
 * @param replication replicas on distinct live workers, at least 1
 * @param tempArea the job id of an open temp area ({@link TempAreas#openTempArea}); the block is
 *     then invisible to readers until the job commits a scope holding it. Empty: the block is
 *     visible as soon as the writer commits
 * @param tier the tier to store the block on; empty lets each worker choose its fastest tier
 *     with room
 * @param excludedWorkers ids of workers the master must not place replicas on, such as workers the
 *     writer has just failed to reach and the master may still count as live
 */
public record WriteOptions(int replication, Optional<String> tempArea, Optional<StorageTier> tier, Set<String> excludedWorkers) {
    public WriteOptions {
        requireNonNull(tempArea, "tempArea is null");
        requireNonNull(tier, "tier is null");
        excludedWorkers = Set.copyOf(requireNonNull(excludedWorkers, "excludedWorkers is null"));
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be >= 1: " + replication);
        }
        tempArea.ifPresent(TempAreas::checkJobId);
    }

    /** Visible on commit, on the workers' fastest tier with room. */
    public static WriteOptions replication(int replication) {
        return new WriteOptions(replication, Optional.empty(), Optional.empty(), Set.of());
    }

    /** These options with the block going into the temp area of {@code jobId}. */
    public WriteOptions inTempArea(String jobId) {
        return new WriteOptions(replication, Optional.of(jobId), tier, excludedWorkers);
    }

    /** These options with the block stored on {@code tier}. */
    public WriteOptions onTier(StorageTier tier) {
        return new WriteOptions(replication, tempArea, Optional.of(tier), excludedWorkers);
    }

    /** These options with the replicas placed on none of {@code workerIds}. */
    public WriteOptions excluding(Collection<String> workerIds) {
        return new WriteOptions(replication, tempArea, tier, new TreeSet<>(requireNonNull(workerIds, "workerIds is null")));
    }
}
