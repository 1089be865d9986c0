package io.gfsload.catalog.thrift;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableInfo;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.hadoop.hive.metastore.PartFilterExprUtil;
import org.apache.hadoop.hive.metastore.api.MetaException;
import org.apache.hadoop.hive.metastore.parser.ExpressionTree.LeafNode;
import org.apache.hadoop.hive.metastore.parser.ExpressionTree.LogicalOperator;
import org.apache.hadoop.hive.metastore.parser.ExpressionTree.Operator;
import org.apache.hadoop.hive.metastore.parser.ExpressionTree.TreeNode;

/**
 * A partition filter on keys of type {@code string}, a numeric type or {@code date}, evaluated
 * on partition names as the metastore's direct SQL evaluates it: for the filters a metastore
 * refuses with "Filtering is supported only on partition keys of type string" although they are
 * valid (its JDO filter takes string keys only, and it falls back to it when its direct SQL is
 * turned off, {@code hive.metastore.try.direct.sql=false}, or fails: on PostgreSQL and MySQL its SQL
 * casts the values of every table at the key's position, and fails on another table's value that
 * is not a number or a date). A {@code decimal}, {@code float} or {@code double} key, which no
 * metastore filters (its direct SQL takes string, integer and date keys only), is compared as an
 * integer key is, as the number its partition's name writes ({@code x=10.00} is 10), as Hive's own
 * partition pruning compares it.
 *
 * <p>The filter is parsed with the metastore's own parser, so the grammar is the metastore's:
 * comparisons of a key with a value (either side), {@code [not] between}, {@code (key) [not] in},
 * {@code and}, {@code or} and parentheses; its numbers are whole numbers. Only such filters are
 * taken, and only when each value is of its key's type: a quoted string for a {@code string} key
 * (compared as text), a number for a numeric key (compared as a number: {@code hr=10} after
 * {@code hr=2}), a valid date, written {@code 'yyyy-MM-dd'} or without quotes ({@code 2026-11-20},
 * which the metastore's parser reads as a date), for a {@code date} key (compared as a date). A
 * filter with {@code like}, on a key of another type, or with a value of another type is not taken:
 * the metastore's refusal of it stands. Hive's default partition (the rows whose key is null,
 * named by the metastore's {@code hive.exec.default.partition.name}, {@code __HIVE_DEFAULT_PARTITION__}
 * unless set otherwise) compares as SQL's null, as in the metastore's direct SQL for an integer or
 * date key and in Hive's own partition pruning for every key: no comparison with it holds, nor its
 * negation ({@code hr != 3}, {@code dt != '2026-11-20'}), though {@code or} with a condition that
 * holds does. A {@code string} key compared with that name itself
 * ({@code dt = '__HIVE_DEFAULT_PARTITION__'}) is compared as text, as the metastore compares it:
 * that selects the default partition by name.
 *
 * <p>{@link #parseAll} takes the rest of the metastore's grammar too, {@code like} on a
 * {@code string} key and dates written without quotes ({@code d = 2026-11-20}), to tell which of
 * the partitions a metastore selected by such a filter are default partitions that it matched as
 * text.
 *
 * <p>Immutable and thread-safe.
 */
final class TypedFilter {
    /** The operators of the metastore's grammar but LIKE, which its direct SQL does not evaluate either. */
    private static final Set<String> COMPARISONS = Set.of("=", "!=", "<>", "<", "<=", ">", ">=");

    private enum Type { STRING, NUMBER, DATE }

    /** A node of the filter: a comparison, a {@code like}, or two nodes joined by {@code and} or {@code or}. */
    private sealed interface Node permits Comparison, Like, Junction {
        /**
         * Whether the node holds for {@code values}: true, false, or null (unknown, as SQL's null),
         * a value named {@code defaultPartitionName} being null.
         */
        Boolean test(List<String> values, String defaultPartitionName);
    }

    private record Junction(Node left, boolean and, Node right) implements Node {
        @Override
        public Boolean test(List<String> values, String defaultPartitionName) {
            Boolean left = this.left.test(values, defaultPartitionName);
            if (left != null && left != and) {
                // false and ..., true or ...
                return left;
            }
            Boolean right = this.right.test(values, defaultPartitionName);
            if (right != null && right != and) {
                return right;
            }
            return left == null || right == null ? null : and;
        }
    }

