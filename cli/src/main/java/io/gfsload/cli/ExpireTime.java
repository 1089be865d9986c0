package io.gfsload.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses GooseFS-style expire times: a whole number and {@code ms}, {@code s}, {@code min} or
 * {@code hour} ({@code h}, {@code d} too), or a bare number, which GooseFS and Alluxio read as
 * milliseconds.
 */
public final class ExpireTime implements ITypeConverter<Duration> {
    private static final Pattern TIME = Pattern.compile("(\\d+)\\s*([a-z]*)");
    private static final Map<String, Duration> UNITS = Map.ofEntries(
            // no unit: milliseconds, as GooseFS's distributedLoad and Alluxio's time strings read it
            Map.entry("", Duration.ofMillis(1)),
            Map.entry("ms", Duration.ofMillis(1)), Map.entry("millisecond", Duration.ofMillis(1)), Map.entry("milliseconds", Duration.ofMillis(1)),
            Map.entry("s", Duration.ofSeconds(1)), Map.entry("sec", Duration.ofSeconds(1)),
            Map.entry("second", Duration.ofSeconds(1)), Map.entry("seconds", Duration.ofSeconds(1)),
            Map.entry("m", Duration.ofMinutes(1)), Map.entry("min", Duration.ofMinutes(1)),
            Map.entry("minute", Duration.ofMinutes(1)), Map.entry("minutes", Duration.ofMinutes(1)),
            Map.entry("h", Duration.ofHours(1)), Map.entry("hour", Duration.ofHours(1)), Map.entry("hours", Duration.ofHours(1)),
            Map.entry("d", Duration.ofDays(1)), Map.entry("day", Duration.ofDays(1)), Map.entry("days", Duration.ofDays(1)));

    /** The longest expire time: ten years, far from the overflow of the master's millisecond instants. */
    static final Duration MAX = Duration.ofDays(3650);

    /**
     * The shortest expire time. A running load renews its area every third of it (at least 10 ms
     * apart, each renewal a call to the master): a shorter one expires as soon as a renewal is a
     * little late, under 15 ms always, and the load fails however often it runs.
     */
    static final Duration MIN = Duration.ofSeconds(1);

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        Duration time = parseUnbounded(value);
        if (time.isZero()) {
            throw new TypeConversionException("'%s' is not an expire time: it must be longer than 0".formatted(value));
        }
        if (time.compareTo(MIN) < 0) {
            throw new TypeConversionException("'%s' is not an expire time: at least 1 s (a number without a unit is milliseconds)".formatted(value));
        }
        if (time.compareTo(MAX) > 0) {
            // the master keeps expiry instants in milliseconds
            throw new TypeConversionException("'%s' is not an expire time: at most 3650 days".formatted(value));
        }
        return time;
    }

    /**
     * {@code value} as a time, of any length: zero, and more than {@link #MAX} (a count too large
     * for a {@code long} reads as {@code MAX} plus a millisecond), are for the caller to refuse.
     *
     * @throws TypeConversionException when {@code value} is not a whole number with a unit or none
     */
    static Duration parseUnbounded(String value) {
        Matcher matcher = TIME.matcher(value.strip().toLowerCase(Locale.ROOT));
        Duration unit = matcher.matches() ? UNITS.get(matcher.group(2)) : null;
        if (unit == null) {
            throw new TypeConversionException("'%s' is not an expire time: expected a whole number of milliseconds, or a whole number and a unit, ms, s, min, h (hour) or d (day), such as 24h or 30min".formatted(value));
        }
        try {
            return unit.multipliedBy(Long.parseLong(matcher.group(1)));
        }
        catch (NumberFormatException | ArithmeticException e) {
            return MAX.plusMillis(1);
        }
    }
}
