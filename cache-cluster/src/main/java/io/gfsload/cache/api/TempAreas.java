package io.gfsload.cache.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Atomic loads: a job writes blocks into its temp area, which readers do not see, and then commits
 * a scope (a file, a partition, the whole job) of them at once.
 *
 * <p>Writes go in with {@link CacheClient#openWriter(BlockKey, long, WriteOptions)} and
 * {@link WriteOptions#inTempArea}. {@link #commitScope} makes the blocks visible in one metadata
 * batch: {@link CacheClient#cachedBlocks} and {@link CacheClient#openReader} see all of them or
 * none. A temp area left alone (its job failed or was killed) expires after its expire time and
 * the master and the workers then delete what is in it. Thread-safe.
 */
public interface TempAreas {
    /** Job ids name metadata keys: letters, digits, {@code . _ : -}, at most 128, no {@code /}. */
    Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    /**
     * Opens the temp area of {@code jobId}, expiring {@code expireTime} from now. When the job's
     * area is already open and unexpired (a re-run of a failed job), adopts it: the result lists
     * the blocks it holds, which the job need not write again, and its expiry moves to now +
     * {@code expireTime} if that is a third of {@code expireTime} or more later (so that renewals
     * more frequent than that do not re-pin its blocks each time: the area keeps at least two
     * thirds of its expire time at every call).
     *
     * @throws IllegalArgumentException for a malformed job id or a non-positive expire time
     */
    TempArea openTempArea(String jobId, Duration expireTime);

    /**
     * As {@link #openTempArea(String, Duration)}, for {@code run} of the job, which the master
     * records as the area's run, with the time of the call. Refused while another run of the job
     * is still going: one that opened, adopted or renewed the area less than two of its renewal
     * periods ago. A run that died stops renewing, and the area is adopted as before once that
     * time has passed.
     *
     * <p>The default ignores {@code run}: an implementation without runs never refuses.
     *
     * @throws TempAreaInUseException when another run of the job renewed the area within two of
     *     its renewal periods
     * @throws IllegalArgumentException for a malformed job id or a non-positive expire time
     */
    default TempArea openTempArea(String jobId, Duration expireTime, TempAreaRun run) {
        return openTempArea(jobId, expireTime);
    }

    /**
     * Keeps the open temp area of a running job alive: its expiry moves to now + {@code
     * expireTime} if that is a third of {@code expireTime} or more later, as {@link #openTempArea}
     * moves it. Unlike {@link #openTempArea}, never opens a new area: a job
     * whose area expired (or was aborted) meanwhile lost the blocks it staged, and must not go on
     * staging into a new area as if nothing happened.
     *
     * @throws TempAreaNotFoundException when the job has no open, unexpired temp area
     * @throws IllegalArgumentException for a malformed job id or a non-positive expire time
     */
    TempArea renewTempArea(String jobId, Duration expireTime);

    /**
     * As {@link #renewTempArea(String, Duration)}, for {@code run} of the job, which the master
     * records as the area's run, with the time of the call. Refused when another run of the job
     * holds the area, however long ago it renewed it: that run adopted the area since (this run's
     * renewals stopped, or were lost, for two of its periods), and the area is that run's, which
     * this run must neither stage into, commit nor delete any more. An area no run holds is
     * renewed as {@code run}'s. The default ignores {@code run}.
     *
     * @throws TempAreaNotFoundException when the job has no open, unexpired temp area
     * @throws TempAreaInUseException when another run of the job holds the area: {@link
     *     TempAreaInUseException#renewedAgo()} says when it last renewed it
     * @throws IllegalArgumentException for a malformed job id or a non-positive expire time
     */
    default TempArea renewTempArea(String jobId, Duration expireTime, TempAreaRun run) {
        return renewTempArea(jobId, expireTime);
    }

    /**
     * Renews the area as {@link #renewTempArea(String, Duration, TempAreaRun)} does for
     * {@code run}, or without one as {@link #renewTempArea(String, Duration)} does, and answers
     * only its expiry, none of its blocks: for a running job's periodic renewals, which need not
     * carry an area of many blocks each time.
     *
     * @return when the area expires now
     * @throws TempAreaNotFoundException when the job has no open, unexpired temp area
     * @throws TempAreaInUseException when another run of the job holds the area
     */
    default Instant renewTempAreaExpiry(String jobId, Duration expireTime, Optional<TempAreaRun> run) {
        return (run.isPresent() ? renewTempArea(jobId, expireTime, run.get()) : renewTempArea(jobId, expireTime)).expiresAt();
    }

    /**
     * Ends {@code run}'s hold on the job's temp area ({@link #openTempArea(String, Duration,
     * TempAreaRun)}): what a run does as it ends, so that another run of the job, from another
     * gfsload home or host, adopts the area at once rather than two renewal periods after this
     * run's last renewal. Only the hold: the area, its blocks and its expiry stay. Does nothing
     * when the area is gone or another run holds it.
     *
     * <p>The default does nothing: an implementation without runs holds none. A master that
     * cannot release (older than this call) keeps the hold until it lapses, as a killed run's does.
     *
     * @return whether {@code run} held the area until this call
     * @throws IllegalArgumentException for a malformed job id
     */
    default boolean releaseTempArea(String jobId, TempAreaRun run) {
        return false;
    }

    /**
     * Makes {@code blocks} of the job's temp area visible to readers, all in one metadata write:
     * readers see all of them or none. The blocks leave the temp area; others stay in it. A block
     * another job has staged on a worker stays pinned there for that job's area.
     *
     * @throws TempAreaNotFoundException when the job has no open temp area (never opened, aborted
     *     or expired)
     * @throws BlockNotFoundException when one of the blocks is not in the temp area; nothing is
     *     committed then
     */
    ScopeCommit commitScope(String jobId, List<BlockKey> blocks);

    /**
     * As {@link #commitScope(String, List)}, by {@code run} of the job: refused when another run of
     * the job holds the area (it adopted the area after this run's renewals stopped reaching the
     * master for two of its periods), which this run must not commit into; nothing is committed
     * then. An area no run holds is committed into as without a run. The default ignores {@code run}.
     *
     * @throws TempAreaInUseException when another run of the job holds the area: {@link
     *     TempAreaInUseException#renewedAgo()} says when it last renewed it
     * @throws TempAreaNotFoundException when the job has no open temp area
     * @throws BlockNotFoundException when one of the blocks is not in the temp area
     */
    default ScopeCommit commitScope(String jobId, List<BlockKey> blocks, TempAreaRun run) {
        return commitScope(jobId, blocks);
    }

    /**
     * Deletes the job's temp area and the blocks still in it (on the workers with their next
     * heartbeat; a worker where another job has a block staged keeps it, pinned). Does nothing for
     * an unknown job.
     *
     * @return the number of blocks deleted
     */
    int abortTempArea(String jobId);

    /**
     * As {@link #abortTempArea(String)}, by {@code run} of the job: refused when another run of the
     * job holds the area, which keeps the area and its blocks. The default ignores {@code run}.
     *
     * @return the number of blocks deleted
     * @throws TempAreaInUseException when another run of the job holds the area
     */
    default int abortTempArea(String jobId, TempAreaRun run) {
        return abortTempArea(jobId);
    }

    /**
     * Removes the blocks of {@code files} (these identities) from the job's temp area, all in one
     * metadata write, and has the workers delete them with their next heartbeat, as
     * {@link #abortTempArea} would: a worker where another job has a block staged keeps it, pinned;
     * one that also holds it committed only unpins it. What a job calls for a file that was deleted or
     * changed in the UFS while it loaded it: its staged blocks would otherwise hold their room,
     * pinned, until the area is committed or expires, and no run would ever commit them. The
     * area's other blocks stay. Does nothing for a job without a temp area, or files without blocks
     * in it.
     *
     * <p>The default throws {@link UnsupportedOperationException}: an implementation that cannot
     * remove staged blocks leaves them to the area's expiry.
     *
     * @return the number of blocks removed from the area
     * @throws IllegalArgumentException for a malformed job id
     */
    default int unstageFiles(String jobId, List<FileIdentity> files) {
        throw new UnsupportedOperationException(getClass().getName() + " does not remove staged blocks from a temp area");
    }

    /** The open temp areas, sorted by job id, with the blocks they hold. */
    List<TempArea> listTempAreas();

    /** The open temp area of {@code jobId}, with the blocks it holds, if there is one. */
    default Optional<TempArea> findTempArea(String jobId) {
        return listTempAreas().stream().filter(area -> area.jobId().equals(jobId)).findFirst();
    }

    /**
     * The open temp areas as {@link #listTempAreas}, without their blocks: how many each holds
     * and their bytes. The default lists the blocks and counts them.
     */
    default List<TempAreaSummary> listTempAreaSummaries() {
        return listTempAreas().stream().map(TempAreaSummary::of).toList();
    }

    /** The open temp area of {@code jobId} as {@link #findTempArea}, without its blocks. The default lists the blocks and counts them. */
    default Optional<TempAreaSummary> findTempAreaSummary(String jobId) {
        return findTempArea(jobId).map(TempAreaSummary::of);
    }

    /**
     * Checks the form of a job id.
     *
     * @throws IllegalArgumentException when {@code jobId} does not match {@link #JOB_ID}
     */
    static String checkJobId(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new IllegalArgumentException("invalid job id (letters, digits, '.', '_', ':', '-'; at most 128): "
                    + jobId);
        }
        return jobId;
    }
}
