package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

import io.gfsload.advisor.Setting;
import java.util.List;

/**
 * The honest account of a load: per partition and file, totals, state, timing and settings.
 *
 * @param target what was loaded, e.g. {@code demo.events dt=2026-11-20}
 * @param state {@link LoadState#SUCCEEDED} only when every planned block is cached; {@link
 *     LoadState#FAILED} when nothing could be cached or the failed files passed the threshold
 * @param replication the requested replicas per block
 * @param totals sums over all files
 * @param partitions per partition and per file
 * @param durationMillis wall time of the load, planning excluded
 * @param bytesPerSecond bytes loaded per second of {@code durationMillis}
 * @param settings the settings used, each with its reason
 */
public record LoadReport(String target, LoadState state, int replication, LoadTotals totals, List<PartitionReport> partitions,
        long durationMillis, long bytesPerSecond, List<Setting> settings) {
    public LoadReport {
        requireNonNull(target, "target is null");
        requireNonNull(state, "state is null");
        requireNonNull(totals, "totals is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        settings = List.copyOf(requireNonNull(settings, "settings is null"));
    }

    /** The files that failed, in plan order. */
    public List<FileReport> failedFiles() {
        return partitions.stream().flatMap(p -> p.files().stream()).filter(FileReport::failed).toList();
    }
}
