package io.gfsload.cache.api;

import java.time.Duration;

/** Counts of things and times in words, for messages and log lines: {@code 1 block}, {@code 2 blocks}, {@code 30 s}. */
public final class Counts {
    private Counts() {}

    /** {@code count} and {@code noun}, plural with an {@code s} unless the count is 1. */
    public static String of(long count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /** {@code 30 s}, or {@code 500 ms} for a time that is not whole seconds. */
    public static String of(Duration time) {
        return time.toMillis() % 1_000 == 0 ? time.toSeconds() + " s" : time.toMillis() + " ms";
    }
}
