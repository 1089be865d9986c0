package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.UriCredentials;
import io.gfsload.catalog.PartitionSpec;
import io.gfsload.catalog.TableName;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

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

        @Override
        public String canonical() {
            String selected = selection.canonical();
            return selected.isEmpty() ? table.toString() : table + " " + selected;
        }
    }

    /**
     * UFS files or directories, loaded recursively.
     *
     * @param paths Hadoop paths, e.g. {@code cosn://bucket/dir} or {@code /data/dir}
     * @throws InvalidRequestException when a path carries user information
     *     ({@code cosn://id:key@bucket/dir}), which would put credentials into the cache's metadata,
     *     the reports and the logs; the message does not repeat them
     */
    record Paths(List<String> paths) implements LoadTarget {
        public Paths {
            paths = List.copyOf(requireNonNull(paths, "paths is null"));
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("paths is empty");
            }
            for (String path : paths) {
                Optional<String> hidden = UriCredentials.hidden(path);
                if (hidden.isPresent()) {
                    throw new InvalidRequestException("Credentials in a path are not accepted: %s; %s".formatted(hidden.get(), UriCredentials.whereTheyGo(path)));
                }
            }
        }

        @Override
        public String describe() {
            return String.join(", ", paths);
        }

        /**
         * The paths sorted, each once, joined with {@code ", "}; each ended with NUL, which no path
         * holds, when one of them holds {@code ", "}: {@code /d/a, /d/b} is one path apart from
         * the two {@code /d/a} and {@code /d/b}, and another job.
         */
        @Override
        public String canonical() {
            List<String> sorted = paths.stream().sorted().distinct().toList();
            return sorted.stream().anyMatch(path -> path.contains(", "))
                    ? sorted.stream().map(path -> path + "\0").collect(Collectors.joining())
                    : String.join(", ", sorted);
        }
    }

    /** A short human description, e.g. {@code demo.events dt=2026-11-20}. */
    String describe();

    /**
     * {@link #describe()} with the partitions or paths sorted, each once: what names the target in
     * a job id, so that the same partitions or paths given in another order, or one of them twice,
     * are the same job.
     */
    String canonical();
}
