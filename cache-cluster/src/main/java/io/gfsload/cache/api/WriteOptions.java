package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * How a block is written: its replication, the temp area of a job it goes into, and the tier the
 * workers store it on.
 *
 * @param replication replicas on distinct live workers, at least 1
 * @param tempArea the job id of an open temp area ({@link TempAreas#openTempArea}); the block is
 *     then invisible to readers until the job commits a scope holding it. Empty: the block is
 *     visible as soon as the writer commits
 * @param tier the tier to store the block on; empty lets each worker choose its fastest tier
 *     with room
 */
public record WriteOptions(int replication, Optional<String> tempArea, Optional<StorageTier> tier) {
    public WriteOptions {
        requireNonNull(tempArea, "tempArea is null");
        requireNonNull(tier, "tier is null");
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be >= 1: " + replication);
        }
        tempArea.ifPresent(TempAreas::checkJobId);
    }

    /** Visible on commit, on the workers' fastest tier with room. */
    public static WriteOptions replication(int replication) {
        return new WriteOptions(replication, Optional.empty(), Optional.empty());
    }

    /** These options with the block going into the temp area of {@code jobId}. */
    public WriteOptions inTempArea(String jobId) {
        return new WriteOptions(replication, Optional.of(jobId), tier);
    }

    /** These options with the block stored on {@code tier}. */
    public WriteOptions onTier(StorageTier tier) {
        return new WriteOptions(replication, tempArea, Optional.of(tier));
    }
}
