package io.gfsload.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses data rates such as {@code 200MB/s}, {@code 1.5GiB/s} or {@code 500k} into bytes per
 * second. SI units are powers of 1000 ({@code KB}, {@code MB}, {@code GB}), binary units powers of
 * 1024 ({@code KiB}, {@code MiB}, {@code GiB}); the {@code /s} is optional.
 */
public final class DataRate implements ITypeConverter<Long> {
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?(?:/s)?", Pattern.CASE_INSENSITIVE);
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L),
            Map.entry("k", 1_000L), Map.entry("kb", 1_000L), Map.entry("ki", 1L << 10), Map.entry("kib", 1L << 10),
            Map.entry("m", 1_000_000L), Map.entry("mb", 1_000_000L), Map.entry("mi", 1L << 20), Map.entry("mib", 1L << 20),
            Map.entry("g", 1_000_000_000L), Map.entry("gb", 1_000_000_000L), Map.entry("gi", 1L << 30), Map.entry("gib", 1L << 30),
            Map.entry("t", 1_000_000_000_000L), Map.entry("tb", 1_000_000_000_000L), Map.entry("ti", 1L << 40), Map.entry("tib", 1L << 40));

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        Matcher matcher = RATE.matcher(value.strip());
        if (!matcher.matches()) {
            throw new TypeConversionException("'%s' is not a data rate: expected a number and a unit, such as 200MB/s or 1.5GiB/s".formatted(value));
        }
        String unit = matcher.group(2) == null ? "" : matcher.group(2).toLowerCase(Locale.ROOT);
        long bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(UNITS.get(unit))).longValue();
        if (bytes <= 0) {
            throw new TypeConversionException("'%s' is not a positive data rate".formatted(value));
        }
        return bytes;
    }
}
