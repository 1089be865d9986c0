package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.LoadPlan;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the start of UFS reads back while the {@link LoadWindow} is closed. Each read thread
 * passes through {@link #await} before it starts a block (or a small file); work already under way
 * finishes. The first thread to find the window closed announces the pause to the listener once;
 * the threads then wait, waking at least every {@link #MAX_SLEEP} to look at the clock again (so a
 * clock that jumps, or a machine that slept, is noticed), until the window opens.
 *
 * <p>Thread-safe. Inside the window a thread passes on a volatile read and a clock read.
 */
final class WindowGate {
    private static final Logger LOG = LoggerFactory.getLogger(WindowGate.class);
    /** The longest a waiting thread sleeps before it looks at the clock again. */
    static final Duration MAX_SLEEP = Duration.ofMinutes(1);

    private final LoadWindow window;
    private final Clock clock;
    private final Sleeper sleeper;
    private final ProgressListener listener;
    private final Runnable reopened;
    private final ReentrantLock lock = new ReentrantLock();
    /** Reads may start without the lock before this epoch millisecond: the window's next closing. */
    private volatile long openUntilMillis = Long.MIN_VALUE;
    // guarded by lock
    private boolean started;
    private Instant closedSince;
    private boolean closedBeforeStart;
    private long waitedMillis;
    private long pausedMillis;
    private int pauses;

    /** @param reopened run when the window opens after the load waited for it, before any read starts again */
    WindowGate(LoadWindow window, Clock clock, Sleeper sleeper, ProgressListener listener, Runnable reopened) {
        this.window = requireNonNull(window, "window is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.sleeper = requireNonNull(sleeper, "sleeper is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.reopened = requireNonNull(reopened, "reopened is null");
    }

    /** Returns at once inside the window; outside it, when the window opens. */
    void await() throws InterruptedIOException {
        if (clock.millis() < openUntilMillis) {
            return;
        }
        try {
            lock.lockInterruptibly();
            try {
                awaitLocked();
            }
            finally {
                lock.unlock();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (InterruptedIOException) new InterruptedIOException("Interrupted while waiting for the load window " + window).initCause(e);
        }
    }

    /**
     * The wait of a load started outside the window, which is closed: the listener hears
     * {@link ProgressListener#started} with {@code initial}, and the pause; when the window opens,
     * returns the plan to load then, the one {@code planAfterWait} makes (checked by {@code check}
     * when it is not {@code initial}). The caller tells the listener of a new plan.
     *
     * @throws IllegalArgumentException when the plan made after the wait is of another request
     */
    LoadPlan planWhenOpen(LoadPlan initial, Supplier<LoadPlan> planAfterWait, Consumer<LoadPlan> check) {
        requireNonNull(initial, "initial is null");
        requireNonNull(planAfterWait, "planAfterWait is null");
        requireNonNull(check, "check is null");
        listener.started(initial);
        try {
            await();
        }
        catch (InterruptedIOException e) {
            throw new IllegalStateException("Interrupted while waiting for the load window", e);
        }
        LoadPlan fresh = requireNonNull(planAfterWait.get(), "the plan made after the wait is null");
        if (fresh == initial) {
            return initial;
        }
        if (!fresh.request().equals(initial.request())) {
            throw new IllegalArgumentException("The plan made after the wait is of another request: " + fresh.request().target().describe());
        }
        LOG.info("The load window opened: loading a plan made now, {} files and {} bytes to load (before the wait: {} files, {} bytes)",
                fresh.stats().files(), fresh.stats().bytesToLoad(), initial.stats().files(), initial.stats().bytesToLoad());
        check.accept(fresh);
        return fresh;
    }

    /** Whether a read may start now, without waiting. */
    boolean isOpenNow() {
        return clock.millis() < openUntilMillis || window.isOpen(clock.instant());
    }

    private void awaitLocked() throws InterruptedException {
        while (true) {
            Instant now = clock.instant();
            if (window.isOpen(now)) {
                if (closedSince != null) {
                    Duration closed = Duration.between(closedSince, now);
                    if (closedBeforeStart) {
                        waitedMillis += closed.toMillis();
                    }
                    else {
                        pausedMillis += closed.toMillis();
                    }
                    closedSince = null;
                    LOG.info("The load window {} is open: reading again after {}", window, LoadWindow.describe(closed));
                    reopened.run();
                    listener.windowOpened(window, closed);
                }
                started = true;
                openUntilMillis = window.closesAt(now).toEpochMilli();
                return;
            }
            if (closedSince == null) {
                closedSince = now;
                closedBeforeStart = !started;
                pauses += started ? 1 : 0;
                WindowPause pause = new WindowPause(window, now, window.opensAt(now), !started);
                LOG.info("{}", pause.message());
                listener.windowClosed(pause);
            }
            Duration wait = window.untilOpen(now);
            sleeper.sleep(wait.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : wait.isZero() ? Duration.ofMillis(1) : wait);
        }
    }

    /** What the window did to the load until {@code end}: a pause still going on counts up to then. */
    LoadReport.Window summary(Instant end) {
        lock.lock();
        try {
            long waited = waitedMillis;
            long paused = pausedMillis;
            if (closedSince != null) {
                long closed = Math.max(0, Duration.between(closedSince, end).toMillis());
                waited += closedBeforeStart ? closed : 0;
                paused += closedBeforeStart ? 0 : closed;
            }
            return new LoadReport.Window(window.toString(), window.zone().getId(), waited, pauses, paused);
        }
        finally {
            lock.unlock();
        }
    }
}
