package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A deterministic plan for a {@link LoadRequest}: partitions, files and blocks, sorted, and the
 * blocks still to load packed into task sets. The same request on the same data yields an equal
 * plan.
 *
 * @param request the request planned
 * @param blockSize block size in bytes used to cut files
 * @param partitions partitions in spec order, files sorted by path
 * @param taskSets the blocks to load (those not already cached), packed
 * @param stats totals and the file-size distribution
 * @param droppedPartitions the selected partitions of a table the metastore dropped while the plan
 *     was made, not in {@code partitions}; {@code null} when none was
 */
public record LoadPlan(LoadRequest request, long blockSize, List<PartitionLoad> partitions, List<TaskSet> taskSets, PlanStats stats,
        DroppedPartitions droppedPartitions) {
    public LoadPlan {
        requireNonNull(request, "request is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        taskSets = List.copyOf(requireNonNull(taskSets, "taskSets is null"));
        requireNonNull(stats, "stats is null");
    }

    /** A plan of which no selected partition was dropped while it was made. */
    public LoadPlan(LoadRequest request, long blockSize, List<PartitionLoad> partitions, List<TaskSet> taskSets, PlanStats stats) {
        this(request, blockSize, partitions, taskSets, stats, null);
    }

    /** The files with a block to load: the files planned less those already cached whole. */
    public long filesToLoad() {
        return stats.files() - partitions.stream().flatMap(partition -> partition.files().stream()).filter(FileLoad::fullyCached).count();
    }

    /** What is left to load, the tuning advisor's workload: see {@link PlanWorkload}. */
    public PlanWorkload workload() {
        return PlanWorkload.of(partitions);
    }
}
