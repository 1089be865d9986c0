package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.TempAreas;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the temp area of a running atomic job from expiring: every third of the expire time it
 * opens the area again, which moves its expiry to now plus the expire time. The expire time so
 * counts from the job's last sign of life, not from its start: a load that runs longer than
 * {@code --expire-time} keeps its staged blocks, and the area of a job that crashed is deleted one
 * expire time after the crash.
 */
final class TempAreaRenewal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempAreaRenewal.class);
    private static final Duration MIN_PERIOD = Duration.ofMillis(10);

    private final ScheduledExecutorService scheduler;
    /** The expiry the master gave the area at its last open or renewal. */
    private final AtomicReference<Instant> expiresAt;

    private TempAreaRenewal(ScheduledExecutorService scheduler, AtomicReference<Instant> expiresAt) {
        this.scheduler = scheduler;
        this.expiresAt = expiresAt;
    }

    /**
     * Renews the temp area of {@code atomic} in {@code areas} until {@link #close()}.
     *
     * @param expiresAt the expiry the master gave the area when the load opened it
     */
    static TempAreaRenewal start(TempAreas areas, AtomicOptions atomic, Instant expiresAt) {
        requireNonNull(areas, "areas is null");
        requireNonNull(atomic, "atomic is null");
        AtomicReference<Instant> expiry = new AtomicReference<>(requireNonNull(expiresAt, "expiresAt is null"));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gfsload-temp-area-renewal");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(MIN_PERIOD.toMillis(), atomic.expireTime().toMillis() / 3);
        scheduler.scheduleWithFixedDelay(() -> renew(areas, atomic, expiry), period, period, TimeUnit.MILLISECONDS);
        return new TempAreaRenewal(scheduler, expiry);
    }

    /** When the master deletes the area unless it is committed, adopted or renewed first: as it said at the last open or renewal. */
    Instant expiresAt() {
        return expiresAt.get();
    }

    private static void renew(TempAreas areas, AtomicOptions atomic, AtomicReference<Instant> expiry) {
        try {
            expiry.set(areas.openTempArea(atomic.jobId(), atomic.expireTime()).expiresAt());
        }
        catch (RuntimeException e) {
            // The next renewal tries again; a commit into an area that expired meanwhile fails and says so.
            LOG.warn("Cannot renew the temp area of atomic job {} (it expires {} after the last renewal): {}", atomic.jobId(), atomic.expireTime(),
                    e.getMessage());
        }
    }

    /** Stops renewing; a renewal under way finishes first (for a while), so that none comes after. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("A renewal of a temp area is still under way");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
