package io.gfsload.cache.server;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed values of the configuration file, parsed once at the edge: durations ({@code 500ms},
 * {@code 1s}, {@code 5min}, {@code 24h}, {@code 2d}) and data sizes ({@code 4096}, {@code 64KiB},
 * {@code 1MiB}, {@code 8GiB}, {@code 2TiB}; {@code KB}, {@code MB}, ... and {@code K}, {@code M}, ... are
 * the same powers of 1024, as in Hadoop's and GooseFS's configuration and gfsload's flags).
 */
public final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|sec|min|m|h|hour|hours|d|day|days)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|tib|kb|mb|gb|tb|k|m|g|t)?");

    private ConfigValues() {}

    /**
     * A duration longer than 0, such as {@code 500ms}, {@code 1s}, {@code 5min}, {@code 24h} or
     * {@code 2d}.
     *
     * @throws IllegalArgumentException naming {@code key} when the value is malformed or 0
     */
    public static Duration duration(String key, String value) {
        Duration duration = durationOrZero(key, value);
        if (duration.isZero()) {
            throw new IllegalArgumentException(key + ": must be longer than 0: " + value);
        }
        return duration;
    }

    /**
     * A duration such as {@code 0s}, {@code 500ms}, {@code 1s}, {@code 5min}, {@code 24h} or
     * {@code 2d}.
     *
     * @throws IllegalArgumentException naming {@code key} when the value is malformed
     */
    public static Duration durationOrZero(String key, String value) {
        Matcher matcher = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException(key + ": not a duration (e.g. 500ms, 1s, 5min, 24h, 2d): " + value);
        }
        long amount = parseLong(key, matcher.group(1), value);
        try {
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s", "sec" -> Duration.ofSeconds(amount);
                case "min", "m" -> Duration.ofMinutes(amount);
                case "h", "hour", "hours" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        catch (ArithmeticException e) {
            throw new IllegalArgumentException(key + ": duration too long: " + value);
        }
    }

    /**
     * A size of at least one byte, such as {@code 4096}, {@code 64KiB}, {@code 8GiB} or
     * {@code 100GB}.
     *
     * @throws IllegalArgumentException naming {@code key} when the value is malformed, 0 or too
     *     large
     */
    public static long bytes(String key, String value) {
        Matcher matcher = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException(key + ": not a size (e.g. 4096, 64KiB, 1MiB, 8GiB, 100GB): " + value);
        }
        long amount = parseLong(key, matcher.group(1), value);
        if (amount == 0) {
            throw new IllegalArgumentException(key + ": must be more than 0: " + value);
        }
        String unit = matcher.group(2) == null ? "b" : matcher.group(2);
        long multiplier = switch (unit) {
            case "b" -> 1L;
            case "kib", "kb", "k" -> 1L << 10;
            case "mib", "mb", "m" -> 1L << 20;
            case "gib", "gb", "g" -> 1L << 30;
            default -> 1L << 40;
        };
        try {
            return Math.multiplyExact(amount, multiplier);
        }
        catch (ArithmeticException e) {
            throw new IllegalArgumentException(key + ": size too large: " + value);
        }
    }

    /** A size that fits an {@code int}, e.g. a buffer. */
    public static int intBytes(String key, String value) {
        long bytes = bytes(key, value);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + ": size too large for a buffer: " + value);
        }
        return (int) bytes;
    }

    public static int integer(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not an integer: " + value);
        }
    }

    /**
     * An integer from {@code min} to {@code max}.
     *
     * @throws IllegalArgumentException naming {@code key} when the value is malformed or out of range
     */
    public static int integer(String key, String value, int min, int max) {
        int number = integer(key, value);
        if (number < min || number > max) {
            throw new IllegalArgumentException(key + ": " + (max == Integer.MAX_VALUE ? "must be at least " + min : "must be from " + min + " to " + max)
                    + ": " + value);
        }
        return number;
    }

    /** A TCP port, or 0 for any free one. */
    public static int port(String key, String value) {
        return integer(key, value, 0, 65_535);
    }

    public static boolean bool(String key, String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + ": not true or false: " + value);
        };
    }

    public static double decimal(String key, String value) {
        try {
            return Double.parseDouble(value.trim());
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a number: " + value);
        }
    }

    private static long parseLong(String key, String digits, String value) {
        try {
            return Long.parseLong(digits);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": number too large: " + value);
        }
    }
}
