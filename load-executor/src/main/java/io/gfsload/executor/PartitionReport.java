package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.List;

/**
 * What happened to the files of one partition (or path).
 *
 * @param name the partition name or path
 * @param totals the sums over {@code files}, as {@link LoadReport#totals()} over all partitions
 * @param files one report per file, in plan order
 */
public record PartitionReport(String name, LoadTotals totals, List<FileReport> files) implements Serializable {
    public PartitionReport {
        requireNonNull(name, "name is null");
        requireNonNull(totals, "totals is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        if (totals.files() != files.size()) {
            throw new IllegalArgumentException("totals of %s count %d files, not %d".formatted(name, totals.files(), files.size()));
        }
    }

    /**
     * The report of {@code files}.
     *
     * @param bytesAlreadyCached bytes of the partition's blocks that were cached before the load
     */
    public static PartitionReport of(String name, List<FileReport> files, long bytesAlreadyCached) {
        return new PartitionReport(name, LoadTotals.ofFiles(files, bytesAlreadyCached), files);
    }

    /** This partition with {@code files} instead of its files (after a commit, a check or a restore), the same bytes already cached. */
    public PartitionReport withFiles(List<FileReport> files) {
        return of(name, files, totals.bytesAlreadyCached());
    }
}
