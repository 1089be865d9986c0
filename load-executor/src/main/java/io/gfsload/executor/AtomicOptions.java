package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.TempAreaRun;
import java.io.Serializable;
import java.time.Duration;
import java.util.Optional;

/**
 * An atomic load: blocks go into the job's temp area, invisible to readers, and a scope becomes
 * visible only when every block of it holds all its replicas.
 *
 * @param jobId the job, whose temp area a re-run adopts
 * @param scope what becomes visible at once
 * @param expireTime how long an uncommitted temp area lives before the cluster deletes it
 * @param sharedArea whether the temp area belongs to a load of which this executor runs a slice:
 *     it stages and commits its scopes there and leaves the area to that load, which deletes it at
 *     its end
 * @param loadRun with {@code sharedArea}, the run of that load, which holds the area: the slice
 *     commits its scopes as that run, so that the master refuses them once another run of the job
 *     adopted the area; null for a load without a run (no journal), or one that owns its area
 */
public record AtomicOptions(String jobId, Scope scope, Duration expireTime, boolean sharedArea, TempAreaRun loadRun) implements Serializable {
    /** What one commit makes visible. */
    public enum Scope {
        /** Each file on its own. */
        FILE,
        /** All files of a partition (or path), or none. */
        PARTITION,
        /** Everything the job loads, or nothing. */
        JOB
    }

    /** GooseFS's default expire time. */
    public static final Duration DEFAULT_EXPIRE_TIME = Duration.ofHours(24);

    public AtomicOptions {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(scope, "scope is null");
        requireNonNull(expireTime, "expireTime is null");
        if (expireTime.isZero() || expireTime.isNegative()) {
            throw new IllegalArgumentException("expireTime must be > 0: " + expireTime);
        }
        if (loadRun != null && !sharedArea) {
            throw new IllegalArgumentException("a load run is for a slice in a shared temp area: " + loadRun.runId());
        }
    }

    /** An atomic load that owns its temp area. */
    public AtomicOptions(String jobId, Scope scope, Duration expireTime) {
        this(jobId, scope, expireTime, false, null);
    }

    /**
     * These options for a slice of the load: the temp area stays the load's, whose {@code run}
     * (empty for a load without one) the slice commits as.
     */
    public AtomicOptions inSharedArea(Optional<TempAreaRun> run) {
        return new AtomicOptions(jobId, scope, expireTime, true, run.orElse(null));
    }
}
