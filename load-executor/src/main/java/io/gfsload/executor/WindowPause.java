package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * A stretch of time outside the load window, in which the load starts no UFS reads.
 *
 * @param window the load window
 * @param since when the load found the window closed
 * @param opensAt when the window opens again
 * @param beforeStart whether the load had read nothing yet: it waits for the window rather than
 *     pausing in it
 */
public record WindowPause(LoadWindow window, Instant since, Instant opensAt, boolean beforeStart) {
    public WindowPause {
        requireNonNull(window, "window is null");
        requireNonNull(since, "since is null");
        requireNonNull(opensAt, "opensAt is null");
        if (opensAt.isBefore(since)) {
            throw new IllegalArgumentException("opensAt %s is before since %s".formatted(opensAt, since));
        }
    }

    /** How long until the window opens, from {@link #since}. */
    public Duration opensIn() {
        return Duration.between(since, opensAt);
    }

    /** e.g. {@code waiting for the load window 01:00-06:00, opens in 3 h 12 min}. */
    public String message() {
        return beforeStart
                ? "waiting for the load window %s, opens in %s".formatted(window, LoadWindow.describe(opensIn()))
                : "the load window %s closed: paused, it opens again in %s".formatted(window, LoadWindow.describe(opensIn()));
    }
}
