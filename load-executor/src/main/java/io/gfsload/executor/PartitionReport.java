package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.planner.PartitionLoad;
import io.gfsload.planner.UnlistedDirectory;
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
 * @param unlistedDirectories the directories below the partition's location that could not be
 *     listed, and why: their files are unknown and none was loaded, the files beside them were
 *     (the totals count them as {@link LoadTotals#directoriesFailed()})
 * @param locationMissing whether the partition's location does not exist ({@code error} says so):
 *     a partition of a table that the metastore has and the UFS has no data for, not landed yet
 *     or moved away; counted in {@link LoadTotals#partitionsFailed()}
 */
public record PartitionReport(String name, LoadTotals totals, List<FileReport> files, String error, List<UnlistedDirectory> unlistedDirectories,
        boolean locationMissing) implements Serializable {
    public PartitionReport {
        requireNonNull(name, "name is null");
        requireNonNull(totals, "totals is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        unlistedDirectories = List.copyOf(requireNonNull(unlistedDirectories, "unlistedDirectories is null"));
        if (totals.files() != files.size()) {
            throw new IllegalArgumentException("totals of %s count %d files, not %d".formatted(name, totals.files(), files.size()));
        }
        if (totals.directoriesFailed() != unlistedDirectories.size()) {
            throw new IllegalArgumentException("totals of %s count %d directories not listed, not %d"
                    .formatted(name, totals.directoriesFailed(), unlistedDirectories.size()));
        }
        if (locationMissing && error == null) {
            throw new IllegalArgumentException("a partition whose location does not exist has an error: " + name);
        }
    }

    public PartitionReport(String name, LoadTotals totals, List<FileReport> files, String error, List<UnlistedDirectory> unlistedDirectories) {
        this(name, totals, files, error, unlistedDirectories, false);
    }

    /** The report of {@code files}, its totals their sums. */
    public static PartitionReport of(String name, List<FileReport> files) {
        return of(name, files, List.of());
    }

    private static PartitionReport of(String name, List<FileReport> files, List<UnlistedDirectory> unlistedDirectories) {
        return new PartitionReport(name, LoadTotals.ofFiles(files).withDirectoriesFailed(unlistedDirectories.size()), files, null, unlistedDirectories);
    }

    /** The report of a partition whose location could not be listed, and why. */
    public static PartitionReport unlisted(String name, String error) {
        return unlisted(name, error, false);
    }

    private static PartitionReport unlisted(String name, String error, boolean locationMissing) {
        return new PartitionReport(name, LoadTotals.ofFiles(List.of()).withPartitionFailed(), List.of(), requireNonNull(error, "error is null"),
                List.of(), locationMissing);
    }

    /**
     * The report of {@code partition}'s files, with the directories below it that could not be
     * listed: {@link #unlisted} when its location could not be listed.
     */
    static PartitionReport of(PartitionLoad partition, List<FileReport> files) {
        return partition.listed()
                ? of(partition.name(), files, partition.unlistedDirectories())
                : unlisted(partition.name(), partition.listingError(), partition.locationMissing());
    }

    /**
     * This partition with {@code files} instead of its files (after a commit, a check or a restore),
     * its totals their sums, the same directories not listed.
     */
    public PartitionReport withFiles(List<FileReport> files) {
        return error != null ? this : of(name, files, unlistedDirectories);
    }
}
