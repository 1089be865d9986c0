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
 * @param error why the partition's location could not be listed (its files unknown, none
 *     loaded), or {@code null}
 */
public record PartitionReport(String name, LoadTotals totals, List<FileReport> files, String error) implements Serializable {
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
        return new PartitionReport(name, LoadTotals.ofFiles(files, bytesAlreadyCached), files, null);
    }

    /** The report of a partition whose location could not be listed, and why. */
    public static PartitionReport unlisted(String name, String error) {
        return new PartitionReport(name, LoadTotals.ofFiles(List.of(), 0).withPartitionFailed(), List.of(), requireNonNull(error, "error is null"));
    }

    /** The report of {@code partition}'s files: {@link #unlisted} when it could not be listed. */
    static PartitionReport of(io.gfsload.planner.PartitionLoad partition, List<FileReport> files) {
        return partition.listed()
                ? of(partition.name(), files, partition.files().stream().mapToLong(io.gfsload.planner.FileLoad::cachedBytes).sum())
                : unlisted(partition.name(), partition.listingError());
    }

    /** This partition with {@code files} instead of its files (after a commit, a check or a restore), the same bytes already cached. */
    public PartitionReport withFiles(List<FileReport> files) {
        return error != null ? this : of(name, files, totals.bytesAlreadyCached());
    }
}
