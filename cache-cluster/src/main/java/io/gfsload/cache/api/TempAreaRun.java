package io.gfsload.cache.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * One run of a job that opens and renews the job's temp area: what lets the master tell a run
 * that is still going (it renews the area) from one that died (it stopped renewing), so that a
 * second run of the same job does not adopt, and share, the area of one still under way.
 *
 * @param runId the run's own id, random: two runs of one job never share it
 * @param renewPeriod how often the run renews the area while it runs
 */
public record TempAreaRun(String runId, Duration renewPeriod) {
    /** Run ids: letters, digits, {@code -}, at most 64. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    public TempAreaRun {
        requireNonNull(runId, "runId is null");
        requireNonNull(renewPeriod, "renewPeriod is null");
        if (!RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("invalid run id (letters, digits, '-'; at most 64): " + runId);
        }
        if (renewPeriod.toMillis() <= 0) {
            throw new IllegalArgumentException("renewPeriod must be >= 1 ms: " + renewPeriod);
        }
    }
}
