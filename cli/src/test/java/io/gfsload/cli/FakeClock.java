package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import io.gfsload.executor.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock that stands still until a test moves it ({@link #advance}), and whose {@link #sleep}
 * runs the test's {@code onSleep}, then moves it forward instead of sleeping: a load that waits
 * hours for its window runs in milliseconds, and the test acts while it waits. Thread-safe.
 */
final class FakeClock extends Clock implements Sleeper {
    private final AtomicReference<Instant> now;
    private final Runnable onSleep;

    FakeClock(Instant start) {
        this(start, () -> {});
    }

    FakeClock(Instant start, Runnable onSleep) {
        this.now = new AtomicReference<>(requireNonNull(start, "start is null"));
        this.onSleep = requireNonNull(onSleep, "onSleep is null");
    }

    void advance(Duration duration) {
        now.updateAndGet(instant -> instant.plus(duration));
    }

    @Override
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
        throw new UnsupportedOperationException("a fake clock has one zone");
    }
}