    /** {@code key OPERATOR value}, the value on the right side. */
    private record Comparison(int key, Type type, String operator, Comparable<Object> value) implements Node {
        @Override
        public Boolean test(List<String> values, String defaultPartitionName) {
            if (key >= values.size() || isNull(values.get(key), value, defaultPartitionName)) {
                return null;
            }
            Comparable<Object> actual = typedValue(type, values.get(key));
            if (actual == null) {
                return null;
            }
            int c = actual.compareTo(value);
            return switch (operator) {
                case "=" -> c == 0;
                case "!=", "<>" -> c != 0;
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case ">=" -> c >= 0;
                default -> throw new IllegalStateException("Unexpected operator: " + operator);
            };
        }
    }

    /**
     * {@code key like 'PATTERN'} on a {@code string} key: the pattern matches the whole value, with
     * {@code .} for any one character, {@code .*} for any characters and a leading {@code (?i)} to
     * ignore case, as the metastore's {@code like} matches (a filter with other syntax is refused
     * before the metastore is asked).
     */
    private record Like(int key, Pattern pattern) implements Node {
        @Override
        public Boolean test(List<String> values, String defaultPartitionName) {
            if (key >= values.size() || isNull(values.get(key), null, defaultPartitionName)) {
                return null;
            }
            return pattern.matcher(values.get(key)).matches();
        }
    }

    /**
     * Whether a partition's {@code value} is SQL's null when compared with {@code operand}: Hive's
     * default partition, {@code defaultPartitionName}, is, but compared with its own name
     * ({@code dt = '__HIVE_DEFAULT_PARTITION__'}).
     */
    private static boolean isNull(String value, Object operand, String defaultPartitionName) {
        return value.equals(defaultPartitionName) && !defaultPartitionName.equals(operand);
    }

    private final String filter;
    private final Node root;
    private final String defaultPartitionName;

    private TypedFilter(String filter, Node root, String defaultPartitionName) {
        this.filter = filter;
        this.root = root;
        this.defaultPartitionName = defaultPartitionName;
    }

    /**
     * The filter on {@code table}'s partitions, or empty when it is not one this class evaluates:
     * the metastore cannot parse it, it has {@code like}, a key that is not one of the table's
     * partition keys or not of type {@code string}, a numeric type or {@code date}, or a value not
     * of its key's type (a number or a date without quotes for a {@code string} key, a quoted value
     * for a numeric key, anything but a valid date for a {@code date} key). A value named
     * {@code defaultPartitionName}, the metastore's {@code hive.exec.default.partition.name}, is
     * Hive's default partition.
     */
    static Optional<TypedFilter> parse(String filter, TableInfo table, String defaultPartitionName) {
        return parse(filter, table, defaultPartitionName, false);
    }

    /**
     * As {@link #parse}, taking besides {@code like} on a {@code string} key and a date written
     * without quotes ({@code 2026-11-20}, which the metastore's parser reads as a date) for a
     * {@code string} key (as its text): every filter the metastore evaluates on keys of the types
     * this class takes.
     */
    static Optional<TypedFilter> parseAll(String filter, TableInfo table, String defaultPartitionName) {
        return parse(filter, table, defaultPartitionName, true);
    }

    private static Optional<TypedFilter> parse(String filter, TableInfo table, String defaultPartitionName, boolean all) {
        requireNonNull(filter, "filter is null");
        requireNonNull(table, "table is null");
        requireNonNull(defaultPartitionName, "defaultPartitionName is null");
        TreeNode root;
        try {
            root = PartFilterExprUtil.getFilterParser(filter).tree.getRoot();
        }
        catch (MetaException | RuntimeException e) {
            // not parsable, or a number out of the range of a long (NumberFormatException)
            return Optional.empty();
        }
        if (root == null) {
            return Optional.empty();
        }
        return node(root, table, all).map(node -> new TypedFilter(filter, node, defaultPartitionName));
    }

    /** Whether the partition {@code spec} (of all the table's keys) matches the filter. */
    boolean matches(PartitionSpec spec) {
        requireNonNull(spec, "spec is null");
        return Boolean.TRUE.equals(root.test(spec.values(), defaultPartitionName));
    }

