package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.BlockKey;
import io.gfsload.cache.api.Counts;
import io.gfsload.cache.api.ScopeCommit;
import io.gfsload.cache.api.TempArea;
import io.gfsload.cache.api.TempAreaInUseException;
import io.gfsload.cache.api.TempAreaNotFoundException;
import io.gfsload.cache.api.TempAreaRun;
import io.gfsload.cache.api.TempAreas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the temp area of a running atomic job from expiring: every third of the expire time, or
 * every {@link #MAX_PERIOD} when that is sooner, it renews the area ({@link TempAreas#renewTempArea}),
 * which moves its expiry to now plus the expire time (in steps of a third of it). The expire time
 * so counts from the job's last sign of life, not from its start: a load that runs longer than
 * {@code --expire-time} keeps its staged blocks, and the area of a job that crashed is deleted one
 * expire time after the crash.
 *
 * <p>A load that opens the area ({@link #open}) does so as a run ({@link TempAreaRun}: the id its
 * journal keeps, the same for the runs of the job from one gfsload home, and a token of this run's
 * own, which tells those runs apart when a late renewal or release reaches the master), whose renewals tell the
 * master that it is still going: a run of the same job from another home or host (a scheduler's
 * retry on another worker, while this one still loads) is then refused the area rather than
 * adopt and share it, for two renewal periods after this run's last renewal. Those two
 * periods are why the period is at most {@link #MAX_PERIOD}: the next run of a job that was killed
 * adopts its area a minute after the kill, not two thirds of the expire time (16 h by default)
 * after it.
 *
 * <p>A run that ends ({@link #close}) releases its hold on the area ({@link
 * TempAreas#releaseTempArea}), so that a run from another home adopts it at once; only a run killed
 * outright (SIGKILL) leaves it held for those two periods. The release leaves the area, its blocks
 * and its expiry as they are. When the JVM stops on SIGINT or SIGTERM, a shutdown hook ends the run
 * ({@link #jvmStopping}): it releases the hold only once the run's load (if one took this renewal
 * over, {@link #loading}) has stopped touching the area, never while the load's threads may still
 * stage blocks into it, commit it or delete it, since another run that adopted the area then
 * would race with them.
 *
 * <p>A renewal never opens a new area: when the area expired meanwhile (the master did not answer
 * the renewals for longer than the expire time, then expired it) or was aborted, the blocks the job
 * staged are deleted, and the renewal stops and says why ({@link #lost()}), so that the job stops
 * at once rather than stage on into an area its commit cannot use. Nor does a renewal take the
 * area back from another run of the job that adopted it (this run's renewals stopped, or did not
 * reach the master, for two periods): the master refuses it ({@link TempAreaInUseException}), and
 * the renewal stops and says so, so that the job stops without committing or deleting what is now
 * that run's area, and without releasing that run's hold. The load commits and deletes the area
 * through this renewal, as its run ({@link #commitScope}, {@link #deleteArea}), so that the master
 * refuses those too once another run adopted the area, and the job stops at that commit rather
 * than at its next renewal, up to a period later. A write or a commit that finds
 * the area gone ({@link TempAreaNotFoundException}) has it renewed at once ({@link #renewNow}), so
 * that the job stops then, not at the next renewal, which may be hours away.
 */
final class TempAreaRenewal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempAreaRenewal.class);
    private static final Duration MIN_PERIOD = Duration.ofMillis(10);
    /**
     * The longest time between two renewals: the master takes a run as going for two periods after
     * its last renewal (one renewal may be lost, or late by up to a call's deadline, 30 s by
     * default), so another run is refused for up to a minute after this one was killed.
     */
    static final Duration MAX_PERIOD = Duration.ofSeconds(30);
    /**
     * The longest a run that ends waits for the master to take its release: a master that does not
     * answer (hung) holds up neither the end of the load nor the JVM's, and the hold then lapses as
     * a killed run's does.
     */
    static final Duration RELEASE_WAIT = Duration.ofSeconds(5);
    /**
     * The longest the JVM's stopping waits for the run's load to stop and end ({@link
     * #jvmStopping}): a load still staging, committing or deleting the area then keeps the hold,
     * which lapses as a killed run's does.
     */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** How often the JVM's stopping looks whether the load ended. */
    private static final Duration STOP_POLL = Duration.ofMillis(50);

    private final TempAreas areas;
    /** Renews the area; null when it was gone at the start. */
    private final ScheduledExecutorService scheduler;
    private final State state;
    /** Closes this renewal when the JVM stops before {@link #close}; null for a renewal without a run, which holds nothing. */
    private final Thread onShutdown;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Held by {@link #close} while it releases the hold, and by {@link #takeOver} and {@link
     * #renewNow} while they renew: neither renews the area after a close (the JVM's stopping, as a
     * command waits for its load window) released it, and a second close waits for the first.
     */
    private final Object holding = new Object();
    /** Counted down once {@link #close} is done: renewals stopped, the hold released (or not to be). */
    private final CountDownLatch ended = new CountDownLatch(1);
    /** The load that took this renewal over ({@link #loading}); null before, or for a claim whose command has not loaded yet. */
    private Loading load;
    /** Whether the JVM is stopping ({@link #jvmStopping}): a load that takes this renewal over from then on is stopped at once. */
    private boolean jvmStopping;
    /** Set by {@link #keepHold}: {@link #close} stops renewing and leaves the hold to lapse. */
    private volatile boolean keepHold;

    /** How to stop the load that uses this renewal, and how it waits ({@link #loading}). */
    private record Loading(Runnable stop, Sleeper sleeper) {}

    private TempAreaRenewal(TempAreas areas, ScheduledExecutorService scheduler, State state) {
        this.areas = areas;
        this.scheduler = scheduler;
        this.state = state;
        this.onShutdown = state.run.isPresent() && scheduler != null ? new Thread(this::jvmStopping, "gfsload-temp-area-shutdown") : null;
        if (onShutdown != null) {
            try {
                Runtime.getRuntime().addShutdownHook(onShutdown);
            }
            catch (IllegalStateException e) {
                // the JVM is stopping already: the load ends with it, and its hold lapses
            }
        }
    }

    /**
     * Opens (or adopts) the temp area of {@code atomic} as a run of its job, and renews it as
     * {@link #start} does, as that run: from before a load says what it loads, when its run claims
     * the area ({@link TempAreaClaim}), and the load then {@link #takeOver}s this renewal.
     *
     * @param runId the run's id ({@link JobJournal#tempAreaRunId()}); empty for a load without a
     *     journal, which opens and renews as no run in particular and is neither refused nor refuses
     * @param opened receives the area as the master has it, with the blocks staged in it; when it
     *     throws, the run lets go of the area it opened, as when the renewals cannot start
     * @throws TempAreaInUseException when another run of the job, from another gfsload home or
     *     host, still renews the area: the message says so, and when the same command can adopt it
     */
    static TempAreaRenewal open(TempAreas areas, AtomicOptions atomic, Optional<String> runId, Consumer<TempArea> opened) {
        requireNonNull(areas, "areas is null");
        requireNonNull(atomic, "atomic is null");
        requireNonNull(opened, "opened is null");
        Optional<TempAreaRun> run = runId.map(id -> run(atomic, id));
        // a load without a journal (the library's callers) has no identity across its runs: it opens as no run in particular, as
        // an older client does, so that its next run adopts the area at once
        TempArea area = run.isPresent() ? openAsRun(areas, atomic, run.get()) : areas.openTempArea(atomic.jobId(), atomic.expireTime());
        try {
            opened.accept(area);
            return start(areas, atomic, run, area.expiresAt());
        }
        catch (RuntimeException | Error e) {
            // the master holds the area for this run, which no renewal will close: let go of it now, rather than refuse another
            // run of the job for two renewal periods
            run.ifPresent(held -> release(areas, atomic, held));
            throw e;
        }
    }

    private static TempArea openAsRun(TempAreas areas, AtomicOptions atomic, TempAreaRun run) {
        try {
            return areas.openTempArea(atomic.jobId(), atomic.expireTime(), run);
        }
        catch (TempAreaInUseException e) {
            throw inUse(atomic.jobId(), e.renewedAgo(), e.aliveWindow(), e);
        }
    }

    /**
     * The refusal of a run of atomic job {@code jobId} while another run, which renewed the job's
     * area {@code renewedAgo} ago, is taken as going: until {@code aliveWindow} after that renewal.
     */
    static TempAreaInUseException inUse(String jobId, Duration renewedAgo, Duration aliveWindow, Throwable cause) {
        return new TempAreaInUseException(("Cannot run atomic job %s: another run of it (from another gfsload home or host) renewed its temp area "
                + "%s ago, so it is still going: wait for it to end; a run that has not renewed the area for %s is taken as gone, and the "
                + "same command then adopts what it staged").formatted(jobId, Counts.of(renewedAgo), Counts.of(aliveWindow)), renewedAgo,
                aliveWindow, cause);
    }

    /**
     * The run {@code runId} of {@code atomic}'s job, with a token of its own: the runs of a job from
     * one gfsload home share their id, and a renewal or release of an earlier one that reaches the
     * master late must not renew or end the hold of a later one.
     */
    private static TempAreaRun run(AtomicOptions atomic, String runId) {
        return new TempAreaRun(runId, UUID.randomUUID().toString(), period(atomic.expireTime()));
    }

    /**
     * Renews the temp area of {@code atomic} in {@code areas} until {@link #close()}, or until the
     * area is found gone, as no run in particular.
     *
     * @param expiresAt the expiry the master gave the area when the load opened it
     */
    static TempAreaRenewal start(TempAreas areas, AtomicOptions atomic, Instant expiresAt) {
        return start(areas, atomic, Optional.empty(), expiresAt);
    }

    private static TempAreaRenewal start(TempAreas areas, AtomicOptions atomic, Optional<TempAreaRun> run, Instant expiresAt) {
        requireNonNull(areas, "areas is null");
        requireNonNull(atomic, "atomic is null");
        State state = new State(atomic, run, requireNonNull(expiresAt, "expiresAt is null"));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gfsload-temp-area-renewal");
            thread.setDaemon(true);
            return thread;
        });
        long period = period(atomic.expireTime()).toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            if (!state.renew(areas)) {
                // the area is gone: nothing left to renew
                scheduler.shutdown();
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return new TempAreaRenewal(areas, scheduler, state);
    }

    /** How often a load renews its temp area: a third of {@code expireTime}, at most {@link #MAX_PERIOD}, at least 10 ms. */
    static Duration period(Duration expireTime) {
        Duration third = expireTime.dividedBy(3);
        Duration period = third.compareTo(MAX_PERIOD) < 0 ? third : MAX_PERIOD;
        return period.compareTo(MIN_PERIOD) > 0 ? period : MIN_PERIOD;
    }

    /**
     * Renews the temp area of {@code atomic}, which a load this process runs a slice of opened, and
     * keeps renewing it as {@link #start} does. Never opens a new one: when the area is gone
     * already (expired or aborted since the load opened it), the result is {@link #lost()} from
     * the start, and renews nothing.
     *
     * @param opened receives the area as the master has it, with the blocks staged in it, when it is there
     */
    static TempAreaRenewal joinShared(TempAreas areas, AtomicOptions atomic, Consumer<TempArea> opened) {
        requireNonNull(areas, "areas is null");
        requireNonNull(atomic, "atomic is null");
        requireNonNull(opened, "opened is null");
        TempArea area;
        try {
            area = areas.renewTempArea(atomic.jobId(), atomic.expireTime());
        }
        catch (TempAreaNotFoundException e) {
            State state = new State(atomic, Optional.empty(), null);
            state.lost("the temp area of atomic job %s is gone from the master (aborted, or expired)".formatted(atomic.jobId()), e);
            // nothing to renew
            return new TempAreaRenewal(areas, null, state);
        }
        opened.accept(area);
        return start(areas, atomic, area.expiresAt());
    }

    /**
     * Renews the area now, in this thread, when it is not known gone yet: for a write or a commit
     * that found it gone, so that the job stops at once, with the reason the renewals give.
     *
     * @return {@link #lost()} after that renewal
     */
    Optional<String> renewNow() {
        synchronized (holding) {
            if (!closed.get() && state.lost.get() == null && !state.renew(areas)) {
                scheduler.shutdown();
            }
        }
        return lost();
    }

    /**
     * Renews the area now, in this thread, and hands {@code opened} the area as the master then has
     * it, with the blocks staged in it; the renewals go on as before. What a load does with the
     * renewal its run started when it claimed the area ({@link TempAreaClaim}), rather than open
     * the area again: the area is renewed without a gap from the claim to the load's end, however
     * long the command waited in between (for its load window, for room). When the area is gone
     * (found so since, or by this renewal), {@code opened} hears nothing and {@link #lost()} says
     * why, as during the load. After {@link #close} (the JVM is stopping, and released the hold
     * as the command waited) it does nothing: the area is not held again, and the load, stopped
     * as it says it is {@link #loading}, stages nothing.
     *
     * @throws io.gfsload.cache.api.MasterUnavailableException when the master does not answer, as
     *     an open of the area would
     */
    void takeOver(Consumer<TempArea> opened) {
        requireNonNull(opened, "opened is null");
        TempArea area;
        synchronized (holding) {
            if (closed.get() || state.lost.get() != null) {
                return;
            }
            try {
                area = state.renewed(areas);
            }
            catch (TempAreaNotFoundException | TempAreaInUseException e) {
                state.lost(e);
                scheduler.shutdown();
                return;
            }
        }
        opened.accept(area);
    }

    /**
     * The run that holds the area: this renewal's (a load that opened the area as its run), or for
     * a slice the run of the load that opened it ({@link AtomicOptions#loadRun}); empty for none.
     * What the load commits and deletes the area as ({@link #commitScope}, {@link #deleteArea}).
     */
    Optional<TempAreaRun> run() {
        return state.run.or(() -> Optional.ofNullable(state.atomic.loadRun()));
    }

    /**
     * Commits {@code blocks} of the area as {@link #run()}. When the master refuses that because
     * another run of the job adopted the area (before this run's next renewal would have told it),
     * the area is this run's no more: {@link #lost()} then says so, as a refused renewal does
     * ({@link Failures#tempAreaTaken}), and the renewals stop.
     *
     * @throws TempAreaInUseException when another run of the job holds the area; nothing is committed
     */
    ScopeCommit commitScope(List<BlockKey> blocks) {
        Optional<TempAreaRun> run = run();
        return asHolder(() -> run.isPresent()
                ? areas.commitScope(state.atomic.jobId(), blocks, run.get())
                : areas.commitScope(state.atomic.jobId(), blocks));
    }

    /**
     * Deletes the area and what is left in it as {@link #run()}; a refusal (another run of the job
     * adopted the area) makes it {@link #lost()}, as in {@link #commitScope}.
     *
     * @return the number of blocks deleted
     * @throws TempAreaInUseException when another run of the job holds the area, which keeps it
     */
    int deleteArea() {
        Optional<TempAreaRun> run = run();
        return asHolder(() -> run.isPresent() ? areas.abortTempArea(state.atomic.jobId(), run.get()) : areas.abortTempArea(state.atomic.jobId()));
    }

    /** Makes {@code call} on the area, which {@link #lost()} once the master refuses it as another run's. */
    private <T> T asHolder(Supplier<T> call) {
        try {
            return call.get();
        }
        catch (TempAreaInUseException e) {
            state.lost(e);
            if (scheduler != null) {
                scheduler.shutdown();
            }
            throw e;
        }
    }

    /**
     * When the master deletes the area unless it is committed, adopted or renewed first: as it said
     * at the last open or renewal; null for an area of a shared load found gone at the start.
     */
    Instant expiresAt() {
        return state.expiry.get();
    }

    /**
     * Why the job's temp area is gone while the job runs, once a renewal found it so, e.g. {@code
     * the temp area of atomic job J expired at T while the master did not answer; its staged blocks
     * were deleted: run the same command again}, or another run's ({@link
     * Failures#tempAreaTaken}); empty while it is there and this run's.
     */
    Optional<String> lost() {
        return Optional.ofNullable(state.lost.get());
    }

    /**
     * The load that uses this renewal from now on (it took it over, or opened it): what the JVM's
     * stopping ({@link #jvmStopping}) runs, {@code stop}, which makes the load start no file, no
     * commit and no deletion of the area any more and end as soon as it can, closing this renewal;
     * {@code sleeper} is how the JVM's stopping waits for that. Run at once when the JVM is
     * stopping already.
     */
    void loading(Runnable stop, Sleeper sleeper) {
        requireNonNull(stop, "stop is null");
        requireNonNull(sleeper, "sleeper is null");
        synchronized (this) {
            if (!jvmStopping) {
                load = new Loading(stop, sleeper);
                return;
            }
        }
        stop.run();
    }

    /**
     * What the JVM's stopping (SIGINT, SIGTERM) does to a run, in its shutdown hook: without a
     * load that took this renewal over (the command waits for its load window), {@link #close}s it
     * at once, releasing the hold. With one, stops the load and waits, up to {@link #STOP_WAIT},
     * for the load to end and close this renewal itself, which it does once it no longer touches
     * the area: a commit or deletion of the area under way finishes first, and the hold is released
     * only then. A load that has not ended by then keeps the hold, renewed as long as the JVM
     * lives; the hold then lapses as a killed run's does.
     */
    void jvmStopping() {
        Loading loading;
        synchronized (this) {
            jvmStopping = true;
            loading = load;
        }
        if (loading == null) {
            close();
            return;
        }
        loading.stop().run();
        long waited = 0;
        try {
            while (ended.getCount() > 0 && waited < STOP_WAIT.toMillis()) {
                loading.sleeper().sleep(STOP_POLL);
                waited += STOP_POLL.toMillis();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ended.getCount() > 0) {
            LOG.warn("The load of atomic job {} did not stop within {} as the JVM stopped: its run keeps its temp area, which another run of the job, "
                    + "from another gfsload home or host, is refused for up to {}", state.atomic.jobId(), Counts.of(STOP_WAIT),
                    Counts.of(period(state.atomic.expireTime()).multipliedBy(2)));
        }
    }

    /**
     * Stops renewing; a renewal under way finishes first (for a while), so that none comes after.
     * The renewal of a run then releases the run's hold on the area ({@link
     * TempAreas#releaseTempArea}) unless the area is gone, waiting at most {@link #RELEASE_WAIT}
     * for the master; a release that fails is logged, and the hold lapses as a killed run's does. Once only: a
     * second call (the load's end and the JVM's stopping at once) waits for the first to be done,
     * and does nothing. What the load that uses this renewal calls as it ends, once it no longer
     * touches the area.
     */
    @Override
    public void close() {
        synchronized (holding) {
            if (scheduler == null || !closed.compareAndSet(false, true)) {
                return;
            }
            try {
                end();
            }
            finally {
                ended.countDown();
            }
        }
    }

    /**
     * Makes {@link #close} stop renewing without releasing the run's hold, which then lapses as a
     * killed run's does: what a load does that ends while some of its writes to the area may still
     * be under way, so that another run of the job does not adopt the area before they are done.
     */
    void keepHold() {
        keepHold = true;
    }

    /** What {@link #close} does, once. */
    private void end() {
        stopRenewing();
        if (onShutdown != null) {
            if (state.lost.get() == null && !keepHold) {
                release(areas, state.atomic, state.run.orElseThrow());
            }
            if (Thread.currentThread() != onShutdown) {
                try {
                    Runtime.getRuntime().removeShutdownHook(onShutdown);
                }
                catch (IllegalStateException e) {
                    // the JVM is stopping: the hook runs, and finds this renewal closed
                }
            }
        }
    }

    /**
     * Stops renewing and keeps the run's hold, until {@link #close}: what a load does before it
     * deletes the area (its scopes all committed), so that no renewal finds it gone, while the hold
     * still refuses another run of the job until then. A renewal under way finishes first, its
     * answer awaited (up to 10 s): a renewal abandoned could still reach the master after the
     * release or deletion that follows, and hold the area again. Does nothing when renewals
     * stopped already.
     */
    void stopRenewing() {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
                LOG.warn("A renewal of the temp area of atomic job {} is still under way", state.atomic.jobId());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases {@code run}'s hold on the temp area of {@code atomic}'s job, waiting at most {@link #RELEASE_WAIT}; never throws. */
    private static void release(TempAreas areas, AtomicOptions atomic, TempAreaRun run) {
        String jobId = atomic.jobId();
        Thread releasing = new Thread(() -> {
            try {
                if (areas.releaseTempArea(jobId, run)) {
                    LOG.debug("Released the temp area of atomic job {}: another run of the job may adopt it at once", jobId);
                }
            }
            catch (RuntimeException e) {
                LOG.warn("Cannot release the temp area of atomic job {}: another run of the job, from another gfsload home or host, is refused it "
                        + "for up to {} ({})", jobId, Counts.of(period(atomic.expireTime()).multipliedBy(2)), e.getMessage());
            }
        }, "gfsload-temp-area-release");
        releasing.setDaemon(true);
        releasing.start();
        try {
            releasing.join(RELEASE_WAIT.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the renewals know; touched by the renewal thread, read by the load's threads. */
    private static final class State {
        private final AtomicOptions atomic;
        /** The run of the load that opened the area; empty for a slice of a load, which renews it as no run in particular. */
        private final Optional<TempAreaRun> run;
        /** The expiry the master gave the area at its last open or renewal; null when it was gone at the start. */
        private final AtomicReference<Instant> expiry;
        /** Whether a renewal failed (the master did not answer) since the last one that went through. */
        private final AtomicBoolean unanswered = new AtomicBoolean();
        private final AtomicReference<String> lost = new AtomicReference<>();

        State(AtomicOptions atomic, Optional<TempAreaRun> run, Instant expiresAt) {
            this.atomic = atomic;
            this.run = run;
            this.expiry = new AtomicReference<>(expiresAt);
        }

        /** Says why the area is gone, once: the first reason found stays. */
        void lost(String reason, TempAreaNotFoundException e) {
            lostFor(reason + "; its staged blocks were deleted: run the same command again", e);
        }

        /** Says why the area is this run's no more ({@code e}, which a renewal found), once: the first reason found stays. */
        void lost(RuntimeException e) {
            if (e instanceof TempAreaInUseException taken) {
                lostFor(Failures.tempAreaTaken(atomic.jobId(), taken.renewedAgo()), e);
            }
            else {
                gone((TempAreaNotFoundException) e);
            }
        }

        private void lostFor(String reason, RuntimeException e) {
            if (lost.compareAndSet(null, reason)) {
                LOG.error("Stopping atomic job {}: {} ({})", atomic.jobId(), lost.get(), e.getMessage());
            }
        }

        /** Renews the area; false once it is found gone, or another run's. */
        boolean renew(TempAreas areas) {
            try {
                // the expiry only: an area of many blocks is not sent at every renewal
                expiry.set(areas.renewTempAreaExpiry(atomic.jobId(), atomic.expireTime(), run));
                unanswered.set(false);
                return true;
            }
            catch (TempAreaNotFoundException | TempAreaInUseException e) {
                lost(e);
                return false;
            }
            catch (RuntimeException e) {
                // The next renewal tries again, and finds the area gone if it expired meanwhile.
                unanswered.set(true);
                LOG.warn("Cannot renew the temp area of atomic job {} (it expires at {} unless renewed): {}", atomic.jobId(), expiry.get(),
                        e.getMessage());
                return true;
            }
        }

        /** Renews the area, as the run when there is one; the area as the master then has it. */
        TempArea renewed(TempAreas areas) {
            TempArea renewed = run.isPresent()
                    ? areas.renewTempArea(atomic.jobId(), atomic.expireTime(), run.get())
                    : areas.renewTempArea(atomic.jobId(), atomic.expireTime());
            expiry.set(renewed.expiresAt());
            unanswered.set(false);
            return renewed;
        }

        /** Says why the area is gone, which a renewal found ({@code e}). */
        void gone(TempAreaNotFoundException e) {
            String reason = unanswered.get()
                    ? "the temp area of atomic job %s expired at %s while the master did not answer".formatted(atomic.jobId(), expiry.get())
                    : "the temp area of atomic job %s is gone from the master (aborted, or expired by the master's clock; it was to expire at %s)"
                            .formatted(atomic.jobId(), expiry.get());
            lost(reason, e);
        }
    }
}
