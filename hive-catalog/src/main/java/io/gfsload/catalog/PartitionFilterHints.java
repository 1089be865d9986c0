package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What to tell a user whose partition filter the metastore refused, or that matched nothing,
 * where the metastore's own answer misleads. The metastore's filter grammar differs from SQL's:
 * {@code IN} follows a column only in parentheses ({@code (dt) IN ('a', 'b')}), a string key
 * compares with quoted values only, and {@code LIKE} takes a pattern that must match the whole
 * value ({@code '2026-11-1.*'}), not SQL's {@code %} and {@code _}, of which it evaluates only
 * {@code .}, {@code .*} and a leading {@code (?i)} of Java's regular-expression syntax.
 *
 * <p>Each hint carries the user's filter rewritten as an example; the filter itself is never
 * rewritten and sent. Stateless and thread-safe.
 */
public final class PartitionFilterHints {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "like", "between");
    /** A number with a fraction, which the metastore's grammar does not have: {@code 10.5}, {@code .5}. */
    private static final Pattern FRACTION = Pattern.compile("-?(\\d+\\.\\d*|\\.\\d+)");
    private static final Set<String> COMPARISONS = Set.of("=", "!=", "<>", "<", "<=", ">", ">=");

    private PartitionFilterHints() {}

    /**
     * For a filter the metastore cannot parse that has {@code IN (} after a bare column name
     * ({@code dt IN ('a')}, {@code dt NOT IN ('a')}): the metastore takes {@code IN} only after a
     * column in parentheses; the hint gives the filter with its columns so written.
     */
    public static Optional<String> unparsable(String filter) {
        requireNonNull(filter, "filter is null");
        List<Token> tokens = tokenize(filter);
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token column = tokens.get(i);
            if (!column.isColumn() || (i > 0 && (tokens.get(i - 1).is("(") || tokens.get(i - 1).isWord("not")))) {
                continue;
            }
            int in = i + 1 < tokens.size() && tokens.get(i + 1).isWord("not") ? i + 2 : i + 1;
            if (in + 1 < tokens.size() && tokens.get(in).isWord("in") && tokens.get(in + 1).is("(")) {
                edits.put(column.start(), new Edit(column.end(), "(" + column.text() + ")"));
            }
        }
        if (edits.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the metastore cannot parse it: it takes IN only after a column in parentheses, as in " + apply(filter, edits));
    }

    /**
     * For a filter the metastore cannot parse that compares a numeric key with a number with a
     * fraction ({@code x = 10.5}): its grammar has whole numbers only; the hint gives a range of
     * whole numbers, and for an equality on a {@code decimal}, {@code float} or {@code double} key
     * the {@code --partition} that names the partition.
     */
    public static Optional<String> fraction(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i < tokens.size(); i++) {
            Token number = tokens.get(i);
            // the comparison's operator, and its key on its other side
            int operator = i + 2 < tokens.size() && tokens.get(i + 1).isComparison() ? i + 1 : i >= 2 && tokens.get(i - 1).isComparison() ? i - 1 : -1;
            if (number.kind() != Kind.WORD || !FRACTION.matcher(number.text()).matches() || operator < 0) {
                continue;
            }
            String key = tokens.get(2 * operator - i).text();
            Optional<String> type = keyType(table, key).filter(PartitionSpec::isNumeric);
            if (type.isEmpty()) {
                continue;
            }
            BigDecimal floor = new BigDecimal(number.text()).setScale(0, RoundingMode.FLOOR);
            String range = "compare with whole numbers, as in %1$s > %2$s and %1$s < %3$s".formatted(key, floor, floor.add(BigDecimal.ONE));
            String problem = "the metastore cannot parse it: its filters have whole numbers only, and %s is not one".formatted(number.text());
            return Optional.of(tokens.get(operator).is("=") && !PartitionSpec.isInteger(type.get())
                    ? "%s: select the partition with %s, or %s".formatted(problem, partitionOption(table, key, number.text()), range)
                    : "%s: %s".formatted(problem, range));
        }
        return Optional.empty();
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string", or could not parse, that has a condition on a partition key of a type that no
     * metastore filters and gfsload does not compare either ({@code timestamp}, {@code boolean},
     * ...; {@code b = true} does not parse, the grammar having no booleans): no way of writing the
     * condition works. The hint names the key and its type, and says to select its partitions with
     * {@code --partition} (the one the filter names, for an equality) or to filter on another key.
     */
    public static Optional<String> keyOfUnfilterableType(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i < tokens.size(); i++) {
            Token key = tokens.get(i);
            Optional<String> type = key.isColumn() ? keyType(table, key.text()) : Optional.empty();
            if (type.isEmpty() || isFilterable(type.get())) {
                continue;
            }
            Optional<Token> value = i + 2 < tokens.size() && tokens.get(i + 1).is("=") ? Optional.of(tokens.get(i + 2))
                    : i >= 2 && tokens.get(i - 1).is("=") ? Optional.of(tokens.get(i - 2)) : Optional.empty();
            String example = value.filter(token -> token.isString() || token.kind() == Kind.WORD)
                    .map(token -> ", as in " + partitionOption(table, key.text(), token.isString() ? token.value() : token.text()))
                    .orElse("");
            return Optional.of("the partition key %s is of type %s, and the metastore cannot filter keys of that type (gfsload filters keys of type string, "
                    .formatted(key.text(), type.get()) + "date and numbers): select its partitions with --partition instead%s, or filter on another key"
                    .formatted(example));
        }
        return Optional.empty();
    }

    /** Whether a key of {@code type} is one that the metastore or gfsload filters: a string, a number or a date. */
    private static boolean isFilterable(String type) {
        String name = type.strip();
        return name.equals("string") || name.startsWith("varchar") || name.startsWith("char") || PartitionSpec.isNumeric(name) || PartitionSpec.isDate(name);
    }

    /**
     * {@code --partition} with {@code key}'s {@code value}, the keys before it written {@code ...}:
     * {@code --partition dt=.../b=true}; in quotes when it has a blank.
     */
    private static String partitionOption(TableInfo table, String key, String value) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (String partitionKey : table.partitionKeys()) {
            keys.add(partitionKey);
            if (partitionKey.equalsIgnoreCase(key)) {
                values.add(value);
                break;
            }
            values.add("...");
        }
        String spec = new PartitionSpec(keys, values).toPathName();
        return "--partition " + (spec.chars().anyMatch(Character::isWhitespace) ? "'" + spec + "'" : spec);
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" in which a partition key of type {@code string} is compared with an unquoted
     * number ({@code dt = 5}): the number is the problem; the hint gives the filter with such
     * numbers quoted.
     */
    public static Optional<String> numberForStringKey(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        List<String> keys = valuesOfKeys(tokens, name -> isStringKey(table, name), PartitionFilterHints::quoteNumber, edits);
        if (edits.isEmpty()) {
            return Optional.empty();
        }
        String subject = keys.size() == 1
                ? "the partition key %s is a string, and the filter compares it with a number".formatted(keys.get(0))
                : "the partition keys %s are strings, and the filter compares them with numbers".formatted(String.join(", ", keys));
        return Optional.of("%s: quote the value, as in %s".formatted(subject, apply(filter, edits)));
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" in which a partition key of type {@code string} is compared with a date without
     * quotes ({@code dt = 2026-11-21 or hr = 5}): its parser reads the value as a date, which it
     * compares with a {@code string} key as text only in the filter that takes no key of another
     * type; the hint gives the filter with such dates quoted.
     */
    public static Optional<String> dateForStringKey(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        List<String> keys = valuesOfKeys(tokenize(filter), name -> isStringKey(table, name), (token, edit) -> {
            if (token.kind() == Kind.WORD && isDate(token.text())) {
                edit.put(token.start(), new Edit(token.end(), "'" + token.text() + "'"));
            }
        }, edits);
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String subject = keys.size() == 1 ? "the partition key %s is a string, and the filter compares it with a date".formatted(keys.get(0))
                : "the partition keys %s are strings, and the filter compares them with dates".formatted(String.join(", ", keys));
        return Optional.of(("%s without quotes, which the metastore compares with a string as text only in a filter without a condition on a key "
                + "of another type than string: quote the value, as in %s").formatted(subject, apply(filter, edits)));
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" in which a numeric partition key ({@code int}, {@code decimal(10,2)}, ...) is compared
     * with a quoted number ({@code hr = '2'}): the quotes are the problem, whatever the message
     * says of strings; the hint names the key's type and gives the filter with those numbers
     * unquoted.
     */
    public static Optional<String> stringForNumericKey(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        List<String> keys = valuesOfKeys(tokens, name -> keyType(table, name).filter(PartitionSpec::isNumeric).isPresent(),
                PartitionFilterHints::unquoteNumber, edits);
        if (edits.isEmpty()) {
            return Optional.empty();
        }
        List<String> typed = keys.stream().map(key -> "%s (%s)".formatted(key, keyType(table, key).orElseThrow())).toList();
        String subject = keys.size() == 1
                ? "the partition key %s is a number, and the filter compares it with a quoted value".formatted(typed.get(0))
                : "the partition keys %s are numbers, and the filter compares them with quoted values".formatted(String.join(", ", typed));
        return Optional.of("%s: write the value without quotes, as in %s".formatted(subject, apply(filter, edits)));
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" in which a {@code date} partition key is compared with a value that is not a
     * date written {@code yyyy-MM-dd} ({@code d = '2026-13-45'}, {@code d = 'x'}): the metastore
     * compares a date key only with valid dates, whatever its message says of strings.
     */
    public static Optional<String> notADate(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        List<String> values = new ArrayList<>();
        List<String> keys = valuesOfKeys(tokens, name -> keyType(table, name).filter("date"::equals).isPresent(), (token, edits) -> {
            // a date without quotes is one: the metastore's parser reads it as a date
            if (!(token.isString() ? isDate(token.value()) : token.kind() == Kind.WORD && isDate(token.text()))) {
                values.add(token.text());
                edits.put(token.start(), new Edit(token.end(), token.text()));
            }
        }, new TreeMap<>());
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        String subject = keys.size() == 1 ? "the partition key %s is a date".formatted(keys.get(0))
                : "the partition keys %s are dates".formatted(String.join(", ", keys));
        return Optional.of("%s, and the metastore compares a date only with a valid date written 'yyyy-MM-dd' (as '2026-11-20'): %s %s not one"
                .formatted(subject, String.join(", ", values), values.size() == 1 ? "is" : "are"));
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" that has {@code LIKE} on a key of another type ({@code d like '2026-11.*'} of a
     * {@code date} key): the metastore evaluates {@code LIKE} only on {@code string} keys.
     */
    public static Optional<String> likeOnNonStringKey(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token key = tokens.get(i);
            if (!key.isColumn() || !tokens.get(i + 1).isWord("like")) {
                continue;
            }
            Optional<String> type = keyType(table, key.text());
            if (type.isEmpty() || type.get().equals("string")) {
                continue;
            }
            String example = type.get().equals("date")
                    ? "dates written 'yyyy-MM-dd', as in %1$s >= '2026-11-01' and %1$s < '2026-12-01'".formatted(key.text())
                    : PartitionSpec.isNumeric(type.get()) ? "numbers, as in %1$s >= 10 and %1$s < 20".formatted(key.text()) : "values of its type";
            return Optional.of("the partition key %s is of type %s, and the metastore evaluates LIKE only on keys of type string: compare it with %s"
                    .formatted(key.text(), type.get(), example));
        }
        return Optional.empty();
    }

    /**
     * For a filter the metastore refused with "Filtering is supported only on partition keys of
     * type string" that has {@code LIKE} on a {@code string} key and a condition on a key of
     * another type ({@code dt like '2026-11-2.*' and hr = 3}): the metastore evaluates a filter
     * with {@code LIKE} in a way that takes only string keys, so it cannot combine the two. A
     * {@code LIKE} whose pattern is a plain prefix and {@code .*} is given as a range on its key,
     * which it combines with any key.
     */
    public static Optional<String> likeWithNonStringKey(String filter, TableInfo table) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        List<Token> tokens = tokenize(filter);
        List<String> others = new ArrayList<>();
        List<String> likeKeys = new ArrayList<>();
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        boolean rewritable = true;
        boolean or = tokens.stream().anyMatch(token -> token.isWord("or"));
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (!token.isColumn()) {
                continue;
            }
            Optional<String> type = keyType(table, token.text());
            if (type.isEmpty()) {
                continue;
            }
            if (!type.get().equals("string")) {
                String typed = "%s (%s)".formatted(token.text(), type.get());
                if (!others.contains(typed)) {
                    others.add(typed);
                }
                continue;
            }
            if (i + 2 < tokens.size() && tokens.get(i + 1).isWord("like") && tokens.get(i + 2).isString()) {
                Token pattern = tokens.get(i + 2);
                if (!likeKeys.contains(token.text())) {
                    likeKeys.add(token.text());
                }
                Optional<String> range = prefixRange(token.text(), pattern.value(), or);
                if (range.isPresent() && (i == 0 || !tokens.get(i - 1).isWord("not"))) {
                    edits.put(token.start(), new Edit(pattern.end(), range.get()));
                }
                else {
                    rewritable = false;
                }
            }
        }
        if (likeKeys.isEmpty() || others.isEmpty()) {
            return Optional.empty();
        }
        String problem = "the metastore cannot combine LIKE with a condition on a key of another type than string, and the filter has LIKE on %s and a condition on %s"
                .formatted(String.join(", ", likeKeys), String.join(", ", others));
        if (rewritable) {
            return Optional.of("%s: write the LIKE as a range, as in %s, or load the partitions of each condition separately".formatted(problem, apply(filter, edits)));
        }
        return Optional.of("%s: write the LIKE as a range on %s (%s >= 'A' and %s < 'B'), or load the partitions of each condition separately"
                .formatted(problem, likeKeys.get(0), likeKeys.get(0), likeKeys.get(0)));
    }

    /** {@code key >= 'P' and key < 'Q'} for a pattern {@code P.*} of plain characters, {@code Q} being {@code P} with its last character the next one. */
    private static Optional<String> prefixRange(String key, String pattern, boolean parenthesize) {
        if (!pattern.endsWith(".*")) {
            return Optional.empty();
        }
        String prefix = pattern.substring(0, pattern.length() - 2);
        if (prefix.isEmpty() || prefix.chars().anyMatch(c -> ".*()[]{}|+?^$\\'\"".indexOf(c) >= 0) || prefix.charAt(prefix.length() - 1) == Character.MAX_VALUE) {
            return Optional.empty();
        }
        String next = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        String range = "%s >= '%s' and %s < '%s'".formatted(key, prefix, key, next);
        return Optional.of(parenthesize ? "(" + range + ")" : range);
    }

    private static boolean isDate(String value) {
        try {
            LocalDate.parse(value, DateTimeFormatter.ISO_LOCAL_DATE);
            return value.length() == "yyyy-MM-dd".length();
        }
        catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Walks the comparisons of the keys {@code isKey} accepts with values ({@code k = v}, {@code v
     * < k}, {@code k [not] between v and w}, {@code (k) [not] in (v, ...)}), handing each value to
     * {@code edit}; returns the keys of which a value was edited, in the filter's order.
     */
    private static List<String> valuesOfKeys(List<Token> tokens, Predicate<String> isKey, BiConsumer<Token, TreeMap<Integer, Edit>> edit,
            TreeMap<Integer, Edit> edits) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (!token.isColumn() || !isKey.test(token.text())) {
                continue;
            }
            int before = edits.size();
            if (i + 2 < tokens.size() && tokens.get(i + 1).isComparison()) {
                edit.accept(tokens.get(i + 2), edits);
            }
            if (i >= 2 && tokens.get(i - 1).isComparison()) {
                edit.accept(tokens.get(i - 2), edits);
            }
            int next = i + 1 < tokens.size() && tokens.get(i + 1).isWord("not") ? i + 2 : i + 1;
            if (next + 3 < tokens.size() && tokens.get(next).isWord("between") && tokens.get(next + 2).isWord("and")) {
                edit.accept(tokens.get(next + 1), edits);
                edit.accept(tokens.get(next + 3), edits);
            }
            if (i > 0 && tokens.get(i - 1).is("(") && i + 1 < tokens.size() && tokens.get(i + 1).is(")")) {
                int in = i + 2 < tokens.size() && tokens.get(i + 2).isWord("not") ? i + 3 : i + 2;
                if (in + 1 < tokens.size() && tokens.get(in).isWord("in") && tokens.get(in + 1).is("(")) {
                    for (int j = in + 2; j < tokens.size() && !tokens.get(j).is(")"); j++) {
                        edit.accept(tokens.get(j), edits);
                    }
                }
            }
            if (edits.size() > before && !keys.contains(token.text())) {
                keys.add(token.text());
            }
        }
        return keys;
    }

    /**
     * For a filter that matched no partition and has a {@code LIKE} pattern with SQL's wildcards
     * {@code %} or {@code _}: the metastore's {@code LIKE} takes a pattern that must match the
     * whole value, with {@code .} and {@code .*} as wildcards; the hint gives the filter with {@code %} as {@code .*} and {@code _}
     * as {@code .}. Else, for one with a quote escaped with a backslash in a value ({@code 'it\'s'}),
     * which the metastore's grammar has no way of: the hint gives the value in the other quotes.
     */
    public static Optional<String> noMatch(String filter) {
        requireNonNull(filter, "filter is null");
        List<Token> tokens = tokenize(filter);
        TreeMap<Integer, Edit> edits = new TreeMap<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token pattern = tokens.get(i + 1);
            if (tokens.get(i).isWord("like") && pattern.isString() && (pattern.text().contains("%") || pattern.text().contains("_"))) {
                edits.put(pattern.start(), new Edit(pattern.end(), pattern.text().replace("%", ".*").replace("_", ".")));
            }
        }
        if (edits.isEmpty()) {
            return escapedQuote(filter, false);
        }
        return Optional.of("the metastore's LIKE matches the whole value with . for any one character and .* for any characters, not SQL's _ and %%: try %s"
                .formatted(apply(filter, edits)));
    }

    /**
     * For a filter with a quote escaped in a value as SQL escapes it, doubled ({@code 'it''s'}): the
     * metastore's grammar has no escape for a quote, and its parser takes the value up to the
     * doubled quote ({@code it}) and ignores the rest of the filter, so that it would select other
     * partitions than the filter says. The hint gives the value in the other quotes ({@code "it's"}),
     * where it has none of those; refused before the metastore is asked.
     */
    public static Optional<String> doubledQuote(String filter) {
        requireNonNull(filter, "filter is null");
        return escapedQuote(filter, true);
    }

    /**
     * A quote escaped in a value, doubled ({@code 'it''s'}, which the tokenizer reads as two strings
     * side by side) or with a backslash ({@code 'it\'s'}, which the metastore takes as it is).
     */
    private static Optional<String> escapedQuote(String filter, boolean doubled) {
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i < tokens.size(); i++) {
            Token first = tokens.get(i);
            if (!first.isString()) {
                continue;
            }
            char quote = first.text().charAt(0);
            StringBuilder value = new StringBuilder(first.value());
            int last = i;
            while (last + 1 < tokens.size() && tokens.get(last + 1).isString() && tokens.get(last + 1).start() == tokens.get(last).end()
                    && tokens.get(last + 1).text().charAt(0) == quote) {
                last++;
                value.append(quote).append(tokens.get(last).value());
            }
            String meant = value.toString().replace("\\" + quote, String.valueOf(quote));
            char other = quote == '\'' ? '"' : '\'';
            if ((doubled ? last > i : !meant.contentEquals(value)) && meant.indexOf(other) < 0) {
                TreeMap<Integer, Edit> edits = new TreeMap<>();
                edits.put(first.start(), new Edit(tokens.get(last).end(), other + meant + other));
                String taken = doubled ? "its parser would take %s as the value %s and ignore the rest of the filter"
                        : "it takes %s as the value %s";
                return Optional.of(("the metastore's filters have no escape for a quote: " + taken + "; write a value with a %s in %s, as in %s")
                        .formatted(filter.substring(first.start(), tokens.get(last).end()), first.value(), quote, other == '"' ? "double quotes" : "single quotes",
                                apply(filter, edits)));
            }
            i = last;
        }
        return Optional.empty();
    }

    /**
     * For a filter the metastore cannot parse that has {@code not} before a condition ({@code not
     * (n = 1)}): its grammar takes {@code not} only in {@code not between} and {@code not in}. The
     * hint gives the negation of a comparison, which is the comparison with the opposite operator
     * ({@code n <> 1}), as SQL's null makes neither hold; the filter with it where {@code not}
     * negates one comparison.
     */
    public static Optional<String> notOfCondition(String filter) {
        requireNonNull(filter, "filter is null");
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i < tokens.size(); i++) {
            if (!tokens.get(i).isWord("not") || i + 1 < tokens.size() && (tokens.get(i + 1).isWord("between") || tokens.get(i + 1).isWord("in"))) {
                continue;
            }
            String problem = "the metastore cannot parse it: it takes NOT only in NOT BETWEEN and NOT IN; the negation of a comparison is the comparison "
                    + "with the opposite operator";
            boolean parenthesized = i + 1 < tokens.size() && tokens.get(i + 1).is("(");
            int start = parenthesized ? i + 2 : i + 1;
            int end = start + 3;
            boolean comparison = end <= tokens.size() && tokens.get(start + 1).isComparison() && (tokens.get(start).isColumn() || tokens.get(start + 2).isColumn())
                    && (!parenthesized || end < tokens.size() && tokens.get(end).is(")"));
            if (!comparison) {
                return Optional.of(problem + " (n <> 1 for not (n = 1), n >= 1 for not (n < 1)), and the negation of conditions joined by and (or) is their negations joined by or (and)");
            }
            Token operator = tokens.get(start + 1);
            TreeMap<Integer, Edit> edits = new TreeMap<>();
            edits.put(tokens.get(i).start(), new Edit(tokens.get(start).start(), ""));
            edits.put(operator.start(), new Edit(operator.end(), OPPOSITES.get(operator.text())));
            if (parenthesized) {
                edits.put(tokens.get(end - 1).end(), new Edit(tokens.get(end).end(), ""));
            }
            return Optional.of("%s, as in %s".formatted(problem, apply(filter, edits)));
        }
        return Optional.empty();
    }

    /** Each comparison's negation. */
    private static final Map<String, String> OPPOSITES = Map.of("=", "<>", "!=", "=", "<>", "=", "<", ">=", "<=", ">", ">", "<=", ">=", "<");

    /**
     * For a filter with a {@code LIKE} pattern that uses regular-expression syntax the metastore
     * does not evaluate: its {@code LIKE} (Hive's JDO filter, turned into SQL's {@code LIKE})
     * knows only {@code .} (any one character), {@code .*} (any characters) and a leading
     * {@code (?i)} (ignore case); every other character matches itself, so that {@code '[Uu]pper'},
     * {@code 'a|b'} or {@code 'a+'} would match nothing and pass for data that has not landed. The
     * message names the first pattern of the filter that does so, and what in it.
     */
    public static Optional<String> unsupportedLike(String filter) {
        requireNonNull(filter, "filter is null");
        List<Token> tokens = tokenize(filter);
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token pattern = tokens.get(i + 1);
            if (!tokens.get(i).isWord("like") || !pattern.isString()) {
                continue;
            }
            Optional<String> unsupported = unsupportedSyntax(pattern.value());
            if (unsupported.isPresent()) {
                return Optional.of(("the metastore's LIKE does not take %s, as in %s: it knows only . (any one character), .* (any characters) "
                        + "and a leading (?i) (ignore case) of Java's regular expressions, and takes every other character as itself, "
                        + "so that the filter would match nothing; for alternatives, write them with or, or as (key) in ('A', 'B')")
                        .formatted(unsupported.get(), pattern.text()));
            }
        }
        return Optional.empty();
    }

    /** What in a {@code LIKE} pattern the metastore does not evaluate ({@code character classes [ ]}), if anything. */
    private static Optional<String> unsupportedSyntax(String pattern) {
        String rest = pattern.startsWith("(?i)") ? pattern.substring("(?i)".length()) : pattern;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            switch (c) {
                case '[', ']' -> {
                    return Optional.of("character classes [ ]");
                }
                case '|' -> {
                    return Optional.of("alternatives |");
                }
                case '(', ')' -> {
                    return Optional.of(rest.startsWith("(?i)", i) ? "(?i) other than at the start" : "groups ( )");
                }
                case '{', '}' -> {
                    return Optional.of("repetitions { }");
                }
                case '+', '?' -> {
                    return Optional.of("the quantifier " + c);
                }
                case '*' -> {
                    if (i == 0 || rest.charAt(i - 1) != '.') {
                        return Optional.of("* other than after . (.*)");
                    }
                }
                case '^', '$' -> {
                    return Optional.of("anchors ^ $ (a pattern always matches the whole value)");
                }
                case '\\' -> {
                    return Optional.of("backslashes \\");
                }
                default -> {
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isStringKey(TableInfo table, String name) {
        return keyType(table, name).filter("string"::equals).isPresent();
    }

    /** The type of partition key {@code name}, in lower case, e.g. {@code int}; empty when the table has no such key. */
    private static Optional<String> keyType(TableInfo table, String name) {
        for (int i = 0; i < table.partitionKeys().size(); i++) {
            if (table.partitionKeys().get(i).equalsIgnoreCase(name)) {
                return Optional.of(table.partitionKeyTypes().get(i).toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    private static void unquoteNumber(Token token, TreeMap<Integer, Edit> edits) {
        if (token.isString() && token.text().length() >= 2 && NUMBER.matcher(token.text().substring(1, token.text().length() - 1)).matches()) {
            edits.put(token.start(), new Edit(token.end(), token.text().substring(1, token.text().length() - 1)));
        }
    }

    private static void quoteNumber(Token token, TreeMap<Integer, Edit> edits) {
        if (token.isNumber()) {
            edits.put(token.start(), new Edit(token.end(), "'" + token.text() + "'"));
        }
    }

    private static String apply(String filter, TreeMap<Integer, Edit> edits) {
        StringBuilder result = new StringBuilder();
        int at = 0;
        for (var edit : edits.entrySet()) {
            result.append(filter, at, edit.getKey()).append(edit.getValue().replacement());
            at = edit.getValue().end();
        }
        return result.append(filter.substring(at)).toString();
    }

    /** Words (names, numbers, unquoted dates), quoted strings, operators and punctuation, with where each is in the filter. */
    private static List<Token> tokenize(String filter) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < filter.length()) {
            char c = filter.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                i++;
                while (i < filter.length() && filter.charAt(i) != c) {
                    i += filter.charAt(i) == '\\' ? 2 : 1;
                }
                i = Math.min(i + 1, filter.length());
                tokens.add(new Token(Kind.STRING, filter.substring(start, i), start, i));
            }
            else if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.') {
                while (i < filter.length() && (Character.isLetterOrDigit(filter.charAt(i)) || "_-.".indexOf(filter.charAt(i)) >= 0)) {
                    i++;
                }
                tokens.add(new Token(Kind.WORD, filter.substring(start, i), start, i));
            }
            else if ("=!<>".indexOf(c) >= 0) {
                while (i < filter.length() && "=!<>".indexOf(filter.charAt(i)) >= 0) {
                    i++;
                }
                tokens.add(new Token(Kind.OPERATOR, filter.substring(start, i), start, i));
            }
            else {
                i++;
                tokens.add(new Token(Kind.OPERATOR, String.valueOf(c), start, i));
            }
        }
        return tokens;
    }

    private enum Kind { WORD, STRING, OPERATOR }

    private record Token(Kind kind, String text, int start, int end) {
        boolean is(String operator) {
            return kind == Kind.OPERATOR && text.equals(operator);
        }

        boolean isWord(String keyword) {
            return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
        }

        boolean isColumn() {
            return kind == Kind.WORD && IDENTIFIER.matcher(text).matches() && !KEYWORDS.contains(text.toLowerCase(Locale.ROOT));
        }

        boolean isNumber() {
            return kind == Kind.WORD && NUMBER.matcher(text).matches();
        }

        boolean isString() {
            return kind == Kind.STRING;
        }

        /** A string's text without its quotes; a string without its closing quote (the filter's end) without its opening one. */
        String value() {
            boolean closed = text.length() >= 2 && text.charAt(text.length() - 1) == text.charAt(0);
            return text.substring(1, closed ? text.length() - 1 : text.length());
        }

        boolean isComparison() {
            return kind == Kind.OPERATOR && COMPARISONS.contains(text);
        }
    }

    private record Edit(int end, String replacement) {}
}
