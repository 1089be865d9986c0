package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreas;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A run's hold on its atomic job's temp area from before its load to the load's end ({@link
 * LoadExecutor#claimTempArea}): the area is opened (or adopted) as the run of the job's journal
 * and renewed from then on, also while the command waits (for its load window, for room), so that
 * a run of the job from another gfsload home or host is refused the area all that time, not for
 * two renewal periods after the claim only. The load ({@link LoadExecutor#execute(
 * io.gfsload.planner.LoadPlan, Optional, java.util.function.Supplier, TempAreaClaim)}, or a {@link
 * DistributedLoad}'s) takes these renewals over rather than open the area again, and ends them as
 * it ends.
 *
 * <p>{@link #close} ends the renewals and releases the hold ({@link TempAreas#releaseTempArea}),
 * once: the load's end, or the claimer's when the command ends before its load (a plan made as
 * the window opens that fails, say), whichever comes first. When the JVM stops on SIGINT or SIGTERM
 * first, a shutdown hook ends the claim ({@link #jvmStopping}): at once while no load has taken it
 * over, else once the load, stopped, no longer touches the area. A claim of a load that is not
 * atomic, or of a slice of one, holds nothing. Thread-safe.
 */
public final class TempAreaClaim implements AutoCloseable {
    /** Holds nothing and adopts nothing: a load given it opens its temp area itself, as it starts. */
    public static final TempAreaClaim NONE = new TempAreaClaim(Optional.empty(), Adopted.NONE);

    private final Optional<Hold> hold;
    private final Adopted adopting;

    /** The area of job {@code jobId}, held by run {@code runId} and renewed by {@code renewal}. */
    private record Hold(String jobId, String runId, TempAreaRenewal renewal) {}

    private TempAreaClaim(Optional<Hold> hold, Adopted adopting) {
        this.hold = hold;
        this.adopting = requireNonNull(adopting, "adopting is null");
    }

    /** A claim that holds nothing, of a load that would adopt {@code adopting} as it starts. */
    static TempAreaClaim holdingNothing(Adopted adopting) {
        return new TempAreaClaim(Optional.empty(), adopting);
    }

    /** The claim of the temp area of {@code atomic}'s job by run {@code runId}, which {@code renewal} renews from now on. */
    static TempAreaClaim held(AtomicOptions atomic, String runId, TempAreaRenewal renewal, Adopted adopting) {
        return new TempAreaClaim(Optional.of(new Hold(atomic.jobId(), requireNonNull(runId, "runId is null"), requireNonNull(renewal, "renewal is null"))),
                adopting);
    }

    /**
     * What the load of the plan claimed for would adopt rather than read, as the area was when
     * claimed: blocks an earlier run of the job staged, held by live workers with the plan's
     * replication ({@link Adopted#NONE} for a load that is not atomic).
     */
    public Adopted adopting() {
        return adopting;
    }

    /**
     * The renewal of the temp area of {@code atomic} for a load by the run of {@code journal}: when
     * this claim holds that area, its own, which hands {@code opened} the area as it is now and
     * goes on ({@link TempAreaRenewal#takeOver}); else one that opens the area now ({@link
     * TempAreaRenewal#open}).
     *
     * @throws IllegalArgumentException when this claim holds the area of another job, or for another run
     */
    TempAreaRenewal renewalFor(TempAreas areas, AtomicOptions atomic, Optional<JobJournal> journal, Consumer<TempArea> opened) {
        Optional<String> runId = journal.map(JobJournal::tempAreaRunId);
        if (hold.isEmpty()) {
            return TempAreaRenewal.open(areas, atomic, runId, opened);
        }
        Hold held = hold.get();
        if (!held.jobId().equals(atomic.jobId()) || !runId.equals(Optional.of(held.runId()))) {
            throw new IllegalArgumentException("The temp area claim of atomic job %s, run %s, is not of this load: job %s, run %s"
                    .formatted(held.jobId(), held.runId(), atomic.jobId(), runId.orElse("none")));
        }
        held.renewal().takeOver(opened);
        return held.renewal();
    }

    /**
     * What the JVM's stopping (SIGINT, SIGTERM) does to this claim, in a shutdown hook ({@link
     * TempAreaRenewal#jvmStopping}): releases the hold at once while no load has taken the claim
     * over, else stops the load and releases the hold only once the load no longer touches the
     * area. Nothing for a claim that holds nothing.
     */
    void jvmStopping() {
        hold.ifPresent(held -> held.renewal().jvmStopping());
    }

    /**
     * Ends the renewals and releases the hold, as {@link TempAreaRenewal#close} does; nothing when
     * the load ended them already, or for a claim that holds nothing.
     */
    @Override
    public void close() {
        hold.ifPresent(held -> held.renewal().close());
    }
}
