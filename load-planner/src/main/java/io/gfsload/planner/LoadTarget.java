package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import java.util.List;

/** What to load: partitions of a table, or UFS paths. */
public sealed interface LoadTarget {
    /**
     * Partitions of a Hive table.
     *
     * @param table the table
     * @param selection which partitions
     */
    record Table(TableName table, PartitionSelection selection) implements LoadTarget {
        public Table {
            requireNonNull(table, "table is null");
            requireNonNull(selection, "selection is null");
        }

        /** Partitions by spec; no specs means every partition. */
        public Table(TableName table, List<PartitionSpec> specs) {
            this(table, specs.isEmpty() ? new PartitionSelection.All() : new PartitionSelection.Specs(specs));
        }

        @Override
        public String describe() {
            String selected = selection.describe();
            return selected.isEmpty() ? table.toString() : table + " " + selected;
        }
    }

    /**
     * UFS files or directories, loaded recursively.
     *
     * @param paths Hadoop paths, e.g. {@code cosn://bucket/dir} or {@code /data/dir}
     */
    record Paths(List<String> paths) implements LoadTarget {
        public Paths {
            paths = List.copyOf(requireNonNull(paths, "paths is null"));
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("paths is empty");
            }
        }

        @Override
        public String describe() {
            return String.join(", ", paths);
        }
    }

    /** A short human description, e.g. {@code demo.events dt=2026-11-20}. */
    String describe();
}
