package io.gfsload.cache.fs;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.Counts;
import java.net.URI;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link GfsFileSystem} remembers of a cache master that did not answer: a master that
 * hangs (SIGSTOP, a long GC pause, a firewall that drops packets) costs a call's whole deadline,
 * and a query opens thousands of files. Once a call got no answer (its deadline passed, or the
 * master could not be reached), no caller asks the master for the retry interval: every file is
 * read from the UFS, correct but not warmed. Then the first caller to come asks it again, alone;
 * the others keep reading from the UFS meanwhile. The first unanswered call is said once at WARN,
 * and the first answer after it at INFO.
 *
 * <p>A caller that {@link #tryAsk()} allowed reports how the call went, {@link #answered()} or
 * {@link #unanswered(String)}, and then {@link #done()}, whatever happened.
 *
 * <p>Thread-safe.
 */
final class MasterBackoff {
    private static final Logger log = LoggerFactory.getLogger(GfsFileSystem.class);

    private final String master;
    private final URI fileSystem;
    private final Duration timeout;
    private final Duration retryInterval;
    private final LongSupplier nanoTime;
    private final GfsReadStatistics stats;

    /** Whether the last call that ended got no answer; guarded by this. */
    private boolean silent;
    /** When (nanoTime) the silence began, for the INFO line; guarded by this. */
    private long silentSince;
    /** When (nanoTime) a caller may ask a silent master again; guarded by this. */
    private long nextAttempt;
    /** Whether a caller is asking a silent master now; guarded by this. */
    private boolean retrying;
    /** Whether the current thread holds the retry, so that its {@link #done()} gives it back. */
    private final ThreadLocal<Boolean> holdsRetry = ThreadLocal.withInitial(() -> false);

    MasterBackoff(String master, URI fileSystem, Duration timeout, Duration retryInterval, GfsReadStatistics stats, LongSupplier nanoTime) {
        this.master = requireNonNull(master, "master is null");
        this.fileSystem = requireNonNull(fileSystem, "fileSystem is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.retryInterval = requireNonNull(retryInterval, "retryInterval is null");
        this.stats = requireNonNull(stats, "stats is null");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
    }

    /**
     * Whether the caller may call the master now: always while it answers; while it is silent,
     * only for the one caller that comes first once the retry interval has passed. A call not
     * allowed is counted as skipped.
     */
    synchronized boolean tryAsk() {
        if (!silent) {
            return true;
        }
        if (retrying || nanoTime.getAsLong() - nextAttempt < 0) {
            stats.masterCallSkipped();
            return false;
        }
        retrying = true;
        holdsRetry.set(true);
        return true;
    }

    /** The master answered a call (with a result or an error of its own). */
    synchronized void answered() {
        if (silent) {
            silent = false;
            log.info("The cache master {} answers {} again after {} s of silence: cached blocks are read from the cache again",
                    master, fileSystem, Duration.ofNanos(nanoTime.getAsLong() - silentSince).toSeconds());
        }
    }

    /** A call got no answer: its deadline passed, or the master could not be reached. */
    synchronized void unanswered(String reason) {
        stats.masterCallUnanswered();
        long now = nanoTime.getAsLong();
        nextAttempt = now + retryInterval.toNanos();
        if (!silent) {
            silent = true;
            silentSince = now;
            log.warn("The cache master {} does not answer {} ({}): every file is read from the UFS, none from the cache, "
                    + "and the master is asked again every {} ({}) until it answers; each call waits at most {} ({})",
                    master, fileSystem, reason, Counts.of(retryInterval), GfsConfig.MASTER_RETRY_INTERVAL,
                    Counts.of(timeout), GfsConfig.MASTER_TIMEOUT);
        }
    }

    /** Ends a call {@link #tryAsk()} allowed, however it ended. */
    synchronized void done() {
        if (holdsRetry.get()) {
            holdsRetry.set(false);
            retrying = false;
        }
    }

    /** Whether the master is taken as silent now. */
    synchronized boolean silent() {
        return silent;
    }

}
