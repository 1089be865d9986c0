package io.gfsload.advisor;

import java.time.Duration;
import java.util.Locale;

/** Short human forms of the numbers in reasons: binary byte units, bandwidths, latencies. */
public final class Units {
    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Units() {}

    /**
     * {@code 4 MiB}, {@code 200 KiB}, {@code 1.5 GiB}: exact multiples without decimals, as the
     * advisor's reasons give settings and rules. Sizes of data (to load, cached, free) are
     * {@link #size}'s.
     */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        long whole = bytes;
        while (whole >= 1024 && whole % 1024 == 0 && unit < BYTE_UNITS.length - 1) {
            whole /= 1024;
            unit++;
        }
        if (whole < 1024) {
            return whole + " " + BYTE_UNITS[unit];
        }
        return size(bytes);
    }

    /**
     * {@code 400.0 MiB}, {@code 79.4 MiB}, {@code 512 B}: a size of data to a tenth of its binary
     * unit, as plans, summaries, reports and the load's messages (the cache's capacity) print it,
     * so that one output never shows the same size in two forms.
     */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        // a value that rounds to 1024.0 is one of the next unit: 1 MiB less a byte is 1.0 MiB, not 1024.0 KiB
        while (Math.round(value * 10) >= 1024 * 10 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    static String bandwidth(long bytesPerSecond) {
        return bytes(bytesPerSecond) + "/s";
    }

    /** {@code 20 ms}, {@code 0.6 ms}; whole milliseconds however many (a duration's nanoseconds may not fit a long). */
    public static String latency(Duration duration) {
        if (duration.getNano() / 1000 % 1000 == 0) {
            return duration.toMillis() + " ms";
        }
        return String.format(Locale.ROOT, "%.1f ms", duration.getSeconds() * 1000.0 + duration.getNano() / 1000 / 1000.0);
    }
}
