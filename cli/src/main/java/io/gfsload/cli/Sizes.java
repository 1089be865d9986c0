package io.gfsload.cli;

import io.gfsload.advisor.Units;
import io.gfsload.cache.api.Counts;

/** Human-readable byte sizes, binary units, and counts of things. */
final class Sizes {
    private Sizes() {}

    /** {@code 400.0 MiB}: as the load's own messages print sizes ({@link Units#size}). */
    static String format(long bytes) {
        return Units.size(bytes);
    }

    /** {@code 1 file}, {@code 2 files}: a count and its noun, plural with an {@code s}. */
    static String count(long count, String noun) {
        return Counts.of(count, noun);
    }
}
