package io.gfsload.cache.api;

/** Counts of things in words, for messages and log lines: {@code 1 block}, {@code 2 blocks}. */
public final class Counts {
    private Counts() {}

    /** {@code count} and {@code noun}, plural with an {@code s} unless the count is 1. */
    public static String of(long count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
