package io.gfsload.cli;

import io.gfsload.cache.api.Counts;
import java.util.Locale;

/** Human-readable byte sizes, binary units, and counts of things. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Sizes() {}

    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** {@code 1 file}, {@code 2 files}: a count and its noun, plural with an {@code s}. */
    static String count(long count, String noun) {
        return Counts.of(count, noun);
    }
}
