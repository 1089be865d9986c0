package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The temp area of a job, as the master records it.
 *
 * @param jobId the job's id
 * @param createdAt when the area was first opened
 * @param expiresAt when the master deletes the area unless it is committed or aborted first
 * @param adopted whether the call that returned this found the area already open
 * @param blocks the blocks in the area (written, not yet committed), sorted by file key and
 *     index
 * @param heldBy the run that holds the area now ({@link TempAreaRun}), while it is taken as going:
 *     an open of the area by another run is refused; empty when no run holds it, and from masters
 *     older than holds
 */
public record TempArea(String jobId, Instant createdAt, Instant expiresAt, boolean adopted, List<StagedBlock> blocks, Optional<Hold> heldBy) {
    public TempArea {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(expiresAt, "expiresAt is null");
        requireNonNull(blocks, "blocks is null");
        requireNonNull(heldBy, "heldBy is null");
        blocks = List.copyOf(blocks);
    }

    /** An area no run holds. */
    public TempArea(String jobId, Instant createdAt, Instant expiresAt, boolean adopted, List<StagedBlock> blocks) {
        this(jobId, createdAt, expiresAt, adopted, blocks, Optional.empty());
    }

    /**
     * The run that holds a temp area: run {@code runId} renewed it {@code renewedAgo} ago, and is
     * taken as going until {@code aliveWindow} after that renewal.
     */
    public record Hold(String runId, Duration renewedAgo, Duration aliveWindow) {
        public Hold {
            requireNonNull(runId, "runId is null");
            requireNonNull(renewedAgo, "renewedAgo is null");
            requireNonNull(aliveWindow, "aliveWindow is null");
        }
    }

    /** The bytes of the blocks in the area, counted once per block. */
    public long bytes() {
        return blocks.stream().mapToLong(StagedBlock::length).sum();
    }
}
