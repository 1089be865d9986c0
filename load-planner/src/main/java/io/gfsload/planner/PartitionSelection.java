package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import java.util.LinkedHashSet;
import java.util.List;

/** Which partitions of a table to load. */
public sealed interface PartitionSelection {
    /** Every partition; the whole table when it is not partitioned. */
    record All() implements PartitionSelection {
        @Override
        public String describe() {
            return "";
        }
    }

    /**
     * Partitions by spec. A spec naming every partition key selects one partition; a spec naming
     * the leading keys ({@code dt=2026-11-20} of a {@code dt, hr} table) selects all under it.
     * A spec given twice is kept once, where it was first given.
     */
    record Specs(List<PartitionSpec> specs) implements PartitionSelection {
        public Specs {
            specs = List.copyOf(new LinkedHashSet<>(requireNonNull(specs, "specs is null")));
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("specs is empty");
            }
        }

        @Override
        public String describe() {
            return String.join(", ", specs.stream().map(PartitionSpec::toPathName).toList());
        }

        @Override
        public String canonical() {
            return String.join(", ", specs.stream().map(PartitionSpec::toPathName).sorted().toList());
        }
    }

    /** Partitions matching a filter the metastore evaluates, e.g. {@code dt >= '2026-11-01'}. */
    record Filter(String expression) implements PartitionSelection {
        public Filter {
            requireNonNull(expression, "expression is null");
            if (expression.isBlank()) {
                throw new InvalidRequestException("Invalid --where: the filter is empty");
            }
        }

        @Override
        public String describe() {
            return "where " + expression;
        }
    }

    /**
     * The {@code count} partitions with the greatest values, compared key by key as their types
     * say, among those {@code among} selects: every partition, the partitions of specs
     * ({@code region=us} of a {@code region, dt} table: the latest days of region us), or those
     * matching a filter. Never Hive's default partition.
     */
    record Latest(int count, PartitionSelection among) implements PartitionSelection {
        public Latest {
            if (count < 1) {
                throw new InvalidRequestException("Invalid --latest %d: must be at least 1".formatted(count));
            }
            requireNonNull(among, "among is null");
            if (among instanceof Latest) {
                throw new IllegalArgumentException("the latest partitions among the latest: " + among);
            }
        }

        /** The latest {@code count} of every partition. */
        public Latest(int count) {
            this(count, new All());
        }

        @Override
        public String describe() {
            return "latest " + count + amongDescription();
        }

        @Override
        public String canonical() {
            return "latest " + count + described(among.canonical());
        }

        /**
         * Which partitions the latest are chosen among, as it reads after "partitions": empty for
         * every partition, {@code " of region=us"}, {@code " where region = 'eu'"}.
         */
        public String amongDescription() {
            return described(among.describe());
        }

        private String described(String selected) {
            return selected.isEmpty() ? "" : among instanceof Filter ? " " + selected : " of " + selected;
        }
    }

    /** A short description for reports, empty for {@link All}. */
    String describe();

    /**
     * {@link #describe()} in an order that does not depend on the order the partitions were
     * given in: the same selection given in another order is the same.
     */
    default String canonical() {
        return describe();
    }
}
