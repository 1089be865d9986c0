package io.gfsload.benchmarks;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Formats sizes, rates and durations for people. */
final class Units {
    static final double MIB = 1024.0 * 1024.0;

    private Units() {}

    /** Binary units with at most one decimal: {@code 64 KiB}, {@code 1.5 GiB}. */
    static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value)) + " " + units[unit];
    }

    /** Three significant digits or one decimal, whichever is longer: {@code 812}, {@code 45.3}, {@code 0.52}. */
    static String number(double value) {
        if (value >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (value >= 1) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** An exact offset, as a schedule names it: {@code 50 ms}, {@code 5 s}, {@code 1.25 s}. */
    static String offset(Duration offset) {
        long millis = offset.toMillis();
        return millis < 1000 ? millis + " ms" : BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** {@code 6 min 12 s} or {@code 42.1 s}. */
    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long whole = Math.round(seconds);
        return String.format(Locale.ROOT, "%d min %02d s", whole / 60, whole % 60);
    }
}
