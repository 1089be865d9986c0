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
 * @param holders ids of live workers that already hold a committed replica of the block (the same
 *     bytes): the write places only the replicas missing ({@link #replicasToPlace}), on other
 *     workers, and the master adds them to the block's record, kept with {@code replication};
 *     fewer than {@code replication}
 */
public record WriteOptions(int replication, Optional<String> tempArea, Optional<StorageTier> tier, Set<String> excludedWorkers, Set<String> holders) {
    public WriteOptions {
        requireNonNull(tempArea, "tempArea is null");
        requireNonNull(tier, "tier is null");
        excludedWorkers = Set.copyOf(requireNonNull(excludedWorkers, "excludedWorkers is null"));
        holders = Set.copyOf(requireNonNull(holders, "holders is null"));
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be >= 1: " + replication);
        }
        if (holders.size() >= replication) {
            throw new IllegalArgumentException("holders must be fewer than the replication %d: %s".formatted(replication, new TreeSet<>(holders)));
        }
        tempArea.ifPresent(TempAreas::checkJobId);
    }

    public WriteOptions(int replication, Optional<String> tempArea, Optional<StorageTier> tier, Set<String> excludedWorkers) {
        this(replication, tempArea, tier, excludedWorkers, Set.of());
    }

    /** Visible on commit, on the workers' fastest tier with room. */
    public static WriteOptions replication(int replication) {
        return new WriteOptions(replication, Optional.empty(), Optional.empty(), Set.of());
    }

    /** These options with the block going into the temp area of {@code jobId}. */
    public WriteOptions inTempArea(String jobId) {
        return new WriteOptions(replication, Optional.of(jobId), tier, excludedWorkers, holders);
    }

    /** These options with the block stored on {@code tier}. */
    public WriteOptions onTier(StorageTier tier) {
        return new WriteOptions(replication, tempArea, Optional.of(tier), excludedWorkers, holders);
    }

    /** These options with the replicas placed on none of {@code workerIds}. */
    public WriteOptions excluding(Collection<String> workerIds) {
        return new WriteOptions(replication, tempArea, tier, new TreeSet<>(requireNonNull(workerIds, "workerIds is null")), holders);
    }

    /**
     * These options for a block that {@code workerIds} already hold: only the replicas missing are
     * written, none of them on those workers.
     */
    public WriteOptions heldBy(Collection<String> workerIds) {
        return new WriteOptions(replication, tempArea, tier, excludedWorkers, new TreeSet<>(requireNonNull(workerIds, "workerIds is null")));
    }

    /** The replicas a write places: the replication less the replicas the holders have. */
    public int replicasToPlace() {
        return replication - holders.size();
    }

    /** The workers the master must not place replicas on: the excluded ones and the holders. */
    public Set<String> workersNotToPlaceOn() {
        if (holders.isEmpty()) {
            return excludedWorkers;
        }
        Set<String> all = new TreeSet<>(excludedWorkers);
        all.addAll(holders);
        return all;
    }
}
