package io.gfsload.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses data rates such as {@code 200MB/s}, {@code 1.5GiB/s} or {@code 500k} into bytes per
 * second: a size of {@link DataSizes} (K, M, G are powers of 1024, as in Hadoop's configuration)
 * with an optional {@code /s}. The unit is required: a bare {@code 200} is more likely a slip
 * than 200 bytes a second; {@code 200B/s} says that.
 */
public final class DataRate implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        String size = value.strip();
        if (size.toLowerCase(Locale.ROOT).endsWith("/s")) {
            size = size.substring(0, size.length() - 2);
        }
        try {
            if (size.chars().noneMatch(Character::isLetter)) {
                throw new TypeConversionException("no unit");
            }
            return DataSizes.parse(size);
        }
        catch (TypeConversionException e) {
            throw new TypeConversionException("'%s' is not a data rate: expected a number and a unit, such as 200MB/s or 1.5GB/s".formatted(value));
        }
    }
}
