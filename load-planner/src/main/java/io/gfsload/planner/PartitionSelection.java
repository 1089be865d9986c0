package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
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
     */
    record Specs(List<PartitionSpec> specs) implements PartitionSelection {
        public Specs {
            specs = List.copyOf(requireNonNull(specs, "specs is null"));
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("specs is empty");
            }
        }

        @Override
        public String describe() {
            return String.join(", ", specs.stream().map(PartitionSpec::toPathName).toList());
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

    /** The {@code count} partitions with the greatest values, compared key by key as their types say; never Hive's default partition. */
    record Latest(int count) implements PartitionSelection {
        public Latest {
            if (count < 1) {
                throw new InvalidRequestException("Invalid --latest %d: must be at least 1".formatted(count));
            }
        }

        @Override
        public String describe() {
            return "latest " + count;
        }
    }

    /** A short description for reports, empty for {@link All}. */
    String describe();
}
