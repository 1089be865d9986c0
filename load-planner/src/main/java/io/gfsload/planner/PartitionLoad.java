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
 * @param repeatedFiles the files also found there that an earlier path of the same request
 *     covers, planned there only: a path with none of its own files is then not empty
 */
public record PartitionLoad(String name, String location, List<FileLoad> files, int repeatedFiles) implements Serializable {
    public PartitionLoad {
        requireNonNull(name, "name is null");
        requireNonNull(location, "location is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        if (repeatedFiles < 0) {
            throw new IllegalArgumentException("repeatedFiles is negative: " + repeatedFiles);
        }
    }

    /** The files found at {@code location}, none of them planned elsewhere. */
    public PartitionLoad(String name, String location, List<FileLoad> files) {
        this(name, location, files, 0);
    }

    /** Whether nothing was found at the location (empty or missing), not even files an earlier path covers. */
    public boolean locationEmpty() {
        return files.isEmpty() && repeatedFiles == 0;
    }

    public long bytes() {
        return files.stream().mapToLong(f -> f.file().length()).sum();
    }

    public int blocks() {
        return files.stream().mapToInt(f -> f.blocks().size()).sum();
    }
}
