package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.List;

/**
 * The files of one partition (or of one path, or of an unpartitioned table), sorted by path.
 *
 * @param name the partition name ({@code dt=2026-11-20}), the path, or the table name
 * @param location the storage location listed
 * @param files the files found there
 * @param repeatedFiles the files also found there that another location of the same request has,
 *     planned there only (an earlier path; a table's partition at a deeper location, inside this
 *     one, or an earlier one at the same location): a location with none of its own files is then
 *     not empty
 * @param listingError why the location could not be listed ({@code Cannot list ...: permission
 *     denied: ...}), its files then unknown and none planned; {@code null} when it was listed
 * @param unlistedDirectories the directories below the location that could not be listed, sorted
 *     by path: their files are unknown and none is planned, the files beside them are
 * @param locationMissing whether the location of a table's partition does not exist (the metastore
 *     has the partition, the UFS has no data for it: not landed yet, or moved away); its {@code
 *     listingError} then says so, and nothing is planned
 */
public record PartitionLoad(String name, String location, List<FileLoad> files, int repeatedFiles, String listingError,
        List<UnlistedDirectory> unlistedDirectories, boolean locationMissing) implements Serializable {
    public PartitionLoad {
        requireNonNull(name, "name is null");
        requireNonNull(location, "location is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        unlistedDirectories = List.copyOf(requireNonNull(unlistedDirectories, "unlistedDirectories is null"));
        if (repeatedFiles < 0) {
            throw new IllegalArgumentException("repeatedFiles is negative: " + repeatedFiles);
        }
        if (listingError != null && !(files.isEmpty() && unlistedDirectories.isEmpty())) {
            throw new IllegalArgumentException("a location that could not be listed has no files: " + location);
        }
        if (locationMissing && listingError == null) {
            throw new IllegalArgumentException("a location that does not exist is not listed: " + location);
        }
    }

    /** A location's files, {@code repeatedFiles} of them planned elsewhere, or a location that could not be listed, and the directories below it not listed. */
    public PartitionLoad(String name, String location, List<FileLoad> files, int repeatedFiles, String listingError,
            List<UnlistedDirectory> unlistedDirectories) {
        this(name, location, files, repeatedFiles, listingError, unlistedDirectories, false);
    }

    /** A listed location's files, {@code repeatedFiles} of them planned elsewhere, or a location that could not be listed. */
    public PartitionLoad(String name, String location, List<FileLoad> files, int repeatedFiles, String listingError) {
        this(name, location, files, repeatedFiles, listingError, List.of());
    }

    /** A listed location's files, {@code repeatedFiles} of them planned elsewhere. */
    public PartitionLoad(String name, String location, List<FileLoad> files, int repeatedFiles) {
        this(name, location, files, repeatedFiles, null);
    }

    /** The files found at {@code location}, none of them planned elsewhere. */
    public PartitionLoad(String name, String location, List<FileLoad> files) {
        this(name, location, files, 0);
    }

    /** A location that could not be listed, and why. */
    public static PartitionLoad unlisted(String name, String location, String error) {
        return new PartitionLoad(name, location, List.of(), 0, requireNonNull(error, "error is null"));
    }

    /**
     * The partition {@code name} of a table, whose {@code location} does not exist: its
     * {@code listingError} says so ({@code Location does not exist: file:/data/t/dt=2026-11-20}).
     */
    public static PartitionLoad missing(String name, String location) {
        return new PartitionLoad(name, location, List.of(), 0, "Location does not exist: " + location, List.of(), true);
    }

    /** This partition with {@code files} instead of its files, {@code repeatedFiles} of them planned elsewhere; the same listing otherwise. */
    public PartitionLoad withFiles(List<FileLoad> files, int repeatedFiles) {
        return new PartitionLoad(name, location, files, repeatedFiles, listingError, unlistedDirectories, locationMissing);
    }

    /** Whether the location itself was listed (a directory below it may still not have been: see {@link #complete()}). */
    public boolean listed() {
        return listingError == null;
    }

    /** Whether the location and every directory below it were listed: every file there is known. */
    public boolean complete() {
        return listed() && unlistedDirectories.isEmpty();
    }

    /**
     * Whether the location exists and nothing was found there, not even files an earlier path
     * covers; false when it does not exist ({@link #locationMissing()}) or when it, or a directory
     * below it, could not be listed.
     */
    public boolean locationEmpty() {
        return complete() && files.isEmpty() && repeatedFiles == 0;
    }

    public long bytes() {
        return files.stream().mapToLong(f -> f.file().length()).sum();
    }

    public int blocks() {
        return files.stream().mapToInt(f -> f.blocks().size()).sum();
    }
}
