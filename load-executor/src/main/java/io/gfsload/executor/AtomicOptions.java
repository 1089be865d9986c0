package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.time.Duration;

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
 */
public record AtomicOptions(String jobId, Scope scope, Duration expireTime, boolean sharedArea) implements Serializable {
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
    }

    /** An atomic load that owns its temp area. */
    public AtomicOptions(String jobId, Scope scope, Duration expireTime) {
        this(jobId, scope, expireTime, false);
    }

    /** These options for a slice of the load: the temp area stays the load's. */
    public AtomicOptions inSharedArea() {
        return new AtomicOptions(jobId, scope, expireTime, true);
    }
}
