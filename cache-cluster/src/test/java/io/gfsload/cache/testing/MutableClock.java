package io.gfsload.cache.testing;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock that stands still until a test moves it ({@link #advance}, {@link #set}), and whose
 * {@link #sleep} runs the test's {@code onSleep}, then moves it forward instead of sleeping: a wait
 * of hours (a load window, a temp area's expiry) passes in milliseconds, and the test acts while
 * the code under test waits. {@code clock::sleep} serves as the executor's {@code Sleeper}.
 * Thread-safe.
 */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;
    private final Runnable onSleep;

    public MutableClock(Instant start) {
        this(start, () -> {});
    }

    public MutableClock(Instant start, Runnable onSleep) {
        this.now = new AtomicReference<>(requireNonNull(start, "start is null"));
        this.onSleep = requireNonNull(onSleep, "onSleep is null");
    }

    public void advance(Duration duration) {
        requireNonNull(duration, "duration is null");
        now.updateAndGet(instant -> instant.plus(duration));
    }

    /** Sets the time; it may go back, as a wall clock may. */
    public void set(Instant instant) {
        now.set(requireNonNull(instant, "instant is null"));
    }

    /** Runs {@code onSleep}, then moves the clock {@code duration} forward; returns at once. */
    public void sleep(Duration duration) {
        onSleep.run();
        advance(duration);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock stays in UTC");
    }
}