    @Override
    public String toString() {
        return filter;
    }

    private static Optional<Node> node(TreeNode node, TableInfo table, boolean all) {
        if (node instanceof LeafNode leaf) {
            return comparison(leaf, table, all);
        }
        if (node.getLhs() == null || node.getRhs() == null || node.getAndOr() == null) {
            return Optional.empty();
        }
        Optional<Node> left = node(node.getLhs(), table, all);
        Optional<Node> right = node(node.getRhs(), table, all);
        if (left.isEmpty() || right.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Junction(left.get(), node.getAndOr() == LogicalOperator.AND, right.get()));
    }

    private static Optional<Node> comparison(LeafNode leaf, TableInfo table, boolean all) {
        int key = -1;
        for (int i = 0; i < table.partitionKeys().size(); i++) {
            if (table.partitionKeys().get(i).equalsIgnoreCase(leaf.keyName)) {
                key = i;
                break;
            }
        }
        if (key < 0 || leaf.operator == null) {
            return Optional.empty();
        }
        String operator = leaf.operator.getOp();
        // a varchar key's values are strings, as the metastore's direct SQL compares them
        String keyType = table.partitionKeyTypes().get(key).toLowerCase(Locale.ROOT).strip().replaceFirst("^varchar\\(\\s*\\d+\\s*\\)$", "string");
        // a date without quotes: a date key's, as the metastore's direct SQL takes it; a string key's as its text, as its JDO filter
        // takes it, which combines it with no key of another type
        Object operand = leaf.value instanceof java.sql.Date date && (PartitionSpec.isDate(keyType) || all && keyType.equals("string"))
                ? date.toLocalDate().toString()
                : leaf.value;
        if (!COMPARISONS.contains(operator)) {
            // LIKE
            return all && leaf.operator == Operator.LIKE && keyType.equals("string") && operand instanceof String pattern
                    ? like(key, pattern)
                    : Optional.empty();
        }
        Type type;
        Comparable<Object> value;
        if (keyType.equals("string") && operand instanceof String text) {
            type = Type.STRING;
            value = typedValue(type, text);
        }
        else if (PartitionSpec.isNumeric(keyType) && operand instanceof Long number) {
            type = Type.NUMBER;
            value = typedValue(type, number.toString());
        }
        else if (PartitionSpec.isDate(keyType) && operand instanceof String text && text.length() == "yyyy-MM-dd".length()) {
            type = Type.DATE;
            value = typedValue(type, text);
        }
        else {
            return Optional.empty();
        }
        if (value == null) {
            // not a valid date
            return Optional.empty();
        }
        // "3 <= hr" is "hr >= 3"
        if (leaf.isReverseOrder) {
            operator = switch (operator) {
                case "<" -> ">";
                case "<=" -> ">=";
                case ">" -> "<";
                case ">=" -> "<=";
                default -> operator;
            };
        }
        return Optional.of(new Comparison(key, type, operator, value));
    }

    private static Optional<Node> like(int key, String pattern) {
        try {
            return Optional.of(new Like(key, Pattern.compile(pattern)));
        }
        catch (PatternSyntaxException e) {
            // not a pattern the metastore's like evaluates: refused before it is asked
            return Optional.empty();
        }
    }

    /**
     * A partition value (or a filter's value) as its key's type compares it; null for a value not
     * of that type, Hive's default partition of a numeric or date key among them, which the
     * metastore's direct SQL takes as null.
     */
    @SuppressWarnings("unchecked")
    private static Comparable<Object> typedValue(Type type, String text) {
        Comparable<?> value = switch (type) {
            case STRING -> text;
            case NUMBER -> {
                try {
                    yield new BigDecimal(text);
                }
                catch (NumberFormatException e) {
                    yield null;
                }
            }
            case DATE -> {
                try {
                    yield text.length() == "yyyy-MM-dd".length() ? LocalDate.parse(text, DateTimeFormatter.ISO_LOCAL_DATE) : null;
                }
                catch (DateTimeParseException e) {
                    yield null;
                }
            }
        };
        return (Comparable<Object>) value;
    }
}
