package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * One run of a job that opens and renews the job's temp area: what lets the master tell a run
 * that is still going (it renews the area) from one that died (it stopped renewing), so that a
 * second run of the same job does not adopt, and share, the area of one still under way.
 *
 * <p>Serializable: a load's run travels with the slices it sends to other processes, which commit
 * as that run.
 *
 * @param runId the run's id, random: runs of one job from different places never share it; runs
 *     that do (a job's runs from one gfsload home, one after the other) adopt each other's area at
 *     once
 * @param token this run's own among the runs that share {@code runId}, random; empty for a caller
 *     that does not tell them apart, which the master then takes as any of them: the renewal or
 *     release of an earlier run with the same id, arriving late, leaves a later run's hold as it is
 * @param renewPeriod how often the run renews the area while it runs
 */
public record TempAreaRun(String runId, String token, Duration renewPeriod) implements Serializable {
    /** Run ids and tokens: letters, digits, {@code -}, at most 64. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    public TempAreaRun {
        requireNonNull(runId, "runId is null");
        requireNonNull(token, "token is null");
        requireNonNull(renewPeriod, "renewPeriod is null");
        if (!RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("invalid run id (letters, digits, '-'; at most 64): " + runId);
        }
        if (!token.isEmpty() && !RUN_ID.matcher(token).matches()) {
            throw new IllegalArgumentException("invalid run token (letters, digits, '-'; at most 64): " + token);
        }
        if (renewPeriod.toMillis() <= 0) {
            throw new IllegalArgumentException("renewPeriod must be >= 1 ms: " + renewPeriod);
        }
    }

    /** Run {@code runId} without a token of its own: any run with that id. */
    public TempAreaRun(String runId, Duration renewPeriod) {
        this(runId, "", renewPeriod);
    }

    /**
     * Whether this run and the run with {@code runId} and {@code token} are the same: the same id,
     * and the same token unless either has none.
     */
    public boolean isRun(String runId, String token) {
        return sameRun(this.runId, this.token, runId, token);
    }

    /** Whether run {@code runId} with {@code token} and run {@code otherRunId} with {@code otherToken} are the same, as {@link #isRun} says. */
    public static boolean sameRun(String runId, String token, String otherRunId, String otherToken) {
        return !runId.isEmpty() && runId.equals(otherRunId) && (token.isEmpty() || otherToken.isEmpty() || token.equals(otherToken));
    }
}
