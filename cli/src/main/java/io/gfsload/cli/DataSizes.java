package io.gfsload.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Data sizes as the command line takes them, in Hadoop's convention: K, M, G, T, P are powers of 1024. */
final class DataSizes {
    private DataSizes() {}

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Map<String, Integer> SHIFTS = Map.of("", 0, "k", 10, "m", 20, "g", 30, "t", 40, "p", 50);
    /** The most bytes a size or a rate can be: a 64-bit count's, just under 8 EiB. */
    static final BigDecimal MAX_BYTES = BigDecimal.valueOf(Long.MAX_VALUE);

    /**
     * Bytes from {@code 4GB}, {@code 4 GiB}, {@code 4g}, {@code 1.5GB} or {@code 4096}; K, M, G, T
     * and P are powers of 1024 with or without {@code B}/{@code iB}, as in Hadoop's configuration.
     */
    static long parse(String text) {
        BigDecimal value = exactBytes(text).orElseThrow(() -> new TypeConversionException("'%s' is not a size, e.g. 512MB or 4GB".formatted(text)));
        if (value.signum() <= 0 || value.compareTo(MAX_BYTES) > 0) {
            throw new TypeConversionException("'%s' is not a size between 1 byte and 8 EiB".formatted(text));
        }
        return value.longValue();
    }

    /**
     * The bytes {@code text} names as {@link #parse} reads it, exactly, however large or small
     * ({@code 99999999999999999999MB}, {@code 0.1B}); empty when it is not a size at all.
     */
    static Optional<BigDecimal> exactBytes(String text) {
        Matcher matcher = SIZE.matcher(text.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(2).pow(SHIFTS.get(matcher.group(2).toLowerCase(Locale.ROOT)))));
    }

    /**
     * Converts {@code --heap}-style sizes; see {@link #parse}. The unit is required: a bare
     * {@code --heap 4} is more likely a slip than 4 bytes.
     */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.chars().noneMatch(Character::isLetter)) {
                throw new TypeConversionException("'%s' is not a size: expected a number and a unit, e.g. 512MB or 4GB".formatted(value));
            }
            return parse(value);
        }
    }

    /**
     * Converts sizes of which none is a valid amount, {@code --worker-mem-tier}'s: {@code 0},
     * {@code 0GB}, as its default, or a size as {@link SizeConverter} takes it.
     */
    static final class SizeOrNoneConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Optional<BigDecimal> bytes = exactBytes(value);
            if (bytes.isPresent() && bytes.get().signum() == 0) {
                return 0L;
            }
            return new SizeConverter().convert(value);
        }
    }
}
