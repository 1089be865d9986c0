package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A unit of work for one executor thread or Spark task: blocks to load, balanced with the other
 * task sets by {@code max(bytes, files x open cost)}.
 *
 * @param id position of the task set in the plan
 * @param blocks the blocks, grouped by file in plan order
 */
public record TaskSet(int id, List<BlockTask> blocks) {
    public TaskSet {
        blocks = List.copyOf(requireNonNull(blocks, "blocks is null"));
    }

    public long bytes() {
        return blocks.stream().mapToLong(BlockTask::length).sum();
    }
}
