package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What happened to the files of one partition (or path).
 *
 * @param name the partition name or path
 * @param files one report per file, in plan order
 */
public record PartitionReport(String name, List<FileReport> files) {
    public PartitionReport {
        requireNonNull(name, "name is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
    }
}
