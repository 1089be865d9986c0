package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * The temp area of a job, as the master records it.
 *
 * @param jobId the job's id
 * @param createdAt when the area was first opened
 * @param expiresAt when the master deletes the area unless it is committed or aborted first
 * @param adopted whether the call that returned this found the area already open
 * @param blocks the blocks in the area (written, not yet committed), sorted by file key and
 *     index
 */
public record TempArea(String jobId, Instant createdAt, Instant expiresAt, boolean adopted, List<StagedBlock> blocks) {
    public TempArea {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(expiresAt, "expiresAt is null");
        requireNonNull(blocks, "blocks is null");
        blocks = List.copyOf(blocks);
    }

    /** The bytes of the blocks in the area, counted once per block. */
    public long bytes() {
        return blocks.stream().mapToLong(StagedBlock::length).sum();
    }
}
