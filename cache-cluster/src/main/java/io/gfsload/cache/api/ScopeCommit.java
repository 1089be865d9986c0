package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of {@link TempAreas#commitScope}.
 *
 * @param jobId the job whose temp area the blocks came from
 * @param blocks blocks made visible
 * @param bytes their bytes, counted once per block
 */
public record ScopeCommit(String jobId, int blocks, long bytes) {
    public ScopeCommit {
        requireNonNull(jobId, "jobId is null");
    }
}
