package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A temp area without its blocks ({@link TempAreas#listTempAreaSummaries}): what a status, a
 * report or a check needs of an area, which for a job of many files is far less than its blocks.
 *
 * @param jobId the job's id
 * @param createdAt when the area was first opened
 * @param expiresAt when the master deletes the area unless it is committed or aborted first
 * @param blocks how many blocks the area holds
 * @param bytes the bytes of those blocks, counted once per block
 * @param heldBy the run that holds the area now, as {@link TempArea#heldBy}
 */
public record TempAreaSummary(String jobId, Instant createdAt, Instant expiresAt, long blocks, long bytes, Optional<TempArea.Hold> heldBy) {
    public TempAreaSummary {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(expiresAt, "expiresAt is null");
        requireNonNull(heldBy, "heldBy is null");
    }

    /** The summary of {@code area}. */
    public static TempAreaSummary of(TempArea area) {
        return new TempAreaSummary(area.jobId(), area.createdAt(), area.expiresAt(), area.blocks().size(), area.bytes(), area.heldBy());
    }
}
