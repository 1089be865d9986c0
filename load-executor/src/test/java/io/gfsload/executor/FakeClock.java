package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that stands still until a test moves it, and whose {@link #sleep} moves it forward
 * instead of sleeping: a load that waits hours for its window runs in milliseconds. Thread-safe.
 */
final class FakeClock extends Clock implements Sleeper {
    private final AtomicReference<Instant> now;

    FakeClock(Instant start) {
        this.now = new AtomicReference<>(requireNonNull(start, "start is null"));
    }

    /** Sets the time; it may go back, as a wall clock may. */
    void set(Instant instant) {
        now.set(requireNonNull(instant, "instant is null"));
    }

    @Override
    public void sleep(Duration duration) {
        now.updateAndGet(instant -> instant.plus(duration));
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
        throw new UnsupportedOperationException("a fake clock has one zone");
    }
}
