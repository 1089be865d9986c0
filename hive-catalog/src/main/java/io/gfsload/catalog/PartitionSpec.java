package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A partition specification: ordered {@code key=value} pairs, written {@code k=v[/k2=v2]} as in
 * a partition's directory name. Values may be escaped the way Hive escapes path names
 * ({@code %2F} for {@code /}).
 *
 * @param keys partition key names, lower-case
 * @param values the values, unescaped, one per key
 */
public record PartitionSpec(List<String> keys, List<String> values) {
    /**
     * The value Hive gives a partition key whose value is null (or empty), its default partition,
     * unless {@code hive.exec.default.partition.name} names it otherwise: that setting's default.
     * A metastore's own name is {@link HiveCatalog#defaultPartitionName()}.
     */
    public static final String DEFAULT_PARTITION_VALUE = "__HIVE_DEFAULT_PARTITION__";

    public static final String SYNTAX = "key=value[/key2=value2...], e.g. dt=2026-11-20 or dt=2026-11-20/hr=3";

    public PartitionSpec {
        keys = List.copyOf(requireNonNull(keys, "keys is null"));
        values = List.copyOf(requireNonNull(values, "values is null"));
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("keys and values differ in size: %s vs %s".formatted(keys, values));
        }
    }

    /**
     * Parses {@code k=v[/k2=v2]} as a user types it: blanks around a value are the spec's, and a
     * quoted value is refused with the spec to write instead.
     *
     * @throws InvalidInputException naming the spec and the expected syntax when it is malformed
     */
    public static PartitionSpec parse(String spec) {
        return parse(spec, true);
    }

    /**
     * Parses a partition name as the metastore gives it ({@code k=v[/k2=v2]}, values escaped as in
     * directory names): its values as they are, blanks and quotes included.
     *
     * @throws InvalidInputException when it is malformed
     */
    public static PartitionSpec parseName(String name) {
        return parse(name, false);
    }

    private static PartitionSpec parse(String spec, boolean typed) {
        requireNonNull(spec, "spec is null");
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        if (spec.isBlank()) {
            throw malformed(spec, "it is empty");
        }
        List<String> parts = List.of(spec.split("/", -1));
        if (parts.stream().anyMatch(String::isBlank)) {
            // dt=2026-11-20/, a directory's name as a shell completes it: say so rather than that '' has no '='
            List<String> written = parts.stream().filter(part -> !part.isBlank()).map(String::strip).toList();
            throw malformed(spec, written.isEmpty() ? "it has no key=value"
                    : "it has an empty part (a '/' at its start or end, or '//'): write " + String.join("/", written));
        }
        for (String part : parts) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw malformed(spec, "'%s' has no '='".formatted(part));
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            // "dt = 2026-11-20": the blanks around '=' are the spec's, not the value's
            String value = typed ? part.substring(eq + 1).strip() : part.substring(eq + 1);
            if (key.isEmpty()) {
                throw malformed(spec, "'%s' has no key".formatted(part));
            }
            if (value.isEmpty()) {
                throw malformed(spec, "'%s' has no value".formatted(part));
            }
            if (typed && value.length() >= 2 && (value.charAt(0) == '\'' || value.charAt(0) == '"') && value.charAt(value.length() - 1) == value.charAt(0)) {
                throw malformed(spec, "the quotes of %s are not part of the value: write %s=%s".formatted(value, key, value.substring(1, value.length() - 1)));
            }
            if (keys.contains(key)) {
                throw malformed(spec, "key '%s' appears twice".formatted(key));
            }
            keys.add(key);
            values.add(unescape(spec, value));
        }
        return new PartitionSpec(keys, values);
    }

    private static InvalidInputException malformed(String spec, String why) {
        return new InvalidInputException("Invalid partition spec '%s': %s; expected %s".formatted(spec, why, SYNTAX));
    }

    private static String unescape(String spec, String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && isHex(value.charAt(i + 1)) && isHex(value.charAt(i + 2))) {
                out.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            }
            else if (c == '%') {
                throw malformed(spec, "'%s' has an invalid escape".formatted(value));
            }
            else {
                // a whole code point: a letter outside the basic plane (an emoji) is two chars, neither of them UTF-8 alone
                int codePoint = value.codePointAt(i);
                out.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    /** Hive's numeric types: their partition values compare as numbers. */
    private static final java.util.Set<String> NUMERIC_TYPES = java.util.Set.of("tinyint", "smallint", "int", "integer", "bigint", "float", "double",
            "decimal");

    /**
     * Specs by their values, then fewer keys first. The value of a key of a numeric type
     * ({@code types}, one per key: int, bigint, decimal(10,2), ...) compares as a number, a value
     * that is not one (Hive's default partition) after the numbers. The value of a key of another
     * type ({@code string}, {@code varchar}, {@code date}) compares as text, but for whole numbers
     * (digits, a leading minus or not: {@code hr=9} of a {@code string} key), which compare as
     * numbers, before every other value: {@code 9} before {@code 10}, {@code 09} before
     * {@code 10} as text has them, and in a key that writes some with leading zeros and some
     * without, {@code 09} before {@code 10} still. Numbers before the other values keeps the order
     * total (a number compared with text as text, {@code 1a} would come after {@code 10} and
     * before {@code 9}), and is the order of text where the other values start with a letter.
     */
    public static java.util.Comparator<PartitionSpec> byValues(List<String> types) {
        requireNonNull(types, "types is null");
        boolean[] numeric = new boolean[types.size()];
        for (int i = 0; i < numeric.length; i++) {
            numeric[i] = isNumeric(types.get(i));
        }
        return (a, b) -> {
            for (int i = 0; i < Math.min(a.values.size(), b.values.size()); i++) {
                int c = i < numeric.length && numeric[i] ? compareNumbers(a.values.get(i), b.values.get(i)) : compareText(a.values.get(i), b.values.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a.values.size(), b.values.size());
        };
    }

    /** Whether {@code type}, a Hive type ({@code int}, {@code decimal(10,2)}, {@code string}), is a number's. */
    public static boolean isNumeric(String type) {
        String name = type.toLowerCase(java.util.Locale.ROOT).strip();
        int parenthesis = name.indexOf('(');
        return NUMERIC_TYPES.contains(parenthesis < 0 ? name : name.substring(0, parenthesis).strip());
    }

    /** Hive's integer types: a partition value of one is written without a sign or leading zeros ({@code hr=3}). */
    private static final java.util.Set<String> INTEGER_TYPES = java.util.Set.of("tinyint", "smallint", "int", "integer", "bigint");

    /** Whether {@code type}, a Hive type, is an integer's ({@code tinyint}, {@code smallint}, {@code int}, {@code bigint}). */
    public static boolean isInteger(String type) {
        return INTEGER_TYPES.contains(type.toLowerCase(java.util.Locale.ROOT).strip());
    }

    /** Whether {@code type}, a Hive type, is {@code date}, whose partition values are written {@code yyyy-MM-dd}. */
    public static boolean isDate(String type) {
        return type.toLowerCase(java.util.Locale.ROOT).strip().equals("date");
    }

    /**
     * Whether {@code value} can be the value of a numeric key: a number, or Hive's default
     * partition, named {@code defaultPartitionName} ({@link HiveCatalog#defaultPartitionName()}).
     */
    public static boolean fitsNumericKey(String value, String defaultPartitionName) {
        requireNonNull(defaultPartitionName, "defaultPartitionName is null");
        return number(value) != null || value.equals(defaultPartitionName);
    }

    /**
     * Whether a value of this spec is null: Hive's default partition, where rows without a value
     * of a key go, at any level, named {@code defaultPartitionName}: the metastore's
     * {@code hive.exec.default.partition.name} ({@link HiveCatalog#defaultPartitionName()}),
     * {@code __HIVE_DEFAULT_PARTITION__} unless set otherwise.
     */
    public boolean hasNullValue(String defaultPartitionName) {
        requireNonNull(defaultPartitionName, "defaultPartitionName is null");
        return values.contains(defaultPartitionName);
    }

    private static int compareNumbers(String a, String b) {
        java.math.BigDecimal x = number(a);
        java.math.BigDecimal y = number(b);
        if (x != null && y != null) {
            int c = x.compareTo(y);
            // 1.0 and 1.00 are one number, two partitions: their text decides
            return c != 0 ? c : a.compareTo(b);
        }
        if (x == null && y == null) {
            return a.compareTo(b);
        }
        return x == null ? 1 : -1;
    }

    /** Values of a key that is not numeric: whole numbers as numbers, before the other values, which compare as text. */
    private static int compareText(String a, String b) {
        boolean x = isWholeNumber(a);
        boolean y = isWholeNumber(b);
        if (x && y) {
            int c = compareWholeNumbers(a, b);
            // 9 and 09 are one number, two partitions: their text decides
            return c != 0 ? c : a.compareTo(b);
        }
        if (x != y) {
            return x ? -1 : 1;
        }
        return a.compareTo(b);
    }

    /** Whether {@code value} is digits, after a minus or not: {@code 9}, {@code 09}, {@code -3}. */
    private static boolean isWholeNumber(String value) {
        int start = value.startsWith("-") ? 1 : 0;
        if (value.length() == start) {
            return false;
        }
        for (int i = start; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Two {@link #isWholeNumber whole numbers} by value, of any length, without parsing them. */
    private static int compareWholeNumbers(String a, String b) {
        int x = signum(a);
        int y = signum(b);
        if (x != y) {
            return Integer.compare(x, y);
        }
        int c = compareMagnitudes(a, b);
        return x < 0 ? -c : c;
    }

    private static int signum(String wholeNumber) {
        int first = firstSignificantDigit(wholeNumber);
        if (first == wholeNumber.length()) {
            return 0;
        }
        return wholeNumber.charAt(0) == '-' ? -1 : 1;
    }

    private static int compareMagnitudes(String a, String b) {
        int i = firstSignificantDigit(a);
        int j = firstSignificantDigit(b);
        int c = Integer.compare(a.length() - i, b.length() - j);
        if (c != 0) {
            return c;
        }
        for (; i < a.length(); i++, j++) {
            if (a.charAt(i) != b.charAt(j)) {
                return Character.compare(a.charAt(i), b.charAt(j));
            }
        }
        return 0;
    }

    /** The index of the first digit other than a leading zero; the length when the number is zero. */
    private static int firstSignificantDigit(String wholeNumber) {
        int i = wholeNumber.charAt(0) == '-' ? 1 : 0;
        while (i < wholeNumber.length() && wholeNumber.charAt(i) == '0') {
            i++;
        }
        return i;
    }

    private static java.math.BigDecimal number(String value) {
        try {
            return new java.math.BigDecimal(value.strip());
        }
        catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether this spec's keys are the first keys of {@code partitionKeys}, in order. */
    public boolean isPrefixOf(List<String> partitionKeys) {
        return keys.size() <= partitionKeys.size() && partitionKeys.subList(0, keys.size()).equals(keys);
    }

    /**
     * Whether this spec names {@code partition}, or leading keys of it with exactly its values
     * ({@code region=us} selects {@code region=us/dt=2026-11-20}, not {@code region=us-east/...}).
     */
    public boolean selects(PartitionSpec partition) {
        int n = keys.size();
        return n <= partition.keys.size() && partition.keys.subList(0, n).equals(keys) && partition.values.subList(0, n).equals(values);
    }

    /** The spec in {@code k=v/k2=v2} form, with values escaped as Hive names directories. */
    public String toPathName() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(keys.get(i)).append('=').append(escape(values.get(i)));
        }
        return out.toString();
    }

    /**
     * Hive's escaping of a value in a partition's name ({@code FileUtils.escapePathName}): ASCII
     * control characters and the punctuation below become {@code %XX}; every other character,
     * letters outside ASCII included ({@code city=北京}), stays as it is. The metastore names
     * partitions so, and finds them by those names only.
     */
    private static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || "\"#%'*/:=?\\{[]^".indexOf(c) >= 0) {
                out.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
            }
            else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return toPathName();
    }
}
