package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.List;

/**
 * The selected partitions of a table that the metastore dropped while the plan was made: listed
 * by name, then gone when they were read, or read, then gone when their locations were listed
 * (dropped with their data). They are in no count of the plan, and not failures: the table no
 * longer has them.
 *
 * @param names their names ({@code dt=2026-11-18}), sorted as the table sorts its partitions
 * @param warning the line that says so, and for {@code --latest N} what was planned instead:
 *     {@code 1 selected partition was dropped from the metastore during planning, not
 *     planned: dt=2026-11-18; planned dt=2026-11-17 instead: the latest 3 partitions the table has now}
 */
public record DroppedPartitions(List<String> names, String warning) implements Serializable {
    public DroppedPartitions {
        names = List.copyOf(requireNonNull(names, "names is null"));
        requireNonNull(warning, "warning is null");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no partition dropped: " + warning);
        }
    }
}
