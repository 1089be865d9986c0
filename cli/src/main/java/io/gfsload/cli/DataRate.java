package io.gfsload.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses data rates such as {@code 200MB/s}, {@code 1.5GiB/s} or {@code 500k} into bytes per
 * second: a size of {@link DataSizes} (K, M, G are powers of 1024, as in Hadoop's configuration)
 * with an optional {@code /s}. The unit is required: a bare {@code 200} is more likely a slip
 * than 200 bytes a second; {@code 200B/s} says that. A rate in bits ({@code 8Mb/s},
 * {@code 100Mbps}) is refused, and so is one that a 64-bit count of bytes a second cannot hold
 * (above 8 EiB/s) or under 1 byte a second, each with a message that says so.
 */
public final class DataRate implements ITypeConverter<Long> {
    /**
     * A rate in bits, {@code 8Mb/s}, {@code 100mbps}, {@code 1Gbit}: refused rather than read as
     * bytes, which would be eight times the rate meant. {@code b} alone is bits; {@code B} and
     * {@code iB} are bytes.
     */
    private static final Pattern BITS = Pattern.compile(".*\\d\\s*[kmgtpKMGTP]?(?:b|[bB](?:its?|ps))");
    /** A rate of 0 in any unit, {@code 0MB/s}: no rate at all. */
    private static final Pattern ZERO = Pattern.compile("(?:0+(?:\\.0*)?|\\.0+)\\s*[A-Za-z]*");

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        String size = value.strip();
        if (size.toLowerCase(Locale.ROOT).endsWith("/s")) {
            size = size.substring(0, size.length() - 2);
        }
        if (ZERO.matcher(size.strip()).matches()) {
            throw new TypeConversionException("'%s' is not a data rate: it must be more than 0".formatted(value));
        }
        if (BITS.matcher(size).matches()) {
            throw new TypeConversionException(("'%s' reads as bits (a lower-case b, bit or bps): gfsload's rates are in bytes, "
                    + "such as 25MB/s (K, M, G are powers of 1024)").formatted(value));
        }
        String expected = "expected a number and a unit, such as 200MB/s or 1.5GB/s";
        if (size.chars().noneMatch(Character::isLetter)) {
            throw new TypeConversionException("'%s' is not a data rate: %s".formatted(value, expected));
        }
        BigDecimal bytes = DataSizes.exactBytes(size)
                .orElseThrow(() -> new TypeConversionException("'%s' is not a data rate: %s".formatted(value, expected)));
        if (bytes.compareTo(DataSizes.MAX_BYTES) > 0) {
            // a count of bytes a second is 64 bits, as Hadoop's and the executor's are
            throw new TypeConversionException(("'%s' is too large a data rate: at most 8 EiB/s (%d bytes a second); "
                    + "a number and a unit, such as 200MB/s or 1.5GB/s").formatted(value, Long.MAX_VALUE));
        }
        if (bytes.compareTo(BigDecimal.ONE) < 0) {
            throw new TypeConversionException("'%s' is not a data rate: it must be at least 1 byte a second (1B/s)".formatted(value));
        }
        return bytes.longValue();
    }
}
