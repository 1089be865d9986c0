package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The files of one partition (or of one path, or of an unpartitioned table), sorted by path.
 *
 * @param name the partition name ({@code dt=2026-11-20}), the path, or the table name
 * @param location the storage location listed
 * @param files the files found there
 */
public record PartitionLoad(String name, String location, List<FileLoad> files) {
    public PartitionLoad {
        requireNonNull(name, "name is null");
        requireNonNull(location, "location is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
    }

    public long bytes() {
        return files.stream().mapToLong(f -> f.file().length()).sum();
    }

    public int blocks() {
        return files.stream().mapToInt(f -> f.blocks().size()).sum();
    }
}
